"""Whom to visit next: active companies ranked by a score computed in SQL, each with its reasons.

Under-represented sectors and districts come from the year's spread figures (crm.plan.spread);
they raise the score in SQL and their reasons are attached in Python.
"""

from __future__ import annotations

import enum
import functools
import operator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, case, delete, desc, exists, false, func, insert, select, union

from crm.companies.models import SIZE_CLASSES, Company, CompanySni, CompanyStatus, Tag, company_tags
from crm.companies.sni import divisions_in
from crm.dbtypes import swedish
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.plan.models import StoredSuggestion
from crm.plan.spread import Spread, group_label, primary_sni, section_of_division, spread
from crm.visits.models import Visit, VisitStatus

YEARS_WITHOUT_VISIT = 3  # "not visited in N years"
LARGE_EMPLOYER_FROM = 5  # SCB size class 5: 50–99 employees
NEW_COMPANY_TAG = "nyetablerad"  # compared case-insensitively
PLAN_PAGE_COUNT = 5
FULL_LIST_COUNT = 50
# Ranked and stored by the scheduled job for the current and the next year, with room for those that get a
# visit before the next ranking.
STORED_COUNT = 2 * FULL_LIST_COUNT
REASON_MAX_LENGTH = 300  # Visit.suggestion_reason

PLANNED_STATUSES = (VisitStatus.PROPOSED, VisitStatus.BOOKED)
TAKEN_STATUSES = (*PLANNED_STATUSES, VisitStatus.DONE)  # a company with such a visit in the year is no suggestion
OPEN_FOLLOW_UP = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)


class Reason(enum.StrEnum):
    NEVER_VISITED = "aldrig_besokt"
    NOT_RECENTLY = "inte_nyligen"
    LARGE_EMPLOYER = "stor_arbetsgivare"
    NEW_COMPANY = "nyetablerat"
    OPEN_FOLLOW_UP = "oppen_uppfoljning"
    SECTOR_GAP = "fa_besok_bransch"
    DISTRICT_GAP = "fa_besok_kommundel"


WEIGHTS = {
    Reason.NEVER_VISITED: 3,
    Reason.NOT_RECENTLY: 2,
    Reason.LARGE_EMPLOYER: 2,
    Reason.NEW_COMPANY: 2,
    Reason.OPEN_FOLLOW_UP: 2,
    Reason.SECTOR_GAP: 1,
    Reason.DISTRICT_GAP: 1,
}
SQL_REASONS = (Reason.NEVER_VISITED, Reason.NOT_RECENTLY, Reason.LARGE_EMPLOYER, Reason.NEW_COMPANY,
               Reason.OPEN_FOLLOW_UP)


@dataclass(frozen=True)
class Gaps:
    """Groups clearly under-represented among the year's visited companies."""

    sections: frozenset[str] = frozenset()
    districts: frozenset[str] = frozenset()

    @property
    def divisions(self) -> list[str]:
        """The SNI divisions (a code's first two digits) of the under-represented sections."""
        return sorted(division for letter in self.sections for division in divisions_in(letter))

    @classmethod
    def from_spreads(cls, spreads: dict[str, Spread]) -> Gaps:
        return cls(
            sections=frozenset(row.key for row in spreads["sni"].gaps if row.key),
            districts=frozenset(row.key for row in spreads["district"].gaps if row.key),
        )


@dataclass(frozen=True)
class Suggestion:
    company_id: int
    name: str
    district: str | None
    size_class: str | None
    section: str | None
    last_visit_year: int | None
    score: int
    reasons: tuple[Reason, ...]
    division: str | None = None  # the primary SNI code's first two digits

    def describe(self, reason: Reason) -> str:
        if reason is Reason.NEVER_VISITED:
            return _("Aldrig besökt")
        if reason is Reason.NOT_RECENTLY:
            return _("Inte besökt på %(years)d år (senast %(year)d)", years=YEARS_WITHOUT_VISIT,
                     year=self.last_visit_year or 0)
        if reason is Reason.LARGE_EMPLOYER:
            return _("Stor arbetsgivare (%(size)s)", size=SIZE_CLASSES.get(self.size_class or "", self.size_class))
        if reason is Reason.NEW_COMPANY:
            return _("Nyetablerat")
        if reason is Reason.OPEN_FOLLOW_UP:
            return _("Öppen uppföljning")
        if reason is Reason.SECTOR_GAP:
            return _("Bransch med få besök i år (%(section)s)", section=group_label("sni", self.section))
        return _("Kommundel med få besök i år (%(district)s)", district=self.district)

    @property
    def reason_texts(self) -> list[str]:
        return [self.describe(reason) for reason in self.reasons]

    @property
    def reason_line(self) -> str:
        """The reasons joined, as stored on a proposed visit."""
        return "; ".join(self.reason_texts)[:REASON_MAX_LENGTH]


def large_size_classes() -> list[str]:
    """SCB size classes of 50 or more employees, compared as numbers (the classes are strings)."""
    return [code for code in SIZE_CLASSES if int(code) >= LARGE_EMPLOYER_FROM]


def a_year_before(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)


def _companies(column, *conditions, name: str):
    """A subquery of the distinct company ids whose rows meet the conditions, for an outer join."""
    return select(column.label("company_id")).where(*conditions).group_by(column).subquery(name)


def _flag(condition: ColumnElement[bool], value: int = 1) -> ColumnElement[int]:
    return case((condition, value), else_=0)


def _follow_up_conditions(visible_follow_ups_only: bool) -> list[ColumnElement[bool]]:
    conditions = [FollowUp.status.in_(OPEN_FOLLOW_UP)]
    if visible_follow_ups_only:  # politicians (and organizers) see only those marked visible to politicians
        conditions.append(FollowUp.visible_to_politicians.is_(True))
    return conditions


def _new_company_tag_ids():
    return select(Tag.id).where(func.lower(Tag.name) == NEW_COMPANY_TAG)


def candidate_parts(now: datetime, gaps: Gaps, *, visible_follow_ups_only: bool = False) -> list:
    """SQL, to be united: the companies that may score above the base score, each part found through an index.

    Large, new and tagged-new companies and those with an open follow-up, and those in an under-represented
    section or district. Any other company scores at most 3 (never visited) and ranks by name among its equals.
    """
    active = Company.status == CompanyStatus.ACTIVE
    parts = [
        select(Company.id).where(active, Company.size_class.in_(large_size_classes())),
        select(Company.id).where(Company.created_at >= a_year_before(now)),
        select(company_tags.c.company_id).where(company_tags.c.tag_id.in_(_new_company_tag_ids())),
        select(FollowUp.company_id).where(*_follow_up_conditions(visible_follow_ups_only)),
    ]
    gap_divisions = gaps.divisions
    if gap_divisions:
        parts.append(select(CompanySni.company_id).where(CompanySni.division.in_(gap_divisions),
                                                         CompanySni.position == 0))
    if gaps.districts:
        parts.append(select(Company.id).where(active, Company.district.in_(sorted(gaps.districts))))
    return parts


def suggestion_query(year: int, now: datetime, gaps: Gaps, *, visible_follow_ups_only: bool = False):
    """SQL: active companies with no proposed, booked or done visit in the year, a flag per reason and a score.

    Each per-company fact is an aggregated subquery joined once, so 10,000 companies cost one pass.
    """
    last_done = (
        select(Visit.company_id, func.max(Visit.year).label("last_year"))
        .where(Visit.status == VisitStatus.DONE)
        .group_by(Visit.company_id)
        .subquery("last_done")
    )
    this_year = _companies(
        Visit.company_id, Visit.year == year, Visit.status.in_(TAKEN_STATUSES), name="this_year"
    )
    open_follow_ups = _companies(
        FollowUp.company_id, *_follow_up_conditions(visible_follow_ups_only), name="open_follow_ups"
    )
    tagged_new = _companies(company_tags.c.company_id, company_tags.c.tag_id.in_(_new_company_tag_ids()),
                            name="tagged_new")
    primary, on_primary = primary_sni()
    gap_divisions = gaps.divisions
    conditions = {
        Reason.NEVER_VISITED: last_done.c.last_year.is_(None),
        Reason.NOT_RECENTLY: last_done.c.last_year <= year - YEARS_WITHOUT_VISIT,
        Reason.LARGE_EMPLOYER: Company.size_class.in_(large_size_classes()),
        Reason.NEW_COMPANY: (Company.created_at >= a_year_before(now)) | tagged_new.c.company_id.is_not(None),
        Reason.OPEN_FOLLOW_UP: open_follow_ups.c.company_id.is_not(None),
        Reason.SECTOR_GAP: func.substr(primary.code, 1, 2).in_(gap_divisions) if gap_divisions else false(),
        Reason.DISTRICT_GAP: Company.district.in_(sorted(gaps.districts)) if gaps.districts else false(),
    }
    weighted = (_flag(condition, WEIGHTS[reason]) for reason, condition in conditions.items())
    score = functools.reduce(operator.add, weighted)
    return (
        select(
            Company.id,
            Company.name,
            Company.district,
            Company.size_class,
            Company.name_key,
            func.substr(primary.code, 1, 2).label("division"),  # its section is looked up in Python, not per row
            last_done.c.last_year,
            score.label("score"),
            *(_flag(conditions[reason]).label(reason.value) for reason in SQL_REASONS),
        )
        .select_from(Company)
        .outerjoin(primary, on_primary)
        .outerjoin(last_done, last_done.c.company_id == Company.id)
        .outerjoin(this_year, this_year.c.company_id == Company.id)
        .outerjoin(open_follow_ups, open_follow_ups.c.company_id == Company.id)
        .outerjoin(tagged_new, tagged_new.c.company_id == Company.id)
        .where(Company.status == CompanyStatus.ACTIVE, this_year.c.company_id.is_(None), score > 0)
        .order_by(desc("score"), swedish(Company.name), Company.id)
    )


def _suggestion(row, gaps: Gaps) -> Suggestion:
    reasons = [reason for reason in SQL_REASONS if row._mapping[reason.value]]
    section = section_of_division(row.division)
    if section in gaps.sections:
        reasons.append(Reason.SECTOR_GAP)
    if row.district in gaps.districts:
        reasons.append(Reason.DISTRICT_GAP)
    return Suggestion(
        company_id=row.id,
        name=row.name,
        district=row.district,
        size_class=row.size_class,
        section=section,
        last_visit_year=row.last_year,
        score=int(row.score),
        reasons=tuple(reasons),
        division=row.division,
    )


def _visit_taken(company_id, year: int) -> ColumnElement[bool]:
    """SQL: the company has a proposed, booked or done visit in the year."""
    return exists().where(Visit.company_id == company_id, Visit.year == year, Visit.status.in_(TAKEN_STATUSES))


def _rest_by_name(year: int, candidates, *visit_conditions: ColumnElement[bool], limit: int):
    """SQL: the first `limit` ids by name of the active non-candidates with no planned or done visit in the year."""
    # Status wrapped so no planner reads the status index (86 % are active) and sorts them all; the name index
    # is read in order until `limit` rows qualify.
    return (
        select(Company.id)
        .where(func.coalesce(Company.status, "") == CompanyStatus.ACTIVE.value, Company.id.not_in(candidates),
               ~_visit_taken(Company.id, year),
               *visit_conditions)
        .order_by(swedish(Company.name), Company.id)
        .limit(limit)
    )


def bounded_suggestion_query(year: int, now: datetime, gaps: Gaps, limit: int, *,
                             visible_follow_ups_only: bool = False):
    """SQL: the same ranking as suggestion_query(...).limit(limit), without scoring every active company.

    Only the candidates (candidate_parts) and 2 × `limit` others are scored. Every other company scores 3 if never
    visited, 2 if not visited in YEARS_WITHOUT_VISIT years, else nothing, and ranks by name among its equals, so
    the first `limit` of each of those two by name (an index scan stopped by LIMIT) are all that can win.
    """
    parts = candidate_parts(now, gaps, visible_follow_ups_only=visible_follow_ups_only)
    candidates = union(*parts)

    def done_visit(*conditions):
        return exists().where(Visit.company_id == Company.id, Visit.status == VisitStatus.DONE, *conditions)

    recent = year - YEARS_WITHOUT_VISIT
    never = _rest_by_name(year, candidates, ~done_visit(), limit=limit)
    long_ago = _rest_by_name(year, candidates, done_visit(Visit.year <= recent), ~done_visit(Visit.year > recent),
                             limit=limit)
    scored = union(*parts, select(never.subquery().c.id), select(long_ago.subquery().c.id))
    query = suggestion_query(year, now, gaps, visible_follow_ups_only=visible_follow_ups_only)
    return query.where(Company.id.in_(scored)).limit(limit)


def ranked(
    year: int, now: datetime, spreads: dict[str, Spread], limit: int, *, visible_follow_ups_only: bool = False
) -> list[Suggestion]:
    """The `limit` best companies to visit next, best first, ranked now."""
    gaps = Gaps.from_spreads(spreads)
    query = bounded_suggestion_query(year, now, gaps, limit, visible_follow_ups_only=visible_follow_ups_only)
    return [_suggestion(row, gaps) for row in db.session.execute(query)]


def stored_years(today: date) -> tuple[int, ...]:
    """The plan years whose suggestions the scheduled job ranks and stores: this year and the next."""
    return (today.year, today.year + 1)


def refresh_stored(now: datetime, today: date) -> int:
    """Rank the stored years' suggestions again, for both audiences, and replace the stored rows (the caller
    commits). Returns how many rows were stored."""
    years = stored_years(today)
    rows = []
    for year in years:
        spreads = spread(year)
        for politician_view in (False, True):
            found = ranked(year, now, spreads, STORED_COUNT, visible_follow_ups_only=politician_view)
            rows.extend(_stored_row(year, politician_view, rank, suggestion, now)
                        for rank, suggestion in enumerate(found, start=1))
    db.session.execute(delete(StoredSuggestion))  # a year no longer ranked (last year's) is not left behind
    if rows:
        db.session.execute(insert(StoredSuggestion), rows)
    return len(rows)


def _stored_row(year: int, politician_view: bool, rank: int, suggestion: Suggestion, now: datetime) -> dict:
    return {
        "year": year, "politician_view": politician_view, "rank": rank, "company_id": suggestion.company_id,
        "score": suggestion.score, "reasons": ",".join(reason.value for reason in suggestion.reasons),
        "last_visit_year": suggestion.last_visit_year, "division": suggestion.division, "computed_at": now,
    }


def _stored(year: int, limit: int, politician_view: bool) -> list[Suggestion]:
    """The stored ranking in one statement, without the companies that got a visit this year or stopped being
    active since it was made; their names, districts and sizes as they are now."""
    query = (
        select(StoredSuggestion, Company.name, Company.district, Company.size_class)
        .join(Company, Company.id == StoredSuggestion.company_id)
        .where(StoredSuggestion.year == year, StoredSuggestion.politician_view.is_(politician_view),
               Company.status == CompanyStatus.ACTIVE, ~_visit_taken(StoredSuggestion.company_id, year))
        .order_by(StoredSuggestion.rank)
        .limit(limit)
    )
    return [
        Suggestion(
            company_id=stored.company_id, name=name, district=district, size_class=size_class,
            section=section_of_division(stored.division), division=stored.division,
            last_visit_year=stored.last_visit_year, score=stored.score,
            reasons=tuple(Reason(value) for value in stored.reasons.split(",") if value),
        )
        for stored, name, district, size_class in db.session.execute(query)
    ]


def suggestions(
    year: int, now: datetime, spreads: dict[str, Spread], limit: int, *, visible_follow_ups_only: bool = False,
) -> list[Suggestion]:
    """The `limit` best companies to visit next, best first.

    As the scheduled job last ranked them for this year and the next; ranked here for other years, and when
    nothing is stored (a fresh install before the job's first run).
    """
    found = _stored(year, limit, visible_follow_ups_only)
    if found:
        return found
    return ranked(year, now, spreads, limit, visible_follow_ups_only=visible_follow_ups_only)


def suggestion_for(company_id: int, year: int, now: datetime) -> Suggestion | None:
    """The company's suggestion with its reasons, or None if it is not one."""
    gaps = Gaps.from_spreads(spread(year))
    query = suggestion_query(year, now, gaps).where(Company.id == company_id)
    row = db.session.execute(query).first()
    return _suggestion(row, gaps) if row else None
