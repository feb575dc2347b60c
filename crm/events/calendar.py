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
from sqlalchemy import inspect

from crm.calendar.ical import Attendee, CalendarItem, calendar_bytes, property_lines
from crm.calendar.identity import keep_calendar_identity
from crm.events.models import Answer, Event, EventStatus, Invitation


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


# What an invitee answered, as the PARTSTAT an update carries (RFC 5546): an update to someone who said
# "nej" must not put the meeting back in their calendar as unanswered.
PARTSTAT = {Answer.YES: "ACCEPTED", Answer.NO: "DECLINED", Answer.MAYBE: "TENTATIVE"}


def partstat(invitation) -> str:
    return PARTSTAT.get(invitation.answer, "NEEDS-ACTION")


def event_item(event: Event, url: str, attendee: Invitation | None = None,
               cancelled: bool | None = None, rsvp: bool = True) -> CalendarItem:
    """The VEVENT of an event. For an invitee (`attendee`), `url` is their own answer page, which the
    DESCRIPTION and URL carry; they have no login for the staff page. A CANCEL asks for no reply (`rsvp`)."""
    organizer_name, organizer_email = organizer_address() if attendee is not None else ("", "")
    attendees: tuple[Attendee, ...] = ()
    if attendee is not None:
        attendees = (Attendee(email=attendee.email or "", name=attendee.name, partstat=partstat(attendee),
                              rsvp=rsvp),)
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


def _invitation_item(event: Event, invitation: Invitation, method: str, url: str,
                     sequence: int | None) -> CalendarItem:
    item = event_item(event, url, attendee=invitation, cancelled=method == "CANCEL", rsvp=method != "CANCEL")
    return item if sequence is None else replace(item, sequence=sequence)


def invitation_ics(event: Event, invitation: Invitation, method: str, stamp: datetime, url: str,
                   sequence: int | None = None) -> bytes:
    """The iTIP object for one invitee: REQUEST (invite, update) or CANCEL, the invitee the only ATTENDEE
    with their current PARTSTAT; `url` is the invitee's own answer page."""
    return calendar_bytes([_invitation_item(event, invitation, method, url, sequence)], method=method, stamp=stamp)


@dataclass(frozen=True)
class _Invitee:
    name: str
    email: str
    answer: Answer | None = None


_STAND_IN = _Invitee(name="Batch Invitee 7f3c9a", email="batch-invitee-7f3c9a@example.invalid")
_STAND_IN_URL = "https://batch-url-7f3c9a.example.invalid/svar/StandIn7f3c9a"
_PER_INVITEE = ("DESCRIPTION", "URL", "ATTENDEE")  # the lines that differ between the invitees of one event


def invitation_ics_for(event: Event, method: str, stamp: datetime,
                       sequence: int | None = None) -> Callable[[Invitation, str], bytes]:
    """`invitation_ics` for many invitees of one event, called with (invitation, its answer URL): the
    calendar is serialised once and only the lines that name the invitee or their answer page (ATTENDEE,
    DESCRIPTION, URL) are written per invitee, giving the same bytes as `invitation_ics` for each."""

    def alone(invitation: Invitation, url: str) -> bytes:
        return invitation_ics(event, invitation, method, stamp, url, sequence=sequence)

    shared = alone(_STAND_IN, _STAND_IN_URL)  # type: ignore[arg-type]
    stand_in = property_lines(_invitation_item(event, _STAND_IN, method, _STAND_IN_URL, sequence),  # type: ignore[arg-type]
                              stamp, _PER_INVITEE)
    if set(stand_in) != set(_PER_INVITEE) or any(shared.count(line) != 1 for line in stand_in.values()):
        return alone  # not the expected form: make each one whole
    order = sorted(_PER_INVITEE, key=lambda name: shared.index(stand_in[name]))
    pieces, rest = [], shared
    for name in order:
        head, rest = rest.split(stand_in[name])
        pieces.append(head)
    pieces.append(rest)

    def make(invitation: Invitation, url: str) -> bytes:
        lines = property_lines(_invitation_item(event, invitation, method, url, sequence), stamp, _PER_INVITEE)
        if set(lines) != set(_PER_INVITEE):
            return alone(invitation, url)
        out = [pieces[0]]
        for index, name in enumerate(order):
            out += [lines[name], pieces[index + 1]]
        return b"".join(out)

    return make
