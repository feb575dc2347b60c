"""The visit queries the pages need: the list, a visit's page, a company's timeline and the forms' choices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import joinedload, raiseload, selectinload

from crm.auth.models import Role, User
from crm.companies.models import Company, CompanyContact, ContactPerson, Topic
from crm.companies.timeline import TimelinePosition, older_than
from crm.dbtypes import swedish
from crm.extensions import db
from crm.timeutil import stockholm_today
from crm.visits.access import OPEN_TO_POLITICIANS, reads_all
from crm.visits.models import Visit, VisitKind, VisitNote, VisitStatus, visit_participants

TIMELINE_KIND = "visit"


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
