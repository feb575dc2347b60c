"""Shared helpers for the visit tests."""

from __future__ import annotations

from tests.support.forms import posted


def visit_form(**fields) -> dict:
    """A valid visit form as a browser posts it (saved as a proposal); lists for checkboxes."""
    return posted({
        "kind": "politikerbesok",
        "day": "2026-12-03",
        "start_time": "09:00",
        "end_time": "10:30",
        "place": "Verkstadsvägen 4, Järna",
        "purpose": "Höra hur kompetensförsörjningen går.",
        "counts_towards_target": "y",
        "save": "Spara",
    }, fields)
