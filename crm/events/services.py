"""Events: create one or a series, change and cancel one or the rest of a series, dietary needs, answer counts.
Attendance is in crm.events.attendance.

Services take "now" and the acting user as arguments and never read the request; the view commits.
Calendar-visible changes raise the SEQUENCE (crm.events.calendar) and queue updates to invitees.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from crm.auth.models import User
from crm.conflicts import refuse_double_booking, refuse_double_bookings
from crm.errors import RuleRefused
from crm.events import invitations
from crm.events.busy import KIND as BUSY_KIND
from crm.events.models import (
    Answer,
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
from crm.timeutil import NonexistentLocalTime, as_utc, local, stockholm_to_utc, utcnow

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


class AttendanceNotOpen(EventRefused):
    message = _l("Närvaron kan avslutas först när träffen har börjat.")


class EventIsCancelled(EventRefused):
    message = _l("Träffen är inställd.")


class MissingLocalTime(EventRefused):
    """A wall-clock time that does not exist on one of the days (the spring-forward hour)."""

    def __init__(self, day: date, at: time) -> None:
        super().__init__()
        self.day = day
        self.at = at
        self.message = _l(
            "Klockan %(time)s finns inte den %(date)s: då ställs klockan fram en timme till sommartid. "
            "Välj en annan tid.",
            time=at.strftime("%H:%M"), date=day.isoformat(),
        )


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


def _refuse_double_booking(event: Event) -> None:
    """ParticipantsBusy if the organizer already has a visit or another event at the event's time."""
    refuse_double_booking([event.organizer_id], event.starts_at, event.ends_at, skip=(BUSY_KIND, event.id))


def create_event(data: EventData, organizer: User, override: bool = False) -> Event:
    """A new event run by `organizer`; refused while the organizer is busy then, unless `override`."""
    _check(data)
    event = Event(organizer=organizer, status=EventStatus.PLANNED, sequence=0)
    _apply(event, data)
    db.session.add(event)
    db.session.flush()
    if not override:
        _refuse_double_booking(event)
    return event


def create_series(data: EventData, rule: SeriesRule, organizer: User,
                  days: Collection[date] | None = None, override: bool = False) -> EventSeries:
    """One event per date of the rule (only those in `days` when given), each with its own UID; `data`'s
    times are replaced by the rule's. Refused while the organizer is busy at any of them, unless `override`.

    A registration deadline in `data` is read relative to `data.starts_at` and kept at the same
    clock time and number of days before each event (two days before at 12:00 stays 12:00 across DST).
    """
    times = occurrences(rule)
    if days is not None:
        times = [(start, end) for start, end in times if local(start).date() in days]
    if not override:
        refuse_double_bookings([organizer.id], times)
    series = EventSeries(title=data.title.strip(), rule=rule.describe(), created_by_id=organizer.id)
    db.session.add(series)
    for start, end in times:
        deadline = None
        if data.registration_deadline is not None:
            deadline = shifted_deadline(data.starts_at, data.registration_deadline, start)
        item = EventData(**{**data.__dict__, "starts_at": start, "ends_at": end, "registration_deadline": deadline})
        _check(item)
        event = Event(organizer=organizer, status=EventStatus.PLANNED, sequence=0, series=series)
        _apply(event, item)
        db.session.add(event)
    db.session.flush()
    return series


def shifted_deadline(old_start: datetime, old_deadline: datetime, new_start: datetime) -> datetime:
    """The deadline for an event starting at `new_start`: as many days before it, at the same clock time.

    "12:00 two days before" stays 12:00 two days before when the event moves to another day or hour,
    across DST too. A same-day deadline that the new start would pass moves back a day at a time; a
    clock time that does not exist that day (spring forward) keeps the old distance to the start.
    """
    days_before = _wall(old_start).date() - _wall(old_deadline).date()
    wall_deadline = datetime.combine(_wall(new_start).date() - days_before, _wall(old_deadline).time())
    while wall_deadline > _wall(new_start):
        wall_deadline -= timedelta(days=1)
    try:
        return stockholm_to_utc(wall_deadline)
    except NonexistentLocalTime:
        return new_start - (old_start - old_deadline)


def _wall(value: datetime) -> datetime:
    return local(value).replace(tzinfo=None)


def _utc_on(day: date, at: time) -> datetime:
    try:
        return stockholm_to_utc(datetime.combine(day, at))
    except NonexistentLocalTime:
        raise MissingLocalTime(day, at) from None


def update_event(event: Event, data: EventData, now: datetime | None = None, override: bool = False) -> int:
    """Save the change; if invitees can see it (time, place, title), each gets an update. Returns updates queued.

    A new time is refused while the organizer is busy then, unless `override`.
    """
    if event.status == EventStatus.CANCELLED:
        raise AlreadyCancelled()
    _check(data)
    now = now or utcnow()
    old_capacity = event.capacity
    before = event.sequence
    moved = (event.starts_at, event.ends_at) != (data.starts_at, data.ends_at)
    _apply(event, data)
    db.session.flush()  # the SEQUENCE rises here if something calendar-visible changed
    if moved and not override:
        _refuse_double_booking(event)
    # Only a change invitees can see is sent: a SEQUENCE raised earlier by a status change alone
    # (planerad -> inbjudan skickad) or by uninviting someone else is no news to them.
    sent = invitations.send_updates(event, now) if event.sequence > before else 0
    if event.capacity is None or (old_capacity is not None and event.capacity > old_capacity):
        invitations.fill_from_waitlist(event, now)
    return sent


def move_event(event: Event, day: date, start: time, end: time, place: str | None = None,
               now: datetime | None = None, override: bool = False) -> int:
    """Move this one event to another day or time (and place); the deadline moves along. Returns updates queued."""
    if end <= start:
        raise EndBeforeStart()
    starts_at, ends_at = _utc_on(day, start), _utc_on(day, end)
    deadline = event.registration_deadline
    if deadline is not None:
        deadline = shifted_deadline(event.starts_at, deadline, starts_at)
    data = EventData(
        title=event.title, kind=event.kind, starts_at=starts_at, ends_at=ends_at, network_id=event.network_id,
        place=event.place if place is None else place, link=event.link, description=event.description,
        capacity=event.capacity, registration_deadline=deadline, asks_dietary=event.asks_dietary,
    )
    return update_event(event, data, now, override)


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
                        now: datetime | None = None, override: bool = False) -> tuple[list[Event], int]:
    """New wall-clock times (and place) for this and every later event of the series.

    Refused while an organizer is busy at one of the new times, unless `override`. Returns the events
    moved and how many updates were queued to their invitees.
    """
    if end <= start:
        raise EndBeforeStart()
    if event.status == EventStatus.CANCELLED:
        raise AlreadyCancelled()
    now = now or utcnow()
    moved = rest_of_series(event)
    before = {item.id: item.sequence for item in moved}
    times = {item.id: (_utc_on(local(item.starts_at).date(), start), _utc_on(local(item.starts_at).date(), end))
             for item in moved}
    if not override:
        _refuse_series_double_booking(moved, times)
    for item in moved:
        starts_at, ends_at = times[item.id]
        if item.registration_deadline is not None:
            item.registration_deadline = shifted_deadline(item.starts_at, item.registration_deadline, starts_at)
        item.starts_at, item.ends_at = starts_at, ends_at
        if place is not None:
            item.place = place.strip()
    db.session.flush()
    sent = 0
    for item in moved:
        if item.sequence > before[item.id]:
            sent += invitations.send_updates(item, now)
    return moved, sent


def _refuse_series_double_booking(events: list[Event], times: dict[int, tuple[datetime, datetime]]) -> None:
    """ParticipantsBusy if an organizer is busy at a new time of the events (their own old times left out)."""
    changed = [item for item in events if times[item.id] != (as_utc(item.starts_at), as_utc(item.ends_at))]
    refuse_double_bookings({item.organizer_id for item in changed}, [times[item.id] for item in changed],
                           skip=[(BUSY_KIND, item.id) for item in events])


def cancel(event: Event, now: datetime | None = None) -> int:
    if event.status == EventStatus.CANCELLED:
        raise AlreadyCancelled()
    return invitations.cancel_event(event, now or utcnow())


def cancel_rest_of_series(event: Event, now: datetime | None = None) -> tuple[list[Event], int]:
    """Cancel this and every later event of the series; returns them and how many cancellations were queued."""
    if event.status == EventStatus.CANCELLED:
        raise AlreadyCancelled()
    now = now or utcnow()
    cancelled = rest_of_series(event)
    sent = 0
    for item in cancelled:
        sent += invitations.cancel_event(item, now)
    return cancelled, sent


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
        .where(Invitation.event_id == event.id, Invitation.uninvited_at.is_(None),
               Invitation.answer == Answer.YES, Invitation.waitlisted_at.is_(None))
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
    invited: int = 0
    yes: int = 0
    waitlisted: int = 0
    no: int = 0
    maybe: int = 0
    unanswered: int = 0
    attended: int = 0
    no_show: int = 0
    walk_ins: int = 0  # came without an invitation: counted as attended, not as invited


def answer_counts(event: Event) -> AnswerCounts:
    return answer_counts_for([event.id])[event.id]


def answer_counts_for(event_ids: list[int]) -> dict[int, AnswerCounts]:
    """The answers of several events in one query (for a list page)."""
    sent = Invitation.invited_at.is_not(None)
    rows = db.session.execute(
        select(Invitation.event_id, sent, Invitation.answer, Invitation.waitlisted_at.is_not(None),
               Invitation.attendance, func.count())
        .where(Invitation.event_id.in_(event_ids), Invitation.uninvited_at.is_(None))
        .group_by(Invitation.event_id, sent, Invitation.answer, Invitation.waitlisted_at.is_not(None),
                  Invitation.attendance)
    ).all() if event_ids else []
    totals: dict[int, Counter[str]] = {event_id: Counter() for event_id in event_ids}
    for event_id, was_sent, answer, waitlisted, attendance, count in rows:
        counter = totals[event_id]
        if attendance is not None:
            counter[attendance.value] += count
        if not was_sent:
            counter["walk_ins"] += count
            continue
        counter["invited"] += count
        key = "unanswered" if answer is None else ("waitlisted" if waitlisted else answer.value)
        counter[key] += count
    return {
        event_id: AnswerCounts(
            invited=t["invited"], yes=t["ja"], waitlisted=t["waitlisted"], no=t["nej"], maybe=t["kanske"],
            unanswered=t["unanswered"], attended=t["narvarade"], no_show=t["uteblev"], walk_ins=t["walk_ins"],
        )
        for event_id, t in totals.items()
    }


def network_of(event: Event) -> Network | None:
    return db.session.get(Network, event.network_id) if event.network_id else None
