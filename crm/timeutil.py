"""Time helpers: the database stores UTC, people read Europe/Stockholm."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (a callable default for columns)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Read a stored datetime as UTC; SQLite returns naive values for aware columns."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def stockholm_today() -> date:
    """Today's date in Stockholm: the day people at the unit are living."""
    return datetime.now(STOCKHOLM).date()


def local(value: datetime) -> datetime:
    """A stored datetime in Europe/Stockholm."""
    return as_utc(value).astimezone(STOCKHOLM)


class NonexistentLocalTime(ValueError):
    """A wall-clock time that does not exist in Stockholm (the spring-forward gap)."""


def stockholm_to_utc(naive: datetime) -> datetime:
    """A wall-clock time in Stockholm as UTC; refuses times in the spring DST gap (e.g. 2026-03-29 02:30).

    In the autumn hour that happens twice, the first (summer-time) occurrence is meant.
    """
    if naive.tzinfo is not None:
        raise ValueError("expected a wall-clock (naive) time")
    aware = naive.replace(tzinfo=STOCKHOLM, fold=0)
    back = aware.astimezone(UTC).astimezone(STOCKHOLM).replace(tzinfo=None)
    if back != naive:
        raise NonexistentLocalTime(naive.isoformat())
    return aware.astimezone(UTC)


def format_date(value: date | datetime | None) -> str:
    """Dates as Swedes write them: 2026-11-22."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%Y-%m-%d")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return local(value).strftime("%Y-%m-%d %H:%M")


def week(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return f"v. {value.isocalendar().week}"
