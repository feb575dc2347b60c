"""The visit plan's figures: the year's target, its standing and months, and the spread of visited companies.

Everything is counted in SQL (GROUP BY), so the dashboard costs the same few statements however
many visits and companies there are.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, delete, func, insert, literal_column, select, union_all
from sqlalchemy.orm import aliased

from crm.companies.models import SIZE_CLASSES, Company, CompanySni, CompanyStatus
from crm.companies.sni import divisions_in, section_name, sections
from crm.extensions import db
from crm.followups.closure import done_but_not_closed
from crm.plan.models import RegisterCount, VisitPlan
from crm.plan.pace import Pace, expected_by, pace
from crm.timeutil import STOCKHOLM, stockholm_to_utc, utcnow
from crm.visits.models import Visit, VisitStatus

FIRST_YEAR, LAST_YEAR = 2000, 2100
TARGET_MAX = 1000
# A group is under-represented among the visited companies when its share there is below half its
# share of the register, and the register share is at least this many percent (tiny groups never are).
UNDER_REPRESENTED_MIN_SHARE = 5
DIMENSIONS = ("sni", "size", "district", "women_led")




def is_plan_year(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def percent(part: int, whole: int) -> int:
    """A whole percentage, rounded half up (0 when there is no whole)."""
    if whole <= 0:
        return 0
    return (200 * part + whole) // (2 * whole)


def bar_step(value: int) -> int:
    """The 5 % step of a bar's width class (.bar-w-0 … .bar-w-100); anything above zero shows."""
    value = max(0, min(100, value))
    step = 5 * ((value + 2) // 5)
    return 5 if value > 0 and step == 0 else step


# --- SNI sections in SQL ---------------------------------------------------------------------


@functools.cache
def _section_by_division() -> dict[str, str]:
    return {division: letter for letter, _name in sections() for division in divisions_in(letter)}


def section_of_division(division: str | None) -> str | None:
    """The SNI section letter of a division (a code's first two digits), None if unknown."""
    return _section_by_division().get(division) if division else None


def primary_sni():
    """An alias of CompanySni for the company's primary code, and the join condition for it."""
    primary = aliased(CompanySni, name="primary_sni")
    return primary, and_(primary.company_id == Company.id, primary.position == 0)


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


# --- The spread of visited companies against the register ----------------------------------------


@dataclass(frozen=True)
class SpreadRow:
    key: str | None  # None: not known (no SNI code, no size class, no district, not reported)
    label: str
    visited: int
    register: int
    visited_percent: int
    register_percent: int
    under_represented: bool


@dataclass(frozen=True)
class Spread:
    dimension: str
    rows: list[SpreadRow]
    visited_total: int
    register_total: int

    @property
    def gaps(self) -> list[SpreadRow]:
        return [row for row in self.rows if row.under_represented]


def is_under_represented(visited: int, visited_total: int, register: int, register_total: int) -> bool:
    """Clearly fewer visits than the register suggests: below half the register share (exact integers)."""
    if visited_total <= 0 or register_total <= 0:
        return False
    if 100 * register < UNDER_REPRESENTED_MIN_SHARE * register_total:
        return False
    return 2 * visited * register_total < register * visited_total


def visited_companies(year: int):
    """SQL: the distinct companies with a done visit in the year."""
    return (
        select(Visit.company_id)
        .where(Visit.year == year, Visit.status == VisitStatus.DONE)
        .distinct()
        .subquery("visited")
    )


def _women_led_key(column) -> ColumnElement:
    return case((column.is_(True), "ja"), (column.is_(False), "nej"), else_=None)


def _counts_by(dimension: str, column, source, *conditions):
    """SQL: (dimension, group, companies) of `source` grouped by `column`; SNI codes are grouped by division."""
    key = _women_led_key(column) if dimension == "women_led" else column
    return (
        select(literal_column(f"'{dimension}'").label("dimension"), key.label("grp"), func.count().label("companies"))
        .select_from(source)
        .where(*conditions)
        .group_by(column)
    )


def _register_rows() -> list[tuple[str, str | None, int]]:
    """The active register per group, in one statement: plain GROUP BYs on the company columns.

    No join to the year's visits and no CASE per row (divisions are summed into sections in Python), so each
    part is a grouped scan that an index on (status, column) can answer on its own.
    """
    primary, on_primary = primary_sni()
    active = Company.status == CompanyStatus.ACTIVE
    with_primary = Company.__table__.outerjoin(primary, on_primary)
    parts = [
        _counts_by("sni", func.substr(primary.code, 1, 2), with_primary, active),
        _counts_by("size", Company.size_class, Company.__table__, active),
        _counts_by("district", Company.district, Company.__table__, active),
        _counts_by("women_led", Company.women_led, Company.__table__, active),
    ]
    return [tuple(row) for row in db.session.execute(union_all(*parts)).all()]


def _visited_rows(year: int) -> list[tuple[str, str | None, int]]:
    """The year's visited companies per group, whatever their status now: a few thousand companies at most.

    Each visited company's facts are looked up by its id (scalar subqueries on the primary keys), so no
    planner reads all of `companies` to join a few thousand of them.
    """
    visited = visited_companies(year)
    primary, _joined_on = primary_sni()  # its own condition here: on the visited company, not a join

    def fact(column):
        return select(column).where(Company.id == visited.c.company_id).correlate(visited).scalar_subquery()

    division = (
        select(func.substr(primary.code, 1, 2))
        .where(primary.company_id == visited.c.company_id, primary.position == 0)
        .correlate(visited).limit(1).scalar_subquery()
    )
    facts = select(
        division.label("sni"),
        fact(Company.size_class).label("size"),
        fact(Company.district).label("district"),
        fact(Company.women_led).label("women_led"),
    ).select_from(visited).cte("visited_facts")
    parts = [_counts_by(dimension, facts.c[dimension], facts) for dimension in DIMENSIONS]
    return [tuple(row) for row in db.session.execute(union_all(*parts)).all()]


# --- The register's counts, kept in a table ------------------------------------------------------

TOTAL = "total"  # the row of all active companies; it also marks the register as counted when it is empty
UNKNOWN = ""  # the stored group of companies whose fact is not known (NULL in the company columns)


@dataclass(frozen=True)
class RegisterCounts:
    rows: list[tuple[str, str | None, int]]  # (dimension, group, active companies), as _register_rows() gives them
    counted_at: datetime


def refresh_register_counts(now: datetime) -> RegisterCounts:
    """Count the active register per group again and replace the stored counts (the caller commits)."""
    counts: dict[tuple[str, str], int] = {}
    for dimension, key, companies in _register_rows():
        counts[dimension, key or UNKNOWN] = counts.get((dimension, key or UNKNOWN), 0) + int(companies or 0)
    counts[TOTAL, UNKNOWN] = sum(n for (dimension, _key), n in counts.items() if dimension == "size")
    db.session.execute(delete(RegisterCount))
    db.session.execute(
        insert(RegisterCount),
        [{"dimension": dimension, "grp": key, "companies": n, "computed_at": now}
         for (dimension, key), n in counts.items()],
    )
    return RegisterCounts(
        rows=[(dimension, key or None, n) for (dimension, key), n in counts.items() if dimension != TOTAL],
        counted_at=now,
    )


def refresh_plan_figures(now: datetime, today: date | None = None) -> None:
    """What the scheduled job keeps (the caller commits): the register counts, then the suggestions ranked on them."""
    from crm.plan.suggestions import refresh_stored

    refresh_register_counts(now)
    refresh_stored(now, today or now.astimezone(STOCKHOLM).date())


def register_counts(now: datetime) -> RegisterCounts:
    """The stored register counts in one statement; on a fresh install, counted here (the caller commits)."""
    stored = db.session.execute(
        select(RegisterCount.dimension, RegisterCount.grp, RegisterCount.companies, RegisterCount.computed_at)
    ).all()
    if not stored:
        return refresh_register_counts(now)
    return RegisterCounts(
        rows=[(dimension, key or None, n) for dimension, key, n, _at in stored if dimension != TOTAL],
        counted_at=min(at for *_row, at in stored),
    )


def _spread_rows(year: int, register_rows: list[tuple[str, str | None, int]] | None = None,
                 ) -> list[tuple[str, str | None, int, int]]:
    """(dimension, group, in the register, visited) for every group of every dimension, SNI divisions as sections.

    The register's rows are those given (the stored counts), or counted now.
    """
    totals: dict[tuple[str, str | None], list[int]] = {}
    register_rows = _register_rows() if register_rows is None else register_rows
    for column, rows in ((0, register_rows), (1, _visited_rows(year))):
        for dimension, key, count in rows:
            if dimension == "sni":
                key = section_of_division(key)
            totals.setdefault((dimension, key), [0, 0])[column] += int(count or 0)
    return [(dimension, key, register, visited) for (dimension, key), (register, visited) in totals.items()]


def group_label(dimension: str, key: str | None) -> str:
    if key is None:
        return _("Uppgift saknas")
    if dimension == "sni":
        return f"{key} – {section_name(key) or ''}".rstrip(" –")
    if dimension == "size":
        return SIZE_CLASSES.get(key, key)
    if dimension == "women_led":
        return _("Ja") if key == "ja" else _("Nej")
    return key


def _order(dimension: str, rows: Iterable[tuple[str | None, int, int]]) -> list[tuple[str | None, int, int]]:
    """Sections in SCB order, size classes by size, districts by size in the register; unknown last."""
    section_order = {letter: n for n, (letter, _name) in enumerate(sections())}

    def rank(row: tuple[str | None, int, int]):
        key, register, _visited = row
        if dimension == "sni":
            return (key is None, section_order.get(key or "", 99), key or "")
        if dimension == "size":
            return (key is None, int(key) if key and key.isdigit() else 99, key or "")
        if dimension == "women_led":
            return (key is None, key != "ja")
        return (key is None, -register, key or "")

    return sorted(rows, key=rank)


def _build_spread(dimension: str, rows: list[tuple[str | None, int, int]]) -> Spread:
    visited_total = sum(visited for _key, _register, visited in rows)
    register_total = sum(register for _key, register, _visited in rows)
    return Spread(
        dimension=dimension,
        rows=[
            SpreadRow(
                key=key,
                label=group_label(dimension, key),
                visited=visited,
                register=register,
                visited_percent=percent(visited, visited_total),
                register_percent=percent(register, register_total),
                under_represented=key is not None
                and is_under_represented(visited, visited_total, register, register_total),
            )
            for key, register, visited in _order(dimension, rows)
        ],
        visited_total=visited_total,
        register_total=register_total,
    )


def spread(year: int, register: RegisterCounts | None = None) -> dict[str, Spread]:
    """The visited companies of the year and the active register (as last counted), side by side, per dimension."""
    register = register or register_counts(utcnow())
    grouped: dict[str, list[tuple[str | None, int, int]]] = {dimension: [] for dimension in DIMENSIONS}
    for dimension, key, register_n, visited in _spread_rows(year, register.rows):
        grouped[dimension].append((key, int(register_n or 0), int(visited or 0)))
    return {dimension: _build_spread(dimension, rows) for dimension, rows in grouped.items()}


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
