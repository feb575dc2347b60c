"""iCalendar output that Outlook, Google, Apple and Thunderbird read the same way.

Every DATE-TIME is written in UTC (`...Z`), so no VTIMEZONE is needed and no client can get
summer time wrong. UIDs and SEQUENCE come from the stored record, never computed here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Naringsliv CRM//Naringsliv CRM 1.0//SV"
# Serialised VEVENTs of feeds and downloads, whose bytes depend on the item alone: a feed polled again
# serialises only what changed since (icalendar takes about a millisecond per event).
FEED_EVENT_CACHE_SIZE = 8192
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""
    partstat: str = "NEEDS-ACTION"
    rsvp: bool = True


@dataclass(frozen=True)
class CalendarItem:
    """What one VEVENT says; built by each feature from its own record."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    updated: datetime
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False
    organizer_email: str = ""
    organizer_name: str = ""
    attendees: tuple[Attendee, ...] = field(default_factory=tuple)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return value.astimezone(UTC)


def _clean(text: str) -> str:
    """User text as one TEXT value: line breaks of every kind become \\n, control characters go."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _name(text: str) -> str:
    """A person's name for a CN parameter: one line, whitespace runs collapsed."""
    return " ".join(_clean(text).split())


def _event(item: CalendarItem, stamp: datetime) -> Event:
    start, end = _utc(item.start), _utc(item.end)
    if end <= start:
        raise ValueError("DTEND must be after DTSTART")
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", _utc(stamp))
    event.add("sequence", item.sequence)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _clean(item.summary))
    if item.location:
        event.add("location", _clean(item.location))
    if item.description:
        event.add("description", _clean(item.description))
    if item.url:
        event.add("url", item.url)
    event.add("last-modified", _utc(item.updated))
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if item.organizer_email:
        organizer = vCalAddress(f"mailto:{item.organizer_email}")
        if item.organizer_name:
            organizer.params["CN"] = vText(_name(item.organizer_name))
        event.add("organizer", organizer)
    for attendee in item.attendees:
        address = vCalAddress(f"mailto:{attendee.email}")
        if attendee.name:
            address.params["CN"] = vText(_name(attendee.name))
        address.params["ROLE"] = vText("REQ-PARTICIPANT")
        address.params["PARTSTAT"] = vText(attendee.partstat)
        if attendee.rsvp:
            address.params["RSVP"] = vText("TRUE")
        event.add("attendee", address, encode=0)
    return event


def property_lines(item: CalendarItem, stamp: datetime, names: Iterable[str]) -> dict[str, bytes]:
    """The folded lines (CRLF included) of the named properties, exactly as the item's VEVENT writes them.

    One property's line does not depend on the others, so it can be cut out of one VEVENT's bytes and put
    into another's (a batch of invitations differs only in a few lines per invitee).
    """
    wanted = {name.upper() for name in names}
    event = _event(item, stamp)
    lines: dict[str, bytes] = {}
    for name, value in event.property_items(recursive=False, sorted=True):
        if name in wanted:
            lines[name] = lines.get(name, b"") + event.content_line(name, value, sorted=True).to_ical() + b"\r\n"
    return lines


def calendar_bytes(
    items: Iterable[CalendarItem],
    *,
    method: str | None = None,
    name: str | None = None,
    stamp: datetime | None = None,
    refresh_hours: int | None = None,
) -> bytes:
    """Serialise items as one VCALENDAR (CRLF line ends, folded lines).

    With a METHOD (an iTIP message) DTSTAMP is `stamp`, the time the message is made; without
    one (downloads, feeds) it is each item's updated time, so unchanged output is byte-identical.
    """
    if method and stamp is None:
        raise ValueError("an iTIP message needs the time it was made")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", _name(name))
        calendar.add("name", _name(name))
    if refresh_hours:
        calendar.add("refresh-interval", timedelta(hours=refresh_hours), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vText(f"PT{refresh_hours}H"))
    if method:
        for item in items:
            calendar.add_component(_event(item, stamp))
        return calendar.to_ical()
    # Without a METHOD each VEVENT's bytes depend on its item alone; the calendar's own lines frame them
    # exactly as Calendar.to_ical would.
    head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    return head[: -len(end)] + b"".join(_event_bytes(item) for item in items) + end


@functools.lru_cache(maxsize=FEED_EVENT_CACHE_SIZE)
def _event_bytes(item: CalendarItem) -> bytes:
    return _event(item, item.updated).to_ical()
