"""Shared helpers for the event tests: outbox rows, the calendar inside a queued message, form data."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default as default_policy

from icalendar import Calendar
from sqlalchemy import select

from crm.events.models import Event, Invitation
from crm.extensions import db
from crm.mail.models import OutboxMessage
from tests.support.forms import error_next_to  # noqa: F401 (the event tests import it from here)


def outbox(prefix: str = "") -> list[OutboxMessage]:
    """Queued messages whose dedupe key starts with `prefix`, oldest first."""
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if prefix:
        query = query.where(OutboxMessage.dedupe_key.like(f"{prefix}%"))
    return list(db.session.scalars(query))


def calendar_in(row: OutboxMessage) -> Calendar:
    """The text/calendar part of a queued message, parsed; fails if there is none or it has parse errors."""
    message = message_from_bytes(row.raw, policy=default_policy)
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = Calendar.from_ical(part.get_payload(decode=True))
            assert not calendar.errors, calendar.errors
            for component in calendar.walk():
                assert not component.errors, component.errors
            return calendar
    raise AssertionError(f"no text/calendar part in {row.dedupe_key}")


def vevent(row: OutboxMessage):
    return next(iter(calendar_in(row).walk("VEVENT")))


def fresh(model, row_id: int):
    db.session.expire_all()
    return db.session.get(model, row_id)


def fresh_event(event: Event) -> Event:
    return fresh(Event, event.id)


def fresh_invitation(invitation: Invitation) -> Invitation:
    return fresh(Invitation, invitation.id)


def event_form(**fields) -> dict:
    """A valid form for one event as a browser posts it."""
    data = {
        "title": "Frukostmöte: Kompetensförsörjning",
        "kind": "frukostmote",
        "network_id": "",
        "day": "2026-12-04",
        "start_time": "07:30",
        "end_time": "09:00",
        "place": "Stadshuset, Stora salen",
        "link": "",
        "description": "Frukost och samtal om rekrytering.",
        "capacity": "",
        "deadline_day": "2026-12-02",
        "deadline_time": "12:00",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def series_form(**fields) -> dict:
    """A valid series form: the first Friday of each month, 07:30-09:00, autumn 2026 to spring 2027."""
    data = {
        "title": "Frukostmöte",
        "kind": "frukostmote",
        "network_id": "",
        "frequency": "monthly",
        "ordinal": "1",
        "weekday": "4",
        "interval": "1",
        "first_day": "2026-09-01",
        "last_day": "2027-05-31",
        "start_time": "07:30",
        "end_time": "09:00",
        "place": "Stadshuset",
        "link": "",
        "description": "",
        "capacity": "",
        "deadline_days": "",
        "deadline_time": "",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}
