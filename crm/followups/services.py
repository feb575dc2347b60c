"""Follow-ups (uppföljningar): the rules for status, due date and feedback, who sees which, and the lists.

Services take the acting user and "today" as arguments and never read the request; the view commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, raiseload

from crm.auth.models import Role, User
from crm.companies.models import Company, Topic
from crm.dbtypes import Labelled, swedish
from crm.errors import RuleRefused
from crm.extensions import db
from crm.followups.closure import OPEN_STATUSES, is_fully_closed
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.notify import notify_assignee
from crm.meetings.models import Interaction
from crm.timeutil import utcnow
from crm.visits.models import Visit

CLOSED_STATUSES = (FollowUpStatus.DONE, FollowUpStatus.NOT_DONE)
TIMELINE_KIND = "followup"
CLOSED_SHOWN = 20  # how many recently closed follow-ups "Mina uppföljningar" lists under the open ones


# --- Rules -----------------------------------------------------------------------------------


class FollowUpError(RuleRefused):
    """A follow-up rule refused the change; `message` is for the user."""

    message = _l("Uppföljningen kunde inte sparas.")


class ReasonRequired(FollowUpError):
    message = _l("Skriv varför uppföljningen inte blev åtgärdad.")


class DueDateInPast(FollowUpError):
    message = _l("Sista dag kan inte ha passerat. Välj i dag eller senare.")


class FeedbackInFuture(FollowUpError):
    message = _l("Återkopplingen kan inte ha skett i framtiden.")


class FeedbackDateMissing(FollowUpError):
    message = _l("Fyll i när företaget fick återkoppling.")


def reason_problem(status: FollowUpStatus, reason: str | None) -> FollowUpError | None:
    """"Ej åtgärdad" needs a reason."""
    if status == FollowUpStatus.NOT_DONE and not (reason or "").strip():
        return ReasonRequired()
    return None


def due_date_problem(due: date | None, today: date, previous: date | None = None) -> FollowUpError | None:
    """A new or changed due date cannot have passed; an unchanged one may (it is then overdue)."""
    if due is not None and due < today and due != previous:
        return DueDateInPast()
    return None


def feedback_problem(feedback_on: date | None, feedback_how: str | None, today: date) -> FollowUpError | None:
    if feedback_on is not None and feedback_on > today:
        return FeedbackInFuture()
    if feedback_on is None and (feedback_how or "").strip():
        return FeedbackDateMissing()
    return None


@dataclass(frozen=True)
class FollowUpData:
    """What a staff member fills in for a follow-up."""

    description: str
    assignee_id: int | None
    status: FollowUpStatus = FollowUpStatus.OPEN
    topic_id: int | None = None
    due_date: date | None = None
    not_done_reason: str = ""
    feedback_on: date | None = None
    feedback_how: str = ""
    visible_to_politicians: bool = False


@dataclass(frozen=True)
class Source:
    """Where a follow-up is raised: a visit, a meeting or the company page; the company always follows."""

    company: Company
    visit: Visit | None = None
    interaction: Interaction | None = None


def find_source(*, visit_id: int | None = None, interaction_id: int | None = None,
                company_id: int | None = None) -> Source | None:
    """The source the first given id names (visit, then meeting, then company); None if it does not exist."""
    if visit_id is not None:
        visit = db.session.get(Visit, visit_id, options=[joinedload(Visit.company)])
        return Source(company=visit.company, visit=visit) if visit else None
    if interaction_id is not None:
        interaction = db.session.get(Interaction, interaction_id, options=[joinedload(Interaction.company)])
        return Source(company=interaction.company, interaction=interaction) if interaction else None
    if company_id is not None:
        company = db.session.get(Company, company_id)
        return Source(company=company) if company else None
    return None


def _check(data: FollowUpData, today: date, previous_due: date | None) -> None:
    """Refuse before anything changes: the first broken rule is raised."""
    for problem in (
        reason_problem(data.status, data.not_done_reason),
        due_date_problem(data.due_date, today, previous_due),
        feedback_problem(data.feedback_on, data.feedback_how, today),
    ):
        if problem is not None:
            raise problem


def set_status(follow_up: FollowUp, status: FollowUpStatus, reason: str | None = None,
               now: datetime | None = None) -> None:
    """Closing (klar, ej åtgärdad) stamps closed_at once; reopening clears it. The reason belongs to "ej åtgärdad"."""
    problem = reason_problem(status, reason)
    if problem is not None:
        raise problem
    status = FollowUpStatus(status)
    if status in CLOSED_STATUSES:
        if follow_up.closed_at is None or follow_up.status not in CLOSED_STATUSES:
            follow_up.closed_at = now or utcnow()
    else:
        follow_up.closed_at = None
    follow_up.status = status
    follow_up.not_done_reason = (reason or "").strip() if status == FollowUpStatus.NOT_DONE else None


def _apply(follow_up: FollowUp, data: FollowUpData, now: datetime | None) -> None:
    follow_up.description = data.description.strip()
    follow_up.topic_id = data.topic_id
    follow_up.assignee_id = data.assignee_id
    follow_up.due_date = data.due_date
    follow_up.feedback_on = data.feedback_on
    follow_up.feedback_how = data.feedback_how.strip() or None
    follow_up.visible_to_politicians = data.visible_to_politicians
    set_status(follow_up, data.status, data.not_done_reason, now)


def create_follow_up(source: Source, data: FollowUpData, author: User, today: date,
                     now: datetime | None = None) -> FollowUp:
    """Raise a follow-up from a visit, a meeting or a company; the assignee is mailed (crm.reminders.assignment)."""
    _check(data, today, previous_due=None)
    follow_up = FollowUp(
        company=source.company, visit=source.visit, interaction=source.interaction, created_by=author,
        status=FollowUpStatus.OPEN,
    )
    _apply(follow_up, data, now)
    db.session.add(follow_up)
    db.session.flush()
    if follow_up.assignee_id is not None:
        notify_assignee(follow_up, actor=author, now=now or utcnow())
    return follow_up


def update_follow_up(follow_up: FollowUp, data: FollowUpData, today: date, now: datetime | None = None,
                     actor: User | None = None) -> None:
    """Change a follow-up; an overdue one may keep its due date, but not get another that has passed.

    A new assignee is mailed in the same transaction, unless it is the `actor` making the change.
    """
    _check(data, today, previous_due=follow_up.due_date)
    previous_assignee = follow_up.assignee_id
    _apply(follow_up, data, now)
    db.session.flush()
    if follow_up.assignee_id is not None and follow_up.assignee_id != previous_assignee:
        notify_assignee(follow_up, actor=actor, now=now or utcnow())


def closes_its_visit(follow_up: FollowUp) -> bool:
    """True when the follow-up belongs to a done visit that is now fully closed (crm.followups.closure)."""
    if follow_up.visit_id is None:
        return False
    visit = db.session.get(Visit, follow_up.visit_id)
    db.session.expire(visit, ["follow_ups"])
    return is_fully_closed(visit)


# --- Loading ---------------------------------------------------------------------------------


def list_options() -> tuple:
    return (
        joinedload(FollowUp.company),
        joinedload(FollowUp.assignee),
        joinedload(FollowUp.topic),
        raiseload("*"),
    )


def by_due_date(query: Select) -> Select:
    """Earliest due first, those without a due date last (the same on SQLite and PostgreSQL)."""
    return query.order_by(FollowUp.due_date.is_(None), FollowUp.due_date, FollowUp.id)


def load_for_page(follow_up_id: int) -> FollowUp | None:
    return db.session.get(
        FollowUp,
        follow_up_id,
        options=[
            joinedload(FollowUp.company),
            joinedload(FollowUp.visit),
            joinedload(FollowUp.interaction),
            joinedload(FollowUp.topic),
            joinedload(FollowUp.assignee),
            joinedload(FollowUp.created_by),
        ],
    )


# --- "Mina uppföljningar" --------------------------------------------------------------------


class Urgency(Labelled):
    OVERDUE = "forsenade"
    TODAY = "idag"
    THIS_WEEK = "veckan"
    LATER = "senare"
    NO_DUE_DATE = "utan_datum"


Urgency.set_labels({
    Urgency.OVERDUE: _l("Försenade"),
    Urgency.TODAY: _l("Ska vara klara i dag"),
    Urgency.THIS_WEEK: _l("Den här veckan"),
    Urgency.LATER: _l("Senare"),
    Urgency.NO_DUE_DATE: _l("Utan sista dag"),
})


def urgency(due: date | None, today: date) -> Urgency:
    """Where an open follow-up falls: overdue, today, the rest of this (ISO) week, later, or no due date."""
    if due is None:
        return Urgency.NO_DUE_DATE
    if due < today:
        return Urgency.OVERDUE
    if due == today:
        return Urgency.TODAY
    sunday = today + timedelta(days=6 - today.weekday())
    return Urgency.THIS_WEEK if due <= sunday else Urgency.LATER


def days_overdue(follow_up: FollowUp, today: date) -> int:
    if follow_up.due_date is None or not follow_up.is_open:
        return 0
    return max((today - follow_up.due_date).days, 0)


@dataclass
class UrgencyGroup:
    urgency: Urgency
    follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.urgency.label


@dataclass
class MyFollowUps:
    """One user's follow-ups: open ones grouped by urgency (overdue first), then recently closed ones."""

    today: date
    groups: list[UrgencyGroup]
    closed: list[FollowUp]

    @property
    def open_count(self) -> int:
        return sum(len(group.follow_ups) for group in self.groups)

    @property
    def overdue_count(self) -> int:
        return len(self.groups[0].follow_ups)


def group_by_urgency(follow_ups: Sequence[FollowUp], today: date) -> list[UrgencyGroup]:
    """Every urgency in order (overdue first), each sorted by due date; empty groups kept for a fixed layout."""
    groups = {u: UrgencyGroup(u) for u in Urgency}
    for follow_up in sorted(follow_ups, key=lambda f: (f.due_date or date.max, f.id)):
        groups[urgency(follow_up.due_date, today)].follow_ups.append(follow_up)
    return list(groups.values())


def my_follow_ups(user: User, today: date) -> MyFollowUps:
    """The user's open follow-ups by urgency and their most recently closed ones: two queries."""
    mine = select(FollowUp).where(FollowUp.assignee_id == user.id).options(*list_options())
    open_ones = db.session.execute(by_due_date(mine.where(FollowUp.status.in_(OPEN_STATUSES)))).scalars()
    closed = db.session.execute(
        mine.where(FollowUp.status.in_(CLOSED_STATUSES))
        .order_by(FollowUp.closed_at.desc(), FollowUp.id.desc())
        .limit(CLOSED_SHOWN)
    ).scalars()
    return MyFollowUps(today=today, groups=group_by_urgency(list(open_ones), today), closed=list(closed))


# --- The unit-wide list ----------------------------------------------------------------------


class SourceKind(Labelled):
    VISIT = "besok"
    MEETING = "mote"
    COMPANY = "foretag"


SourceKind.set_labels({
    SourceKind.VISIT: _l("Besök"),
    SourceKind.MEETING: _l("Möte"),
    SourceKind.COMPANY: _l("Företagssidan"),
})

OPEN_FILTER = "oppna"
ALL_FILTER = "alla"


def source_of(follow_up: FollowUp) -> SourceKind:
    if follow_up.visit_id is not None:
        return SourceKind.VISIT
    if follow_up.interaction_id is not None:
        return SourceKind.MEETING
    return SourceKind.COMPANY


@dataclass(frozen=True)
class ListFilters:
    status: str = OPEN_FILTER  # "oppna", "alla" or a FollowUpStatus value
    assignee_id: int | None = None
    topic_id: int | None = None
    overdue_only: bool = False
    source: SourceKind | None = None
    without_feedback: bool = False


def _status_condition(status: str):
    if status == OPEN_FILTER:
        return FollowUp.status.in_(OPEN_STATUSES)
    if status == ALL_FILTER or not status:
        return None
    return FollowUp.status == FollowUpStatus(status)


_SOURCE_CONDITIONS = {
    SourceKind.VISIT: lambda: FollowUp.visit_id.is_not(None),
    SourceKind.MEETING: lambda: FollowUp.visit_id.is_(None) & FollowUp.interaction_id.is_not(None),
    SourceKind.COMPANY: lambda: FollowUp.visit_id.is_(None) & FollowUp.interaction_id.is_(None),
}


def list_query(filters: ListFilters, today: date) -> Select:
    """Every follow-up of the unit that matches the filters, earliest due first, for the view to paginate."""
    conditions = [
        _status_condition(filters.status),
        FollowUp.assignee_id == filters.assignee_id if filters.assignee_id else None,
        FollowUp.topic_id == filters.topic_id if filters.topic_id else None,
        FollowUp.status.in_(OPEN_STATUSES) & (FollowUp.due_date < today) if filters.overdue_only else None,
        _SOURCE_CONDITIONS[filters.source]() if filters.source else None,
        FollowUp.feedback_on.is_(None) if filters.without_feedback else None,
    ]
    query = select(FollowUp).where(*(c for c in conditions if c is not None))
    return by_due_date(query.options(*list_options()))


# --- Choices for the forms -------------------------------------------------------------------


def assignee_candidates(keep_id: int | None = None) -> list[User]:
    """Active staff and admins, and the current assignee even if no longer one of them."""
    query = select(User).where(
        or_(User.active.is_(True) & User.role.in_([Role.STAFF, Role.ADMIN]), User.id == keep_id)
    )
    return list(db.session.execute(query.order_by(swedish(User.name), User.id)).scalars())


def topic_candidates(keep_id: int | None = None) -> list[Topic]:
    """Active topics in their set order, and the chosen one even if retired since."""
    query = select(Topic).where(or_(Topic.active.is_(True), Topic.id == keep_id))
    return list(db.session.execute(query.order_by(Topic.position, swedish(Topic.name))).scalars())
