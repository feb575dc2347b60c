"""Company visits: the status flow, who sees what, and the queries the pages need.

föreslagen → bokad → genomförd, or inställd (with a reason) from föreslagen or bokad. The flow is
enforced here, whatever form or job calls it: a visit is genomförd only once it has begun, and who marked
it so is kept. Booking or moving a visit is refused while a participant is busy then, unless overridden.
Services take the acting user as an argument and never read the request; the view commits. SEQUENCE is
kept by `crm.visits.calendar`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import joinedload, raiseload, selectinload

from crm.auth.models import Role, User
from crm.companies.models import Company, CompanyContact, ContactPerson, Topic
from crm.companies.timeline import TimelinePosition, older_than
from crm.conflicts import refuse_double_booking
from crm.dbtypes import swedish
from crm.errors import RuleRefused
from crm.extensions import db
from crm.templating import format_datetime
from crm.timeutil import STOCKHOLM, as_utc, local, utcnow
from crm.visits.busy import KIND as BUSY_KIND
from crm.visits.models import Visit, VisitKind, VisitNote, VisitStatus, visit_participants

NOTE_MAX_LENGTH = 5_000
TIMELINE_KIND = "visit"

# The flow: where each status may go. Genomförd and inställd are final.
TRANSITIONS: dict[VisitStatus, frozenset[VisitStatus]] = {
    VisitStatus.PROPOSED: frozenset({VisitStatus.BOOKED, VisitStatus.CANCELLED}),
    VisitStatus.BOOKED: frozenset({VisitStatus.DONE, VisitStatus.CANCELLED}),
    VisitStatus.DONE: frozenset(),
    VisitStatus.CANCELLED: frozenset(),
}
FINAL = frozenset({VisitStatus.DONE, VisitStatus.CANCELLED})
# What a politician who does not take part may know of a visit at all.
OPEN_TO_POLITICIANS = (VisitStatus.BOOKED, VisitStatus.DONE)


# --- Labels ----------------------------------------------------------------------------------

KIND_LABELS = {
    VisitKind.POLITICIAN: _l("Politikerbesök"),
    VisitKind.OFFICIAL: _l("Tjänstemannabesök"),
    VisitKind.WELCOME: _l("Välkomstbesök"),
    VisitKind.FOLLOW_UP: _l("Uppföljningsbesök"),
}
STATUS_LABELS = {
    VisitStatus.PROPOSED: _l("Föreslaget"),
    VisitStatus.BOOKED: _l("Bokat"),
    VisitStatus.DONE: _l("Genomfört"),
    VisitStatus.CANCELLED: _l("Inställt"),
}


def kind_label(kind: VisitKind | str) -> str:
    return str(KIND_LABELS[VisitKind(kind)])


def status_label(status: VisitStatus | str) -> str:
    return str(STATUS_LABELS[VisitStatus(status)])


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
                current=status_label(self.current).lower(),
                target=status_label(self.target).lower(),
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


def stockholm_today() -> date:
    return datetime.now(STOCKHOLM).date()


def default_year(starts_at: datetime | None) -> int:
    """The year a visit counts towards when none is given: the year of its start, else this year."""
    return local(starts_at).year if starts_at else stockholm_today().year


# --- Who may do and see what -----------------------------------------------------------------


def manages(user: User) -> bool:
    """Staff (and admins) create, edit, book, complete and cancel visits."""
    return user.has_role(Role.STAFF)


def reads_all(user: User) -> bool:
    """Staff read every visit in full; politicians only what concerns them. Organizers see what a politician
    who takes part in nothing sees: booked and done visits' basic facts, never a protocol or notes."""
    return user.has_role(Role.STAFF)


def takes_part(user: User, visit: Visit) -> bool:
    return any(participant.id == user.id for participant in visit.participants)


def can_see(user: User, visit: Visit) -> bool:
    """May the user open the visit at all (basic facts at least)?"""
    if reads_all(user):
        return True
    return visit.status in OPEN_TO_POLITICIANS or (
        visit.status != VisitStatus.PROPOSED and takes_part(user, visit)
    )


def sees_in_full(user: User, visit: Visit) -> bool:
    """Purpose, place, company participants, protocol and notes: readers of all, and politicians who take part."""
    if reads_all(user):
        return True
    return visit.status != VisitStatus.PROPOSED and takes_part(user, visit)


def sees_contact_details(user: User) -> bool:
    """Contact persons' e-mail and phone: never for politicians."""
    return reads_all(user)


def may_add_note(user: User, visit: Visit) -> bool:
    return manages(user) or (user.has_role(Role.POLITICIAN) and sees_in_full(user, visit))


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


def _apply(visit: Visit, company_id: int, data: VisitData) -> None:
    _check_times(data.starts_at, data.ends_at, required=visit.status == VisitStatus.BOOKED)
    visit.contacts = _company_contacts(visit, company_id, data.contact_ids)
    visit.kind = data.kind
    visit.starts_at, visit.ends_at = data.starts_at, data.ends_at
    visit.year = data.year or default_year(data.starts_at)
    visit.counts_towards_target = data.counts_towards_target
    visit.place = data.place.strip() or None
    visit.purpose = data.purpose.strip()
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


def join(visit: Visit, user: User) -> None:
    """A politician signs up for a booked visit (doing it twice changes nothing)."""
    if visit.status != VisitStatus.BOOKED:
        raise NotOpenForSignUp()
    if not takes_part(user, visit):
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


# --- Queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitFilters:
    """The list's filters. `status=None` means the current ones: booked, then proposed."""

    year: int | None = None
    status: VisitStatus | None = None
    all_statuses: bool = False
    kind: VisitKind | None = None
    mine: bool = False


def _participates(user_id: int):
    return exists().where(visit_participants.c.visit_id == Visit.id, visit_participants.c.user_id == user_id)


def visible_to(viewer: User):
    """SQL condition: the visits the viewer may open."""
    if reads_all(viewer):
        return true()
    return or_(
        Visit.status.in_(OPEN_TO_POLITICIANS),
        and_(Visit.status == VisitStatus.CANCELLED, _participates(viewer.id)),
    )


def _list_order():
    """Booked first (soonest first), then proposed, then done and cancelled (newest first)."""
    rank = case(
        (Visit.status == VisitStatus.BOOKED, 0),
        (Visit.status == VisitStatus.PROPOSED, 1),
        (Visit.status == VisitStatus.DONE, 2),
        else_=3,
    )
    current = Visit.status.in_((VisitStatus.BOOKED, VisitStatus.PROPOSED))
    return (
        rank,
        case((current, Visit.starts_at)).asc().nulls_last(),
        Visit.starts_at.desc().nulls_last(),
        Visit.id.desc(),
    )


def list_query(viewer: User, filters: VisitFilters = VisitFilters()) -> Select:
    """The visit list, with everything a row shows loaded up front."""
    query = select(Visit).where(visible_to(viewer))
    if filters.status is not None:
        query = query.where(Visit.status == filters.status)
    elif not filters.all_statuses:
        query = query.where(Visit.status.in_((VisitStatus.BOOKED, VisitStatus.PROPOSED)))
    if filters.year is not None:
        query = query.where(Visit.year == filters.year)
    if filters.kind is not None:
        query = query.where(Visit.kind == filters.kind)
    if filters.mine:
        query = query.where(or_(Visit.created_by_id == viewer.id, _participates(viewer.id)))
    return query.options(
        joinedload(Visit.company), selectinload(Visit.participants), raiseload("*")
    ).order_by(*_list_order())


def years_in_use() -> list[int]:
    years = set(db.session.execute(select(Visit.year).distinct()).scalars())
    years.add(stockholm_today().year)
    return sorted(years, reverse=True)


def load_for_page(visit_id: int) -> Visit | None:
    return db.session.get(
        Visit,
        visit_id,
        options=[
            joinedload(Visit.company),
            joinedload(Visit.created_by),
            joinedload(Visit.completed_by),
            selectinload(Visit.participants),
            selectinload(Visit.contacts),
            selectinload(Visit.topics),
            selectinload(Visit.notes).joinedload(VisitNote.author),
        ],
    )


def company_visits(
    company_id: int, viewer: User, before: TimelinePosition | None = None, limit: int | None = None
) -> list[Visit]:
    """A company's visits for its timeline, at their start (or when proposed), newest first, in a fixed
    number of queries: at most `limit` of those after `before`.

    Politicians see the visits they take part in (not proposed ones) and every done visit.
    """
    moment = timeline_moment()
    query = select(Visit).where(
        Visit.company_id == company_id, older_than(before, TIMELINE_KIND, moment, Visit.id)
    )
    if not reads_all(viewer):
        query = query.where(
            or_(
                Visit.status == VisitStatus.DONE,
                and_(Visit.status != VisitStatus.PROPOSED, _participates(viewer.id)),
            )
        )
    query = query.options(selectinload(Visit.participants), selectinload(Visit.topics), raiseload("*"))
    query = query.order_by(moment.desc(), Visit.id.desc()).limit(limit)
    return list(db.session.execute(query).scalars())


def timeline_moment():
    """Where a visit sits on the company's timeline: its start, or when it was proposed."""
    return func.coalesce(Visit.starts_at, Visit.created_at)


# --- Choices for the forms -------------------------------------------------------------------


def _users(roles: Sequence[Role], keep: Sequence[User]) -> list[User]:
    query = select(User).where(
        or_(and_(User.active.is_(True), User.role.in_(roles)), User.id.in_([user.id for user in keep]))
    )
    return list(db.session.execute(query.order_by(swedish(User.name), User.id)).scalars())


def politician_candidates(keep: Sequence[User] = ()) -> list[User]:
    """Active politicians, and any already taking part."""
    return _users([Role.POLITICIAN], [user for user in keep if user.role == Role.POLITICIAN])


def official_candidates(keep: Sequence[User] = ()) -> list[User]:
    """Active officials (every role but politician), and any already taking part."""
    roles = [role for role in Role if role != Role.POLITICIAN]
    return _users(roles, [user for user in keep if user.role != Role.POLITICIAN])


def company_contacts(company_id: int, keep: Sequence[ContactPerson] = ()) -> list[ContactPerson]:
    query = (
        select(ContactPerson)
        .where(
            or_(
                ContactPerson.id.in_(select(CompanyContact.contact_id).where(CompanyContact.company_id == company_id)),
                ContactPerson.id.in_([contact.id for contact in keep]),
            )
        )
        .order_by(swedish(ContactPerson.name), ContactPerson.id)
    )
    return list(db.session.execute(query).scalars())


def topic_candidates(keep: Sequence[Topic] = ()) -> list[Topic]:
    """Active topics in their set order, and any already chosen even if retired since."""
    query = select(Topic).where(or_(Topic.active.is_(True), Topic.id.in_([topic.id for topic in keep])))
    return list(db.session.execute(query.order_by(Topic.position, swedish(Topic.name))).scalars())


def find_companies(text: str, limit: int = 20) -> list[Company]:
    """Companies whose name holds every word typed (for starting a visit without a company page)."""
    from crm.text import name_key

    key = name_key(text)
    if not key:
        return []
    query = select(Company).where(*(Company.name_key.contains(word, autoescape=True) for word in key.split()))
    return list(db.session.execute(query.order_by(swedish(Company.name), Company.id).limit(limit)).scalars())
