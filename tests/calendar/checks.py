"""Checkers for our .ics output, each one proven able to fail by the controls in tests/calendar.

- `icalendar_errors`: icalendar 7 records parse problems in `component.errors` instead of raising.
- `vobject_instants`: vobject with validate=True, in a fresh process (it caches time zones per process).
- `ical_instants`: the `ical` package (another independent parser).
- `ics_instants`: the `ics` package (a third one; it reads a floating time as UTC).
- `icaljs_instants`: ical.js, the parser Thunderbird and Nextcloud use, under Node (tests/js, `make test`
  installs it with npm ci).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from icalendar import Calendar, Event

from crm.timeutil import STOCKHOLM

VOBJECT_SCRIPT = r"""
import sys
from datetime import timezone
import vobject

calendar = vobject.readOne(sys.stdin.buffer.read().decode("utf-8"), validate=True)
for event in calendar.vevent_list:
    for name in ("dtstart", "dtend"):
        value = getattr(event, name).value
        print("FLOATING" if value.tzinfo is None else value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
"""

FLOATING_ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Control//SV\r\nBEGIN:VEVENT\r\nUID:floating@test\r\n"
    b"DTSTAMP:20260101T000000Z\r\nDTSTART:20260615T090000\r\nDTEND:20260615T100000\r\nSUMMARY:Flytande\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def icalendar_errors(ics: bytes) -> list:
    """Every component's recorded parse problems; [] for a clean calendar."""
    return [(component.name, component.errors) for component in Calendar.from_ical(ics).walk() if component.errors]


def vobject_instants(ics: bytes) -> list[str]:
    """DTSTART and DTEND of each event as vobject (validate=True) reads them, in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-c", VOBJECT_SCRIPT], input=ics, capture_output=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().split()


ICALJS_SCRIPT = Path(__file__).resolve().parent.parent / "js" / "ical_instants.mjs"


def icaljs_instants(ics: bytes) -> list[str]:
    """DTSTART and DTEND of each event as ical.js reads them (Node, tests/js/ical_instants.mjs)."""
    result = subprocess.run(
        ["node", str(ICALJS_SCRIPT)], input=ics, capture_output=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().split()


def icalendar_instants(ics: bytes) -> list[str]:
    """DTSTART and DTEND of each event as icalendar reads them."""
    instants = []
    for event in Calendar.from_ical(ics).walk("VEVENT"):
        for name in ("DTSTART", "DTEND"):
            value = event.decoded(name)
            instants.append("FLOATING" if value.tzinfo is None else value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    return instants


def ical_instants(ics: bytes) -> list[str]:
    """DTSTART and DTEND of each event as the `ical` package reads them."""
    from ical.calendar_stream import IcsCalendarStream

    calendar = IcsCalendarStream.calendar_from_ics(ics.decode("utf-8"))
    instants = []
    for event in calendar.events:
        for value in (event.dtstart, event.dtend):
            instants.append("FLOATING" if value.tzinfo is None else value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    return instants


def ics_instants(ics: bytes) -> list[str]:
    """DTSTART and DTEND of each event as the `ics` package reads them."""
    import ics as ics_package

    calendar = ics_package.Calendar(ics.decode("utf-8"))
    instants = []
    for event in sorted(calendar.events, key=lambda e: (e.begin, e.uid)):
        for value in (event.begin, event.end):
            instants.append(value.to("UTC").strftime("%Y%m%dT%H%M%SZ"))
    return instants


def unfolded_lines(ics: bytes) -> list[str]:
    return ics.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def properties(ics: bytes, name: str) -> list[str]:
    """The unfolded lines of a property (with its parameters), e.g. properties(ics, "ATTENDEE")."""
    return [line for line in unfolded_lines(ics) if line.split(":", 1)[0].split(";", 1)[0] == name]


def value(ics: bytes, name: str) -> str:
    found = properties(ics, name)
    assert len(found) == 1, (name, found)
    return found[0].split(":", 1)[1]


def vevents(ics: bytes) -> list[Event]:
    return list(Calendar.from_ical(ics).walk("VEVENT"))


def rdate_trap_ics() -> bytes:
    """Control input: icalendar's generated RDATE VTIMEZONE for 09:00 Stockholm on 2026-06-15 (see CALENDAR.md)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Test//Control//SV")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", "rdate-trap@test")
    event.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
    event.add("dtstart", datetime(2026, 6, 15, 9, 0, tzinfo=STOCKHOLM))
    event.add("dtend", datetime(2026, 6, 15, 10, 0, tzinfo=STOCKHOLM))
    event.add("summary", "Fälla")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def calendar_parts(message: EmailMessage) -> tuple[bytes, bytes]:
    """The text/calendar part's bytes and the application/ics attachment's bytes of an iMIP message."""
    inline = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    attached = [part for part in message.walk() if part.get_content_type() == "application/ics"]
    assert len(inline) == 1 and len(attached) == 1, [part.get_content_type() for part in message.walk()]
    return inline[0].get_payload(decode=True), attached[0].get_payload(decode=True)


def next_local(months: tuple[int, ...], day: int, hour: int, minute: int = 0, *, after_days: int = 7) -> datetime:
    """The first Stockholm wall-clock time on `day` of one of `months` at least `after_days` from now (naive).

    With three months to choose from it is never more than about 300 days ahead, well inside a feed's window.
    """
    candidate = datetime.now(UTC).astimezone(STOCKHOLM).date() + timedelta(days=after_days)
    while candidate.month not in months or candidate.day != day:
        candidate += timedelta(days=1)
    return datetime(candidate.year, candidate.month, candidate.day, hour, minute)


def utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
