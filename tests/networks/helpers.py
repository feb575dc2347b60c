"""Shared helpers for the network tests."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from crm.events.models import Attendance, EventStatus
from crm.extensions import db
from crm.timeutil import local, utcnow


def error_next_to(html: str, field_id: str) -> str:
    """The error message shown next to a field (empty if none)."""
    marker = f'id="{field_id}-error"'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</p>", 1)[0]


def section(html: str, heading: str) -> str:
    """The page from an <h2> with this text up to the next <h2> (empty if there is no such heading)."""
    match = re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>(.*?)(?=<h2|</main>)", html, flags=re.S)
    return match.group(1) if match else ""


def stockholm_wall_clock(days: int, hour: int = 7) -> datetime:
    """A naive Stockholm time `days` from now (negative: in the past), at `hour`:30."""
    moment = local(utcnow()) + timedelta(days=days)
    return moment.replace(hour=hour, minute=30, second=0, microsecond=0, tzinfo=None)


def held_event(factories, network, days_ago: int, attended: int, no_shows: int = 0, **fields):
    """A held event of the network with that many invitees who came and who did not."""
    event = factories.event(network_id=network.id if network else None, status=EventStatus.HELD,
                            start=stockholm_wall_clock(-days_ago), **fields)
    for _ in range(attended):
        factories.invitation(event, attendance=Attendance.ATTENDED)
    for _ in range(no_shows):
        factories.invitation(event, attendance=Attendance.NO_SHOW)
    return event


def fresh(model, row_id: int):
    """The row as it is now in the database (a request used a session of its own)."""
    db.session.expire_all()
    return db.session.get(model, row_id)
