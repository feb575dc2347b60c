"""Time helpers: the database stores UTC, people read Europe/Stockholm."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (a callable default for columns)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Read a stored datetime as UTC; SQLite returns naive values for aware columns."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local(value: datetime) -> datetime:
    """A stored datetime in Europe/Stockholm."""
    return as_utc(value).astimezone(STOCKHOLM)
