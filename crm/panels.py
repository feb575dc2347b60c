"""Panels: what a higher feature shows on a lower feature's page, without the lower feature importing it.

A page names its slot ("company", "contact", "network") and asks `panels(slot, subject, viewer)` for
what to show there; a feature registers a provider for a slot on import with `@panel_provider(slot, order)`.
A provider gets the page's subject (the company, contact person or network) and the viewing user, and
returns a `Panel` (a partial template and the values it needs) or None to show nothing, using a constant
number of queries. Panels come in the order of `order`, equal orders in the order they were registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from markupsafe import Markup


@dataclass(frozen=True)
class Panel:
    template: str  # a partial, rendered with `values` only (and the app's usual globals)
    values: dict = field(default_factory=dict)

    def render(self) -> Markup:
        # The partial is an autoescaped .html template, so what it returns is already safe HTML.
        return Markup(render_template(self.template, **self.values))  # noqa: S704


Provider = Callable[[Any, Any], "Panel | None"]
_providers: dict[str, list[tuple[int, Provider]]] = {}


def panel_provider(slot: str, order: int) -> Callable[[Provider], Provider]:
    """Register a provider of a panel on the `slot` page, placed by `order` (smaller first)."""

    def register(provider: Provider) -> Provider:
        entries = _providers.setdefault(slot, [])
        entries.append((order, provider))
        entries.sort(key=lambda entry: entry[0])  # a stable sort: equal orders keep the registration order
        return provider

    return register


def panels(slot: str, subject: Any, viewer: Any) -> list[Markup]:
    """The rendered panels of `slot` for this subject and viewer, in their order."""
    found = (provider(subject, viewer) for _, provider in _providers.get(slot, ()))
    return [panel.render() for panel in found if panel is not None]
