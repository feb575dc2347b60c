"""Shared helpers for the visit tests."""

from __future__ import annotations

from crm.extensions import db
from crm.visits.models import Visit


def visit_form(**fields) -> dict:
    """A valid visit form as a browser posts it (saved as a proposal); lists for checkboxes."""
    data = {
        "kind": "politikerbesok",
        "day": "2026-12-03",
        "start_time": "09:00",
        "end_time": "10:30",
        "place": "Verkstadsvägen 4, Järna",
        "purpose": "Höra hur kompetensförsörjningen går.",
        "counts_towards_target": "y",
        "save": "Spara",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def fresh(visit: Visit) -> Visit:
    """The row as it is now in the database (a request used a session of its own)."""
    db.session.expire_all()
    return db.session.get(Visit, visit.id)


def error_next_to(html: str, field_id: str) -> str:
    """The error message shown next to a field (empty if none)."""
    marker = f'id="{field_id}-error"'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</p>", 1)[0]
