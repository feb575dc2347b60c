"""Absolute links for mail and feeds, built from BASE_URL: the scheduler has no request to take a host from."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    return url_builder()(endpoint, **values)


def url_builder() -> Callable[..., str]:
    """`absolute_url` for many links: the URL map is bound to BASE_URL once."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")

    def build(endpoint: str, **values) -> str:
        return adapter.build(endpoint, values, force_external=True)

    return build
