"""Forms as a browser posts them, and the error a page shows under a field."""

from __future__ import annotations


def posted(defaults: dict, fields: dict) -> dict:
    """The defaults with `fields` over them; a None value leaves the field out."""
    data = {**defaults, **fields}
    return {key: value for key, value in data.items() if value is not None}


def error_next_to(html: str, field_id: str) -> str:
    """The error message shown next to a field (empty if none)."""
    marker = f'id="{field_id}-error"'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</p>", 1)[0]
