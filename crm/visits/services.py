"""The company visit's status flow and its writes: proposing, editing, booking, completing, cancelling.

föreslagen → bokad → genomförd, or inställd (with a reason) from föreslagen or bokad. The flow is
enforced here, whatever form or job calls it: a visit is genomförd only once it has begun, and who marked
it so is kept. Booking or moving a visit is refused while a participant is busy then, unless overridden.
Services take the acting user as an argument and never read the request; the view commits. Who may see
and do what is in `crm.visits.access`, the lists and form choices in `crm.visits.queries`, SEQUENCE is
kept by `crm.visits.calendar`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.auth.models import User
from crm.companies.models import Company, CompanyContact, ContactPerson, Topic
from crm.conflicts import refuse_double_booking
from crm.errors import RuleRefused
from crm.extensions import db
from crm.timeutil import as_utc, format_datetime, local, stockholm_today, utcnow
from crm.visits.access import may_add_note, takes_part
from crm.visits.busy import KIND as BUSY_KIND
from crm.visits.models import Visit, VisitKind, VisitNote, VisitStatus

NOTE_MAX_LENGTH = 5_000

# The flow: where each status may go. Genomförd and inställd are final.
TRANSITIONS: dict[VisitStatus, frozenset[VisitStatus]] = {
    VisitStatus.PROPOSED: frozenset({VisitStatus.BOOKED, VisitStatus.CANCELLED}),
    VisitStatus.BOOKED: frozenset({VisitStatus.DONE, VisitStatus.CANCELLED}),
    VisitStatus.DONE: frozenset(),
    VisitStatus.CANCELLED: frozenset(),
}
FINAL = frozenset({VisitStatus.DONE, VisitStatus.CANCELLED})


# --- Errors ----------------------------------------------------------------------------------


class VisitError(RuleRefused):
    """A rule of the visit flow refused the operation; `str(error)` is for the user."""


class IllegalTransition(VisitError):
    def __init__(self, current: VisitStatus, target: VisitStatus):
        super().__init__(current, target)
        self.current, self.target = current, target

    def __str__(self) -> str:
        return str(
            _l(
                "Ett besök med status %(current)s kan inte bli %(target)s.",
                current=self.current.label.lower(),
                target=self.target.label.lower(),
            )
        )


class VisitClosed(VisitError):
    message = _l("Besöket är genomfört eller inställt och kan inte längre ändras.")


class NotStartedYet(VisitError):
    """A visit counts towards the target once it has taken place: it cannot be marked done before it begins."""

    def __init__(self, starts_at: datetime):
        super().__init__(starts_at)
        self.starts_at = starts_at

    def __str__(self) -> str:
        return str(
            _l(
                "Besöket kan markeras som genomfört först när det har börjat (%(start)s).",
                start=format_datetime(self.starts_at),
            )
        )


class ProtocolNotOpen(VisitError):
    message = _l("Protokollet skrivs när besöket är genomfört.")


class TimesRequired(VisitError):
    message = _l("Ett bokat besök behöver datum, starttid och sluttid.")


class EndNotAfterStart(VisitError):
    message = _l("Sluttiden måste vara efter starttiden.")


class ContactNotAtCompany(VisitError):
    message = _l("Välj bara kontaktpersoner som hör till företaget.")


class ReasonRequired(VisitError):
    message = _l("Skriv varför besöket ställs in.")


class NotOpenForSignUp(VisitError):
    message = _l("Du kan bara anmäla dig till, eller lämna, ett bokat besök.")


class NotAllowed(VisitError):
    message = _l("Du har inte behörighet att göra det här.")


class EmptyNote(VisitError):
    message = _l("Skriv en anteckning.")


# --- What staff fill in ----------------------------------------------------------------------


@dataclass(frozen=True)
class VisitData:
    """The visit's facts as a form hands them over; times are aware UTC datetimes or None."""

    # Fields with the same name here, on the form and on the model, copied as they are (text trimmed).
    PLAIN: ClassVar[tuple[str, ...]] = ("counts_towards_target", "place", "purpose")

    kind: VisitKind
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    year: int | None = None
    counts_towards_target: bool = True
    place: str = ""
    purpose: str = ""
    participant_ids: Sequence[int] = ()
    contact_ids: Sequence[int] = ()
    topic_ids: Sequence[int] = ()


@dataclass(frozen=True)
class ProtocolData:
    """What the visit showed: written after it is done."""

    summary: str = ""
    satisfied_with: str = ""
    less_satisfied_with: str = ""
    feedback_preference: str = ""
    topic_ids: Sequence[int] = ()




def default_year(starts_at: datetime | None) -> int:
    """The year a visit counts towards when none is given: the year of its start, else this year."""
    return local(starts_at).year if starts_at else stockholm_today().year


# --- Writes ----------------------------------------------------------------------------------


def _rows(model, ids: Sequence[int]) -> list:
    if not ids:
        return []
    return list(db.session.execute(select(model).where(model.id.in_(set(ids))).order_by(model.id)).scalars())


def _company_contacts(visit: Visit, company_id: int, ids: Sequence[int]) -> list[ContactPerson]:
    """The chosen contacts, each linked to the company (or already on the visit, if since unlinked)."""
    if not ids:
        return []
    linked = set(
        db.session.execute(
            select(CompanyContact.contact_id).where(
                CompanyContact.company_id == company_id, CompanyContact.contact_id.in_(set(ids))
            )
        ).scalars()
    )
    allowed = linked | {contact.id for contact in visit.contacts}
    if not set(ids) <= allowed:
        raise ContactNotAtCompany()
    return _rows(ContactPerson, ids)


def _check_times(starts_at: datetime | None, ends_at: datetime | None, *, required: bool) -> None:
    if (starts_at is None) != (ends_at is None) or (required and starts_at is None):
        raise TimesRequired()
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise EndNotAfterStart()


def _plain(name: str, value):
    """A plain field's value as stored: text trimmed, and an empty text NULL where the column allows it."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    return None if not value and Visit.__table__.columns[name].nullable else value


def _apply(visit: Visit, company_id: int, data: VisitData) -> None:
    _check_times(data.starts_at, data.ends_at, required=visit.status == VisitStatus.BOOKED)
    visit.contacts = _company_contacts(visit, company_id, data.contact_ids)
    visit.kind = data.kind
    visit.starts_at, visit.ends_at = data.starts_at, data.ends_at
    visit.year = data.year or default_year(data.starts_at)
    for name in VisitData.PLAIN:
        setattr(visit, name, _plain(name, getattr(data, name)))
    visit.participants = _rows(User, data.participant_ids)
    visit.topics = _rows(Topic, data.topic_ids)


def _ensure_allowed(visit: Visit, target: VisitStatus) -> None:
    if target not in TRANSITIONS[visit.status]:
        raise IllegalTransition(visit.status, target)


def _move(visit: Visit, target: VisitStatus) -> None:
    _ensure_allowed(visit, target)
    visit.status = target


def create_visit(company: Company, data: VisitData, author: User) -> Visit:
    """Propose a visit (föreslagen); booking is a step of its own."""
    visit = Visit(company=company, status=VisitStatus.PROPOSED, created_by=author)
    _apply(visit, company.id, data)
    db.session.add(visit)
    db.session.flush()
    return visit


def _booking(visit: Visit) -> tuple:
    """What a double booking depends on: the time and who takes part."""
    return visit.starts_at, visit.ends_at, {user.id for user in visit.participants}


def _refuse_double_booking(visit: Visit) -> None:
    """ParticipantsBusy if a participant already has a visit or an event at the visit's time."""
    participant_ids = [user.id for user in visit.participants]
    refuse_double_booking(participant_ids, visit.starts_at, visit.ends_at, skip=(BUSY_KIND, visit.id))


def update_visit(visit: Visit, data: VisitData, override: bool = False) -> None:
    """Change a proposed or booked visit; a booked one keeps its times (rescheduling is allowed).

    Moving a booked visit, or adding to its participants, is refused while someone is busy then, unless
    `override` (the user saw the conflicts and books anyway).
    """
    if visit.status in FINAL:
        raise VisitClosed()
    before = _booking(visit)
    _apply(visit, visit.company_id, data)
    db.session.flush()
    if visit.status == VisitStatus.BOOKED and not override and _booking(visit) != before:
        _refuse_double_booking(visit)


def book(visit: Visit, override: bool = False) -> None:
    """föreslagen → bokad: the visit needs its date, start and end first, and participants free then
    (unless `override`)."""
    _ensure_allowed(visit, VisitStatus.BOOKED)
    _check_times(visit.starts_at, visit.ends_at, required=True)
    _move(visit, VisitStatus.BOOKED)
    db.session.flush()
    if not override:
        _refuse_double_booking(visit)


def has_begun(visit: Visit, now: datetime | None = None) -> bool:
    """Has the visit's start passed? Only then can it be marked genomförd."""
    return visit.starts_at is not None and as_utc(visit.starts_at) <= (now or utcnow())


def complete(visit: Visit, by: User, now: datetime | None = None) -> None:
    """bokad → genomförd, once the visit has begun; who did it and when are kept. Then the protocol is written."""
    _ensure_allowed(visit, VisitStatus.DONE)
    now = now or utcnow()
    if visit.starts_at is None:
        raise TimesRequired()
    if not has_begun(visit, now):
        raise NotStartedYet(visit.starts_at)
    _move(visit, VisitStatus.DONE)
    visit.completed_at, visit.completed_by = now, by
    db.session.flush()


def cancel(visit: Visit, reason: str) -> None:
    """föreslagen or bokad → inställd, always with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    _move(visit, VisitStatus.CANCELLED)
    visit.cancel_reason = reason
    db.session.flush()


def save_protocol(visit: Visit, data: ProtocolData) -> None:
    """A done visit's protocol stays editable; nothing else of it does."""
    if visit.status != VisitStatus.DONE:
        raise ProtocolNotOpen()
    visit.summary = data.summary.strip()
    visit.satisfied_with = data.satisfied_with.strip()
    visit.less_satisfied_with = data.less_satisfied_with.strip()
    visit.feedback_preference = data.feedback_preference.strip()
    visit.topics = _rows(Topic, data.topic_ids)
    db.session.flush()


def join(visit: Visit, user: User, override: bool = False) -> None:
    """A politician signs up for a booked visit (doing it twice changes nothing); refused while they
    already have a visit or an event then, unless `override`."""
    if visit.status != VisitStatus.BOOKED:
        raise NotOpenForSignUp()
    if not takes_part(user, visit):
        if not override:
            refuse_double_booking([user.id], visit.starts_at, visit.ends_at, skip=(BUSY_KIND, visit.id))
        visit.participants.append(user)
    db.session.flush()


def withdraw(visit: Visit, user: User) -> None:
    """A politician leaves a booked visit they signed up for."""
    if visit.status != VisitStatus.BOOKED:
        raise NotOpenForSignUp()
    visit.participants = [participant for participant in visit.participants if participant.id != user.id]
    db.session.flush()


def add_note(visit: Visit, author: User, text: str) -> VisitNote:
    """A participant's (or staff member's) own note on the visit."""
    if not may_add_note(author, visit):
        raise NotAllowed()
    text = (text or "").strip()
    if not text:
        raise EmptyNote()
    note = VisitNote(visit=visit, author=author, text=text[:NOTE_MAX_LENGTH])
    db.session.add(note)
    db.session.flush()
    return note
