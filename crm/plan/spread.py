"""The spread of the year's visited companies against the active register, per SNI section, size class,
district and women-led, and the register's counts that the scheduled job keeps in a table.

Everything is counted in SQL (GROUP BY), so the figures cost the same few statements however many
visits and companies there are.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, delete, func, insert, literal_column, select, union_all
from sqlalchemy.orm import aliased

from crm.companies.models import SIZE_CLASSES, Company, CompanySni, CompanyStatus
from crm.companies.sni import divisions_in, section_name, sections
from crm.extensions import db
from crm.plan.models import RegisterCount
from crm.timeutil import utcnow
from crm.visits.models import Visit, VisitStatus

# A group is under-represented among the visited companies when its share there is below half its
# share of the register, and the register share is at least this many percent (tiny groups never are).
UNDER_REPRESENTED_MIN_SHARE = 5
DIMENSIONS = ("sni", "size", "district", "women_led")


def percent(part: int, whole: int) -> int:
    """A whole percentage, rounded half up (0 when there is no whole)."""
    if whole <= 0:
        return 0
    return (200 * part + whole) // (2 * whole)


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


def _counted() -> dict[tuple[str, str], int]:
    """The active register per (dimension, group) as stored, with the TOTAL row; counted now, not stored."""
    counts: dict[tuple[str, str], int] = {}
    for dimension, key, companies in _register_rows():
        counts[dimension, key or UNKNOWN] = counts.get((dimension, key or UNKNOWN), 0) + int(companies or 0)
    counts[TOTAL, UNKNOWN] = sum(n for (dimension, _key), n in counts.items() if dimension == "size")
    return counts


def _register_counts(counts: dict[tuple[str, str], int], counted_at: datetime) -> RegisterCounts:
    return RegisterCounts(
        rows=[(dimension, key or None, n) for (dimension, key), n in counts.items() if dimension != TOTAL],
        counted_at=counted_at,
    )


def refresh_register_counts(now: datetime) -> RegisterCounts:
    """Count the active register per group again and replace the stored counts (the caller commits)."""
    counts = _counted()
    db.session.execute(delete(RegisterCount))
    db.session.execute(
        insert(RegisterCount),
        [{"dimension": dimension, "grp": key, "companies": n, "computed_at": now}
         for (dimension, key), n in counts.items()],
    )
    return _register_counts(counts, now)


def register_counts(now: datetime) -> RegisterCounts:
    """The stored register counts in one statement; before the scheduled job has stored any (a fresh install),
    counted now and not stored: a page only reads."""
    stored = db.session.execute(
        select(RegisterCount.dimension, RegisterCount.grp, RegisterCount.companies, RegisterCount.computed_at)
    ).all()
    if not stored:
        return _register_counts(_counted(), now)
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
