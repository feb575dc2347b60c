"""Who sees which follow-ups, and the lists limited to what the viewer may see.

Staff and admins read and write every follow-up; a politician reads those marked visible to politicians of
the visits they take part in; organizers none.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, false, select
from sqlalchemy.orm import joinedload, raiseload

from crm.auth.models import Role, User
from crm.companies.timeline import TimelinePosition, older_than
from crm.extensions import db
from crm.followups.closure import loose_ends
from crm.followups.models import FollowUp
from crm.followups.services import CLOSED_STATUSES, TIMELINE_KIND, by_due_date, list_options
from crm.visits.models import visit_participants


def sees_all(viewer: User) -> bool:
    """Staff and admins read every follow-up; politicians only some; organizers none."""
    return viewer.has_role(Role.STAFF)


def may_write(viewer: User) -> bool:
    return viewer.has_role(Role.STAFF)


def politician_condition(viewer: User):
    """SQL: marked visible to politicians and raised from a visit the viewer takes part in."""
    took_part = exists().where(
        visit_participants.c.visit_id == FollowUp.visit_id,
        visit_participants.c.user_id == viewer.id,
    )
    return FollowUp.visible_to_politicians.is_(True) & took_part


def _readable_by(viewer: User):
    if sees_all(viewer):
        return None
    if viewer.role == Role.POLITICIAN:
        return politician_condition(viewer)
    return false()


def company_follow_ups(
    company_id: int, viewer: User, before: TimelinePosition | None = None, limit: int | None = None
) -> list[FollowUp]:
    """A company's follow-ups the viewer may see, for its timeline, newest first, in one query whatever
    their count: at most `limit` of those after `before`."""
    query = select(FollowUp).where(
        FollowUp.company_id == company_id,
        older_than(before, TIMELINE_KIND, FollowUp.created_at, FollowUp.id),
    )
    condition = _readable_by(viewer)
    if condition is not None:
        query = query.where(condition)
    query = query.options(joinedload(FollowUp.assignee), joinedload(FollowUp.topic), raiseload("*"))
    query = query.order_by(FollowUp.created_at.desc(), FollowUp.id.desc()).limit(limit)
    return list(db.session.execute(query).scalars())


@dataclass(frozen=True)
class VisitFollowUps:
    """What the visit page shows of its follow-ups; `loose_ends` only to those who see them all."""

    items: list[FollowUp]
    loose_ends: list[FollowUp]
    sees_all: bool


def visit_follow_ups(visit_id: int, viewer: User) -> VisitFollowUps:
    """A visit's follow-ups the viewer may see (politicians: visible ones of their own visits), one query."""
    query = select(FollowUp).where(FollowUp.visit_id == visit_id)
    condition = _readable_by(viewer)
    if condition is not None:
        query = query.where(condition)
    items = list(db.session.execute(by_due_date(query.options(*list_options()))).scalars())
    everything = sees_all(viewer)
    return VisitFollowUps(items=items, loose_ends=loose_ends(items) if everything else [], sees_all=everything)


def politician_query(viewer: User) -> Select:
    """The follow-ups a politician may read: visible ones of visits they take part in, open ones first."""
    return (
        select(FollowUp)
        .where(politician_condition(viewer))
        .options(joinedload(FollowUp.company), joinedload(FollowUp.visit), joinedload(FollowUp.topic),
                 raiseload("*"))
        .order_by(FollowUp.status.in_(CLOSED_STATUSES), FollowUp.due_date.is_(None), FollowUp.due_date,
                  FollowUp.id.desc())
    )
