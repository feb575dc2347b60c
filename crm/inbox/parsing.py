"""Reading one message from the organizer mailbox: its headers, and the iTIP calendar part found by walking
the MIME tree (calendar programs put it inline in multipart/alternative as often as in an attachment)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr

import icalendar

from crm.timeutil import STOCKHOLM, as_utc

PARTSTATS = ("ACCEPTED", "DECLINED", "TENTATIVE")


@dataclass(frozen=True)
class Attendee:
    address: str  # case-folded, without "mailto:"
    partstat: str  # upper case; "" when the property has none


@dataclass(frozen=True)
class Reply:
    """What a message says, as far as the CRM cares; `method` is "" when it carries no calendar part."""

    message_id: str
    sender: str  # the From address, case-folded
    subject: str
    raw: bytes
    method: str = ""
    uid: str | None = None
    sequence: int = 0
    dtstamp: datetime | None = None
    attendees: tuple[Attendee, ...] = field(default_factory=tuple)
    proposed_start: datetime | None = None
    proposed_end: datetime | None = None
    comment: str = ""
    problems: tuple[str, ...] = field(default_factory=tuple)  # what icalendar could not read

    @property
    def is_calendar(self) -> bool:
        return bool(self.method)


def address_of(value: object) -> str:
    """A calendar address (mailto:...) or a mail address, case-folded and bare."""
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return parseaddr(text)[1].strip().casefold() or text.casefold()


def calendar_part(message: EmailMessage) -> bytes | None:
    """The first text/calendar (or application/ics) part anywhere in the tree, as bytes."""
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind in ("text/calendar", "application/ics") or (
            kind == "application/octet-stream" and (part.get_filename() or "").lower().endswith(".ics")
        ):
            payload = part.get_payload(decode=True)
            if payload:
                return payload
    return None


def _utc(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return as_utc(value if value.tzinfo else value.replace(tzinfo=STOCKHOLM))  # floating: Stockholm's
    if isinstance(value, date):
        return as_utc(datetime.combine(value, time(), tzinfo=STOCKHOLM))
    return None


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def parse(raw: bytes) -> Reply:
    message: EmailMessage = message_from_bytes(raw, policy=default_policy)  # type: ignore[assignment]
    message_id = _text(message.get("Message-ID"))[:500] or f"sha256:{hashlib.sha256(raw).hexdigest()}"
    senders = getaddresses([str(message.get("From", ""))])
    sender = senders[0][1].casefold() if senders else ""
    base = {"message_id": message_id, "sender": sender[:254], "subject": _text(message.get("Subject"))[:300],
            "raw": raw}
    body = calendar_part(message)
    if body is None:
        return Reply(**base)
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except ValueError as error:
        return Reply(**base, method="?", problems=(str(error),))
    method = _text(calendar.get("METHOD")).upper() or "?"
    events = calendar.walk("VEVENT")
    problems = tuple(str(error) for error in calendar.errors)
    if not events:
        return Reply(**base, method=method, problems=(*problems, "ingen VEVENT"))
    event = events[0]
    problems += tuple(str(error) for error in event.errors)
    attendees = event.get("ATTENDEE") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    sequence = event.get("SEQUENCE")
    start, end = event.get("DTSTART"), event.get("DTEND")
    stamp = event.get("DTSTAMP")
    return Reply(
        **base,
        method=method,
        uid=_text(event.get("UID"))[:255] or None,
        sequence=int(sequence) if sequence is not None else 0,
        dtstamp=_utc(stamp.dt) if stamp is not None else None,
        attendees=tuple(
            Attendee(address_of(attendee)[:254], _text(attendee.params.get("PARTSTAT")).upper())
            for attendee in attendees
        ),
        proposed_start=_utc(start.dt) if start is not None and method == "COUNTER" else None,
        proposed_end=_utc(end.dt) if end is not None and method == "COUNTER" else None,
        comment=_text(event.get("COMMENT")),
        problems=problems,
    )
