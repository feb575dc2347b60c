"""Events: create one or a series, change and cancel one or the rest of a series, attendance, dietary needs.

Services take "now" and the acting user as arguments and never read the request; the view commits.
Calendar-visible changes raise the SEQUENCE (crm.events.calendar) and queue updates to invitees.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from crm.auth.models import User
from crm.companies.models import ContactPerson
from crm.errors import RuleRefused
from crm.events import invitations
from crm.events.models import (
    Attendance,
    DietaryNeed,
    Event,
    EventKind,
    EventSeries,
    EventStatus,
    Invitation,
)
from crm.events.series import SeriesRule, occurrences
from crm.extensions import db
from crm.networks.models import Network
from crm.timeutil import local, stockholm_to_utc, utcnow

DIETARY_CHOICES = {
    "vegetarisk": _l("Vegetarisk"),
    "vegansk": _l("Vegansk"),
    "glutenfri": _l("Glutenfri"),
    "laktosfri": _l("Laktosfri"),
    "notter": _l("Nötallergi"),
    "annat": _l("Annat"),
}
CANCELLED_KEPT_DAYS = 30  # cancelled events stay in feeds this long, marked STATUS:CANCELLED
DIETARY_KEPT_HOURS = 24  # dietary needs are deleted this long after the event ends


class EventRefused(RuleRefused):
    message = _l("Träffen kunde inte sparas.")


class EndBeforeStart(EventRefused):
    message = _l("Sluttiden måste vara efter starttiden.")


class DeadlineAfterStart(EventRefused):
    message = _l("Sista anmälningsdag kan inte vara efter att träffen börjar.")


class AlreadyCancelled(EventRefused):
    message = _l("Träffen är redan inställd.")


@dataclass(frozen=True)
class EventData:
    title: str
    kind: EventKind
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    network_id: int | None = None
    place: str = ""
    link: str = ""
    description: str = ""
    capacity: int | None = None
    registration_deadline: datetime | None = None  # UTC
    asks_dietary: bool = False


def _check(data: EventData) -> None:
    if data.ends_at <= data.starts_at:
        raise EndBeforeStart()
    if data.registration_deadline is not None and data.registration_deadline > data.starts_at:
        raise DeadlineAfterStart()


def _apply(event: Event, data: EventData) -> None:
    event.title = data.title.strip()
    event.kind = data.kind
    event.starts_at = data.starts_at
    event.ends_at = data.ends_at
    event.network_id = data.network_id
    event.place = data.place.strip()
    event.link = data.link.strip()
    event.description = data.description.strip()
    event.capacity = data.capacity
    event.registration_deadline = data.registration_deadline
    event.asks_dietary = data.asks_dietary


def create_event(data: EventData, organizer: User) -> Event:
    _check(data)
    event = Event(organizer=organizer, status=EventStatus.PLANNED, sequence=0)
    _apply(event, data)
    db.session.add(event)
    db.session.flush()
    return event


def create_series(data: EventData, rule: SeriesRule, organizer: User) -> EventSeries:
    """One event per date of the rule, each with its own UID; `data`'s times are replaced by the rule's."""
    times = occurrences(rule)
    series = EventSeries(title=data.title.strip(), rule=rule.describe(), created_by_id=organizer.id)
    db.session.add(series)
    for start, end in times:
        deadline = None
        if data.registration_deadline is not None:
            deadline = start - (data.starts_at - data.registration_deadline)
        event = Event(organizer=organizer, status=EventStatus.PLANNED, sequence=0, series=series)
        _apply(event, EventData(**{**data.__dict__, "starts_at": start, "ends_at": end,
                                   "registration_deadline": deadline}))
        db.session.add(event)
    db.session.flush()
    return series


def update_event(event: Event, data: EventData, now: datetime | None = None) -> int:
    """Save the change; if invitees can see it (time, place, title), each gets an update. Returns updates queued."""
    if event.status == EventStatus.CANCELLED:
        raise AlreadyCancelled()
    _check(data)
    old_capacity = event.capacity
    _apply(event, data)
    sent = invitations.send_updates(event, now or utcnow())
    if event.capacity is None or (old_capacity is not None and event.capacity > old_capacity):
        invitations.fill_from_waitlist(event, now or utcnow())
    return sent


def rest_of_series(event: Event) -> list[Event]:
    """This event and the later ones of its series that are not cancelled."""
    if event.series_id is None:
        return [event]
    return list(db.session.scalars(
        select(Event).where(
            Event.series_id == event.series_id, Event.starts_at >= event.starts_at,
            Event.status != EventStatus.CANCELLED,
        ).order_by(Event.starts_at)
    ))


def move_rest_of_series(event: Event, start: time, end: time, place: str | None = None,
                        now: datetime | None = None) -> list[Event]:
    """New wall-clock times (and place) for this and every later event of the series, updates sent."""
    if end <= start:
        raise EndBeforeStart()
    now = now or utcnow()
    moved = rest_of_series(event)
    for item in moved:
        day = local(item.starts_at).date()
        shift = item.registration_deadline and item.starts_at - item.registration_deadline
        item.starts_at = stockholm_to_utc(datetime.combine(day, start))
        item.ends_at = stockholm_to_utc(datetime.combine(day, end))
        if shift:
            item.registration_deadline = item.starts_at - shift
        if place is not None:
            item.place = place.strip()
    db.session.flush()
    for item in moved:
        invitations.send_updates(item, now)
    return moved


def cancel(event: Event, now: datetime | None = None) -> int:
    if event.status == EventStatus.CANCELLED:
        raise AlreadyCancelled()
    return invitations.cancel_event(event, now or utcnow())


def cancel_rest_of_series(event: Event, now: datetime | None = None) -> list[Event]:
    now = now or utcnow()
    cancelled = rest_of_series(event)
    for item in cancelled:
        invitations.cancel_event(item, now)
    return cancelled


# --- Attendance ----------------------------------------------------------------------------------


def mark_attendance(invitation: Invitation, attendance: Attendance | None) -> None:
    invitation.attendance = Attendance(attendance) if attendance else None
    event = invitation.event
    if attendance and event.status in (EventStatus.PLANNED, EventStatus.INVITED) and event.starts_at <= utcnow():
        event.status = EventStatus.HELD


def add_walk_in(event: Event, name: str, email: str | None, now: datetime | None = None) -> Invitation:
    """Someone who came without an invitation: found by e-mail among the contacts, or added as a new contact."""
    now = now or utcnow()
    email = (email or "").strip().lower() or None
    contact = None
    if email:
        contact = db.session.scalar(select(ContactPerson).where(ContactPerson.email == email).limit(1))
    if contact is None:
        contact = ContactPerson(name=name.strip(), email=email)
        db.session.add(contact)
        db.session.flush()
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.event_id == event.id, Invitation.contact_id == contact.id)
    )
    if invitation is None:
        invitation = Invitation(event=event, contact=contact, name=contact.name, email=contact.email,
                                rsvp_key=invitations.new_key(), walk_in=True)
        db.session.add(invitation)
    invitation.uninvited_at = None
    mark_attendance(invitation, Attendance.ATTENDED)
    db.session.flush()
    return invitation


def close_attendance(event: Event) -> int:
    """After the event: everyone with a place who was not ticked is a no-show. Returns how many."""
    count = 0
    for invitation in invitations.active_invitations(event):
        if invitation.has_place and invitation.attendance is None:
            invitation.attendance = Attendance.NO_SHOW
            count += 1
    if event.status in (EventStatus.PLANNED, EventStatus.INVITED):
        event.status = EventStatus.HELD
    db.session.flush()
    return count


# --- Dietary needs (health data) ----------------------------------------------------------------


def save_dietary(invitation: Invitation, categories: list[str], other: str) -> None:
    chosen = [c for c in categories if c in DIETARY_CHOICES]
    other = other.strip()
    if not chosen and not other:
        if invitation.dietary_need is not None:
            db.session.delete(invitation.dietary_need)
            invitation.dietary_need = None
        return
    need = invitation.dietary_need or DietaryNeed(invitation=invitation)
    need.categories = ",".join(chosen)
    need.other = other
    db.session.add(need)


def dietary_counts(event: Event) -> Counter[str]:
    """How many of those with a place asked for each kind of food; never who."""
    rows = db.session.execute(
        select(DietaryNeed.categories, DietaryNeed.other)
        .join(Invitation, Invitation.id == DietaryNeed.invitation_id)
        .where(Invitation.event_id == event.id, Invitation.uninvited_at.is_(None))
    ).all()
    counts: Counter[str] = Counter()
    for categories, other in rows:
        for category in filter(None, categories.split(",")):
            counts[category] += 1
        if other and "annat" not in categories.split(","):
            counts["annat"] += 1
    return counts


def purge_dietary_needs(now: datetime | None = None) -> int:
    """Delete dietary needs of events that ended more than DIETARY_KEPT_HOURS ago (or were cancelled)."""
    now = now or utcnow()
    ended = select(Invitation.id).join(Event, Event.id == Invitation.event_id).where(
        (Event.ends_at < now - timedelta(hours=DIETARY_KEPT_HOURS)) | (Event.status == EventStatus.CANCELLED)
    )
    result = db.session.execute(delete(DietaryNeed).where(DietaryNeed.invitation_id.in_(ended)))
    return result.rowcount or 0


# --- Figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerCounts:
    invited: int
    yes: int
    waitlisted: int
    no: int
    maybe: int
    unanswered: int
    attended: int
    no_show: int


def answer_counts(event: Event) -> AnswerCounts:
    rows = db.session.execute(
        select(Invitation.answer, Invitation.waitlisted_at.is_not(None), Invitation.attendance, func.count())
        .where(Invitation.event_id == event.id, Invitation.uninvited_at.is_(None))
        .group_by(Invitation.answer, Invitation.waitlisted_at.is_not(None), Invitation.attendance)
    ).all()
    totals: Counter[str] = Counter()
    for answer, waitlisted, attendance, count in rows:
        totals["invited"] += count
        key = "unanswered" if answer is None else ("waitlisted" if waitlisted else answer.value)
        totals[key] += count
        if attendance is not None:
            totals[attendance.value] += count
    return AnswerCounts(
        invited=totals["invited"], yes=totals["ja"], waitlisted=totals["waitlisted"], no=totals["nej"],
        maybe=totals["kanske"], unanswered=totals["unanswered"], attended=totals["narvarade"],
        no_show=totals["uteblev"],
    )


def network_of(event: Event) -> Network | None:
    return db.session.get(Network, event.network_id) if event.network_id else None
