"""The start page: what the signed-in user has to do today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import render_template
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.auth.access import any_user
from crm.auth.models import Role
from crm.companies.models import Company, CompanyStatus
from crm.extensions import db
from crm.followups.closure import OPEN_STATUSES
from crm.followups.models import FollowUp
from crm.main import bp
from crm.plan import services as plan
from crm.timeutil import stockholm_today, utcnow
from crm.visits.models import Visit, VisitStatus, visit_participants

UPCOMING_DAYS = 14


def _my_follow_up_figures(user_id: int) -> dict[str, int]:
    today = stockholm_today()
    row = db.session.execute(
        select(
            func.count(),
            func.count().filter(FollowUp.due_date < today),
            func.count().filter(FollowUp.due_date == today),
        ).where(FollowUp.assignee_id == user_id, FollowUp.status.in_(OPEN_STATUSES))
    ).one()
    return {"open": row[0], "overdue": row[1], "today": row[2]}


def _my_upcoming_visits(user_id: int) -> list[Visit]:
    now = utcnow()
    return list(
        db.session.execute(
            select(Visit)
            .join(visit_participants, visit_participants.c.visit_id == Visit.id)
            .where(
                visit_participants.c.user_id == user_id,
                Visit.status == VisitStatus.BOOKED,
                Visit.starts_at >= now,
                Visit.starts_at < now + timedelta(days=UPCOMING_DAYS),
            )
            .options(selectinload(Visit.company))
            .order_by(Visit.starts_at)
        ).scalars()
    )


@dataclass(frozen=True)
class PlanCard:
    year: int
    figure: str  # "13 av 50", or "13" while the year has no target
    has_target: bool


def _plan_card() -> PlanCard:
    """This year's done visits that count towards its target, against the target, as the visit plan counts them."""
    year = stockholm_today().year
    this_year = plan.plan_for(year)
    done = format_number(plan.visit_counts(year).done)
    if this_year is None:
        return PlanCard(year, done, has_target=False)
    return PlanCard(year, _("%(done)s av %(target)s", done=done, target=format_number(this_year.target)), True)


@bp.route("/")
@any_user
def index():
    figures = {}
    if current_user.has_role(Role.STAFF, Role.ORGANIZER, Role.POLITICIAN):
        figures["companies"] = db.session.execute(
            select(func.count()).select_from(Company).where(Company.status == CompanyStatus.ACTIVE)
        ).scalar_one()
        figures["plan"] = _plan_card()
    follow_ups = _my_follow_up_figures(current_user.id) if current_user.has_role(Role.STAFF) else None
    return render_template(
        "main/index.html",
        figures=figures,
        follow_ups=follow_ups,
        upcoming=_my_upcoming_visits(current_user.id),
        upcoming_days=UPCOMING_DAYS,
    )
