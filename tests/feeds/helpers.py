"""Helpers for the feed tests: events and visits relative to today (feeds have a window around now)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.timeutil import STOCKHOLM


def local_days_from_now(days: int, hour: int = 9, minute: int = 0) -> datetime:
    """A naive Stockholm wall-clock time `days` from today, for the factories."""
    day = datetime.now(UTC).astimezone(STOCKHOLM).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute)


def fetch(client, token: str, **headers):
    return client.get(f"/kalender/{token}.ics", headers=headers)


def uids(ics: bytes) -> list[str]:
    from tests.calendar.checks import unfolded_lines

    return sorted(line[4:] for line in unfolded_lines(ics) if line.startswith("UID:"))
