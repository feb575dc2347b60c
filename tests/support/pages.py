"""The app's pages as URLs: every GET route of the URL map, path parameters filled from sample values."""

from __future__ import annotations

from flask import Flask, url_for

from tests.test_routes_roles import SAMPLE_FOR


def page_urls(app: Flask, values: dict) -> list[tuple[str, str]]:
    """(endpoint, URL) of every GET route, path parameters filled from the sample values, in URL order."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        arguments = {arg: values[SAMPLE_FOR.get((rule.endpoint, arg), arg)] for arg in rule.arguments}
        with app.test_request_context():
            found.append((rule.endpoint, url_for(rule.endpoint, **arguments)))
    return sorted(found, key=lambda pair: pair[1])
