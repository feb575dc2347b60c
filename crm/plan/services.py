"""The visit plan's figures: the year's target, its standing and months, and the whole dashboard.

Everything is counted in SQL (GROUP BY), so the dashboard costs the same few statements however
many visits and companies there are. The spread against the register is in crm.plan.spread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, case, func, select

from crm.extensions import db
from crm.followups.closure import done_but_not_closed
from crm.plan.models import VisitPlan
from crm.plan.pace import Pace, expected_by, pace
from crm.plan.spread import Spread, register_counts, spread
from crm.timeutil import stockholm_to_utc, utcnow
from crm.visits.models import Visit, VisitStatus

FIRST_YEAR, LAST_YEAR = 2000, 2100
TARGET_MAX = 1000


def is_plan_year(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def bar_step(value: int) -> int:
    """The 5 % step of a bar's width class (.bar-w-0 … .bar-w-100); anything above zero shows."""
    value = max(0, min(100, value))
    step = 5 * ((value + 2) // 5)
    return 5 if value > 0 and step == 0 else step


# --- The target --------------------------------------------------------------------------------


def plan_for(year: int) -> VisitPlan | None:
    return db.session.execute(select(VisitPlan).where(VisitPlan.year == year)).scalar_one_or_none()


def set_target(year: int, target: int) -> VisitPlan:
    """Set the year's visit target, creating the year's plan the first time."""
    plan = plan_for(year)
    if plan is None:
        plan = VisitPlan(year=year, target=target)
        db.session.add(plan)
    else:
        plan.target = target
    db.session.flush()
    return plan


# --- Standing against target and pace ------------------------------------------------------------


@dataclass(frozen=True)
class VisitCounts:
    done: int
    booked: int
    proposed: int
    not_closed: int


def visit_counts(year: int) -> VisitCounts:
    """Visits that count towards the year's target, by status, and the done ones not yet fully closed."""
    row = db.session.execute(
        select(
            func.count().filter(Visit.status == VisitStatus.DONE),
            func.count().filter(Visit.status == VisitStatus.BOOKED),
            func.count().filter(Visit.status == VisitStatus.PROPOSED),
            func.count().filter(done_but_not_closed()),
        ).where(Visit.year == year, Visit.counts_towards_target.is_(True))
    ).one()
    return VisitCounts(*row)


def pace_summary(standing: Pace, has_target: bool, year: int, today: date) -> str:
    """The headline in words, e.g. "23 av 50 genomförda, 4 efter takten"."""
    done = format_number(standing.done)
    if not has_target:
        return ngettext("%(count)s besök genomfört, inget mål är satt", "%(count)s besök genomförda, inget mål är satt",
                        standing.done, count=done)
    head = _("%(done)s av %(target)s genomförda", done=done, target=format_number(standing.target))
    if today.year > year:
        if standing.done >= standing.target:
            return _("%(head)s, målet är nått", head=head)
        return _("%(head)s, %(short)s under målet", head=head, short=format_number(standing.behind))
    if standing.behind:
        return _("%(head)s, %(behind)s efter takten", head=head, behind=format_number(standing.behind))
    if standing.ahead:
        return _("%(head)s, %(ahead)s före takten", head=head, ahead=format_number(standing.ahead))
    return _("%(head)s, i takt", head=head)


# --- Months --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    first_day: date
    done: int
    booked: int
    done_so_far: int | None  # done by the month's end; None for months still to come
    expected: int  # what the pace asks for by the month's end


def _month_starts_utc(year: int) -> list[datetime]:
    """The UTC instants at which each Stockholm month of the year begins, and the next year."""
    return [stockholm_to_utc(datetime(year, month, 1)) for month in range(1, 13)] + [
        stockholm_to_utc(datetime(year + 1, 1, 1))
    ]


def _month_case(when, year: int) -> ColumnElement:
    """SQL: the Stockholm month (1–12) of a UTC timestamp within the year, else NULL."""
    starts = _month_starts_utc(year)
    whens = [(when < starts[0], None)] + [(when < starts[month], month) for month in range(1, 13)]
    return case(*whens, else_=None)


def _last_day(year: int, month: int) -> date:
    return (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)


def months(year: int, target: int, today: date) -> tuple[list[MonthFigures], dict[str, int]]:
    """Done and booked target visits per month (by start, else completion), and those with no month."""
    when = func.coalesce(Visit.starts_at, Visit.completed_at)
    dated = (
        select(Visit.status.label("status"), _month_case(when, year).label("month"))
        .where(
            Visit.year == year,
            Visit.counts_towards_target.is_(True),
            Visit.status.in_((VisitStatus.DONE, VisitStatus.BOOKED)),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(dated.c.month, dated.c.status, func.count()).group_by(dated.c.month, dated.c.status)
    ).all()
    counts = {(month, VisitStatus(status)): n for month, status, n in rows}
    figures, running = [], 0
    for month in range(1, 13):
        done = counts.get((month, VisitStatus.DONE), 0)
        running += done
        last_day = _last_day(year, month)
        figures.append(
            MonthFigures(
                first_day=date(year, month, 1),
                done=done,
                booked=counts.get((month, VisitStatus.BOOKED), 0),
                done_so_far=running if date(year, month, 1) <= today else None,
                expected=expected_by(target, year, last_day),
            )
        )
    undated = {
        "done": counts.get((None, VisitStatus.DONE), 0),
        "booked": counts.get((None, VisitStatus.BOOKED), 0),
    }
    return figures, undated


# --- The whole dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanFigures:
    year: int
    target: int | None
    standing: Pace
    summary: str
    not_closed: int
    months: list[MonthFigures]
    undated: dict[str, int]
    spreads: dict[str, Spread]
    register_counted_at: datetime


def figures(year: int, today: date) -> PlanFigures:
    plan = plan_for(year)
    target = plan.target if plan else 0
    counts = visit_counts(year)
    standing = pace(target, year, today, counts.done, counts.booked, counts.proposed)
    month_figures, undated = months(year, target, today)
    register = register_counts(utcnow())
    return PlanFigures(
        year=year,
        target=plan.target if plan else None,
        standing=standing,
        summary=pace_summary(standing, plan is not None, year, today),
        not_closed=counts.not_closed,
        months=month_figures,
        undated=undated,
        spreads=spread(year, register),
        register_counted_at=register.counted_at,
    )
