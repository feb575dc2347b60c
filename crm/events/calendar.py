"""An event's calendar identity, its download, and the iTIP objects its invitations carry.

The UID is made once with the event and never changes. SEQUENCE rises by one in the same flush as
any change of start, end, place, link, title or calendar status (cancelled or not), and never falls
(the same rule as visits).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parseaddr

from flask import current_app
from icalendar import vCalAddress, vText
from icalendar.parser import Contentline
from sqlalchemy import inspect

from crm.calendar.ical import Attendee, CalendarItem, calendar_bytes
from crm.calendar.ical import _name as cn_value
from crm.calendar.identity import keep_calendar_identity
from crm.events.models import Event, EventStatus, Invitation


def _calendar_status_changed(target: Event) -> bool:
    """Whether STATUS in the calendar changes: CANCELLED or not. Planned → invited → held is internal;
    counting it would raise the SEQUENCE past what invitees were sent and mail them an "update" for nothing."""
    history = inspect(target).attrs["status"].history
    if not history.has_changes() or not history.deleted or not history.added:
        return False
    return (history.deleted[0] == EventStatus.CANCELLED) != (history.added[0] == EventStatus.CANCELLED)


keep_calendar_identity(Event, also=_calendar_status_changed)  # the columns marked SHOWN_IN_CALENDARS


def organizer_address() -> tuple[str, str]:
    """The unit's mailbox (name, address): the ORGANIZER of every invitation, where "Accept" lands."""
    configured = current_app.config.get("ORGANIZER_EMAIL") or current_app.config["MAIL_FROM"]
    name, address = parseaddr(configured)
    return name or current_app.config["ORGANISATION_NAME"], address


def location(event: Event) -> str:
    return ", ".join(part for part in (event.place.strip(), event.link.strip()) if part)


def event_item(event: Event, url: str, attendee: Invitation | None = None,
               cancelled: bool | None = None) -> CalendarItem:
    organizer_name, organizer_email = organizer_address() if attendee is not None else ("", "")
    attendees: tuple[Attendee, ...] = ()
    if attendee is not None:
        attendees = (Attendee(email=attendee.email or "", name=attendee.name),)
    description = "\n\n".join(part for part in (event.description.strip(), url) if part)
    return CalendarItem(
        uid=event.uid,
        sequence=event.sequence,
        start=event.starts_at,
        end=event.ends_at,
        summary=event.title,
        updated=event.updated_at,
        location=location(event),
        description=description,
        url=url,
        cancelled=event.status == EventStatus.CANCELLED if cancelled is None else cancelled,
        organizer_email=organizer_email,
        organizer_name=organizer_name,
        attendees=attendees,
    )


def event_ics(event: Event, url: str) -> bytes:
    """A download: no METHOD, no ATTENDEE, byte-identical while the event is unchanged."""
    return calendar_bytes([event_item(event, url)])


def invitation_ics(event: Event, invitation: Invitation, method: str, stamp: datetime, url: str,
                   sequence: int | None = None) -> bytes:
    """The iTIP object for one invitee: REQUEST (invite, update) or CANCEL, the invitee the only ATTENDEE."""
    item = event_item(event, url, attendee=invitation, cancelled=method == "CANCEL")
    if sequence is not None:
        item = replace(item, sequence=sequence)
    return calendar_bytes([item], method=method, stamp=stamp)


@dataclass(frozen=True)
class _Invitee:
    name: str
    email: str


_STAND_IN = _Invitee(name="Batch Invitee 7f3c9a", email="batch-invitee-7f3c9a@example.invalid")


def attendee_line(invitee: Invitation | _Invitee) -> bytes:
    """The folded ATTENDEE line (CRLF included) that `invitation_ics` writes for this invitee.

    Written by icalendar from the same parameters as crm.calendar.ical writes them (a component writes
    each property as `Contentline.from_parts(...)`, folded); one property's line does not depend on the
    others, so it can be cut out and put into another VEVENT.
    """
    address = vCalAddress(f"mailto:{invitee.email or ''}")
    attendee = Attendee(email=invitee.email or "", name=invitee.name)
    if attendee.name:
        address.params["CN"] = vText(cn_value(attendee.name))
    address.params["ROLE"] = vText("REQ-PARTICIPANT")
    address.params["PARTSTAT"] = vText(attendee.partstat)
    if attendee.rsvp:
        address.params["RSVP"] = vText("TRUE")
    return Contentline.from_parts("ATTENDEE", address.params, address, sorted=True).to_ical() + b"\r\n"


def invitation_ics_for(event: Event, method: str, stamp: datetime, url: str,
                       sequence: int | None = None) -> Callable[[Invitation], bytes]:
    """`invitation_ics` for many invitees of one event: the calendar is serialised once and only the
    ATTENDEE line is written per invitee, giving the same bytes as `invitation_ics` for each."""
    shared = invitation_ics(event, _STAND_IN, method, stamp, url, sequence=sequence)  # type: ignore[arg-type]
    stand_in = attendee_line(_STAND_IN)
    if shared.count(stand_in) != 1:  # not the expected form: make each one whole
        return lambda invitation: invitation_ics(event, invitation, method, stamp, url, sequence=sequence)
    head, tail = shared.split(stand_in)
    return lambda invitation: head + attendee_line(invitation) + tail
