"""Shared helpers for the meeting log's tests."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from crm.extensions import db
from crm.meetings.models import Interaction
from crm.timeutil import stockholm_today


def form_data(**fields) -> dict:
    """A valid interaction form as a browser posts it; ids as strings, lists for checkboxes."""
    data = {
        "kind": "mote",
        "occurred_on": stockholm_today().isoformat(),
        "note": "Pratade om kompetensförsörjning och nya lokaler.",
        "save_draft": "Spara utkast",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def interaction_count() -> int:
    return db.session.execute(select(func.count()).select_from(Interaction)).scalar_one()


def fresh(interaction: Interaction) -> Interaction:
    """The row as it is now in the database (a request used a session of its own)."""
    db.session.expire_all()
    return db.session.get(Interaction, interaction.id)


def fieldset(html: str, field_id: str) -> str:
    """The HTML of one checkbox or radio group of the form."""
    return html.split(f'id="{field_id}"', 1)[1].split("</fieldset>", 1)[0]


def checked_values(html: str, field_id: str) -> list[str]:
    """The values ticked in one checkbox or radio group."""
    return re.findall(r'<input checked[^>]*value="([^"]*)"', fieldset(html, field_id))
