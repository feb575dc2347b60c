"""The daily digest: one mail a day with the user's pressing follow-ups and booked visits.

At the user's chosen time (Europe/Stockholm, on weekdays and, if they asked for it, on weekends)
the digest lists their open follow-ups that are overdue, due today or due the rest of this ISO week,
and the booked visits they take part in from now until the end of the seventh day ahead. With
nothing to list, no mail is sent.

One digest per user and Stockholm day. The day is claimed with a conditional UPDATE of
`users.last_digest_on` (whoever changes the row wins; a Core statement, so no audit entry), and the
mail is queued under `digest:<user id>:<date>` in the same transaction. A day with nothing to say
is claimed too, so it is not looked at again every minute.

Catch-up: a digest that fell due while the scheduler was down is made by the first sweep after it
comes back, as long as it is still the same Stockholm day. A day that passed entirely is not sent
late: yesterday's list is stale, and today's digest comes at its time as usual.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, raiseload

from crm.auth.models import User
from crm.extensions import db
from crm.followups.closure import OPEN_STATUSES
from crm.followups.models import FollowUp
from crm.followups.notify import reads_follow_ups
from crm.followups.services import Urgency, urgency
from crm.mail.links import absolute_url
from crm.mail.texts import day_text, render, when_text
from crm.timeutil import local, stockholm_to_utc
from crm.visits.models import Visit, VisitStatus, visit_participants

VISIT_DAYS = 7  # booked visits from now to the end of the seventh day ahead
KIND = "digest"


def dedupe_key(user_id: int, day: date) -> str:
    return f"digest:{user_id}:{day.isoformat()}"


def end_of_week(day: date) -> date:
    """The Sunday of `day`'s ISO week."""
    return day + timedelta(days=6 - day.weekday())


def due_users(now: datetime) -> list[User]:
    """Active users whose digest time has come today (Stockholm) and who have not had today's digest."""
    moment = local(now)
    today, clock = moment.date(), moment.time()
    query = select(User).where(
        User.active.is_(True),
        User.digest_enabled.is_(True),
        User.digest_time <= clock,
        or_(User.last_digest_on.is_(None), User.last_digest_on < today),
    )
    if today.weekday() >= 5:
        query = query.where(User.digest_weekends.is_(True))
    return list(db.session.scalars(query.order_by(User.id)))


def claim_day(user_id: int, today: date) -> bool:
    """Mark today's digest as made for the user; False when another sweep already did."""
    result = db.session.execute(
        update(User.__table__)
        .where(
            User.__table__.c.id == user_id,
            or_(User.__table__.c.last_digest_on.is_(None), User.__table__.c.last_digest_on < today),
        )
        .values(last_digest_on=today)
    )
    return result.rowcount == 1


@dataclass
class DigestContent:
    """What one user's digest says."""

    overdue: list[FollowUp] = field(default_factory=list)
    due_today: list[FollowUp] = field(default_factory=list)
    this_week: list[FollowUp] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_today or self.this_week or self.visits)

    @property
    def follow_up_count(self) -> int:
        return len(self.overdue) + len(self.due_today) + len(self.this_week)


def _follow_ups_by_user(user_ids: list[int], today: date) -> dict[int, list[FollowUp]]:
    """Open follow-ups due at the latest this Sunday, for all the users in one query."""
    if not user_ids:
        return {}
    rows = db.session.scalars(
        select(FollowUp)
        .where(
            FollowUp.assignee_id.in_(user_ids),
            FollowUp.status.in_(OPEN_STATUSES),
            FollowUp.due_date.is_not(None),
            FollowUp.due_date <= end_of_week(today),
        )
        .options(joinedload(FollowUp.company), raiseload("*"))
        .order_by(FollowUp.due_date, FollowUp.id)
    )
    grouped: dict[int, list[FollowUp]] = defaultdict(list)
    for follow_up in rows:
        grouped[follow_up.assignee_id].append(follow_up)
    return grouped


def _visits_by_user(user_ids: list[int], now: datetime) -> dict[int, list[Visit]]:
    """Booked visits the users take part in, from now to the end of the seventh day ahead, in one query."""
    if not user_ids:
        return {}
    until = stockholm_to_utc(datetime.combine(local(now).date() + timedelta(days=VISIT_DAYS + 1), time(0)))
    rows = db.session.execute(
        select(visit_participants.c.user_id, Visit)
        .join(visit_participants, visit_participants.c.visit_id == Visit.id)
        .where(
            visit_participants.c.user_id.in_(user_ids),
            Visit.status == VisitStatus.BOOKED,
            Visit.starts_at >= now,
            Visit.starts_at < until,
        )
        .options(joinedload(Visit.company), raiseload("*"))
        .order_by(Visit.starts_at, Visit.id)
    )
    grouped: dict[int, list[Visit]] = defaultdict(list)
    for user_id, visit in rows:
        grouped[user_id].append(visit)
    return grouped


def contents(users: Iterable[User], now: datetime) -> dict[int, DigestContent]:
    """Each user's digest content, with two queries for all of them together."""
    users = list(users)
    today = local(now).date()
    follow_ups = _follow_ups_by_user([user.id for user in users if reads_follow_ups(user)], today)
    visits = _visits_by_user([user.id for user in users], now)
    result = {}
    for user in users:
        content = DigestContent(visits=visits.get(user.id, []))
        groups = {Urgency.OVERDUE: content.overdue, Urgency.TODAY: content.due_today,
                  Urgency.THIS_WEEK: content.this_week}
        for follow_up in follow_ups.get(user.id, []):
            groups[urgency(follow_up.due_date, today)].append(follow_up)
        result[user.id] = content
    return result


def subject(today: date) -> str:
    return f"Dina uppföljningar och besök {today.isoformat()}"


def render_digest(user: User, content: DigestContent, today: date) -> tuple[str, str, str]:
    """Subject, text and HTML of the digest."""
    title = subject(today)
    sections = [
        ("Försenade", "forsenade", content.overdue),
        ("Ska vara klara i dag", "idag", content.due_today),
        (f"Resten av veckan (v. {today.isocalendar().week})", "veckan", content.this_week),
    ]
    text, html = render(
        "reminder_digest",
        subject=title,
        user=user,
        today_text=day_text(today),
        content=content,
        sections=[(heading, anchor, items) for heading, anchor, items in sections if items],
        visits=[(visit, when_text(visit.starts_at, visit.ends_at)) for visit in content.visits],
        follow_up_url=lambda follow_up: absolute_url("followups.detail", follow_up_id=follow_up.id),
        visit_url=lambda visit: absolute_url("visits.detail", visit_id=visit.id),
        mine_url=absolute_url("followups.mine") if reads_follow_ups(user) else None,
        visit_days=VISIT_DAYS,
    )
    return title, text, html
