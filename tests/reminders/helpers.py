"""Shared by the reminder tests: fixed days, Stockholm times, the outbox and delivered messages."""

from __future__ import annotations

from datetime import date, datetime, time
from email.message import EmailMessage

from sqlalchemy import select

from crm.extensions import db
from crm.mail.models import OutboxMessage
from crm.timeutil import stockholm_to_utc

MONDAY = date(2026, 11, 23)  # week 48; Stockholm is UTC+1 then
TUESDAY = date(2026, 11, 24)
WEDNESDAY = date(2026, 11, 25)
THURSDAY = date(2026, 11, 26)
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)
SUNDAY = date(2026, 11, 29)
NEXT_MONDAY = date(2026, 11, 30)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time on `day`, as the aware UTC datetime the sweep takes."""
    return stockholm_to_utc(datetime.combine(day, time(hour, minute)))


def wall(day: date, hour: int, minute: int = 0) -> datetime:
    """A naive Stockholm wall-clock time, as the visit factory takes it."""
    return datetime.combine(day, time(hour, minute))


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def outbox_keys() -> list[str]:
    return [message.dedupe_key for message in outbox()]


def parts(message: EmailMessage) -> dict[str, str]:
    """The text and HTML parts of a multipart/alternative message, by content type."""
    assert message.get_content_type() == "multipart/alternative"
    found = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert list(found) == ["text/plain", "text/html"]
    return found


def between(text: str, start: str, end: str | None = None) -> str:
    """The part of `text` after `start` and before `end` (or to the end)."""
    assert start in text, start
    rest = text.split(start, 1)[1]
    return rest.split(end, 1)[0] if end else rest
