"""The spread, computed as register GROUP BYs plus the year's visited companies, equals the old single-pass
computation (one CTE over every company, visited or not) on a varied register."""

from __future__ import annotations

import pytest
from sqlalchemy import case, func, literal_column, or_, select, union_all

from crm.companies.models import Company, CompanyStatus
from crm.companies.sni import divisions_in, sections
from crm.extensions import db
from crm.plan import spread as plan
from crm.plan import suggestions
from crm.visits.models import VisitStatus
from tests.plan.plan_helpers import NOW, company, visit
from tests.plan.test_plan_query_counts import YEAR, bulk_register


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def reference_rows(year: int) -> list[tuple[str, str | None, int, int]]:
    """The computation the spread replaced: every active or visited company's groups in a CTE, grouped 4 times."""
    section = case({d: letter for letter, _ in sections() for d in divisions_in(letter)}, else_=None,
                   value=func.substr(literal_column("primary_sni.code"), 1, 2))
    visited = plan.visited_companies(year)
    primary, on_primary = plan.primary_sni()
    is_active = Company.status == CompanyStatus.ACTIVE
    was_visited = visited.c.company_id.is_not(None)
    women_led = case((Company.women_led.is_(True), "ja"), (Company.women_led.is_(False), "nej"), else_=None)
    facts = (
        select(
            section.label("sni"),
            Company.size_class.label("size"),
            Company.district.label("district"),
            women_led.label("women_led"),
            case((is_active, 1), else_=0).label("in_register"),
            case((was_visited, 1), else_=0).label("visited"),
        )
        .select_from(Company)
        .outerjoin(primary, on_primary)
        .outerjoin(visited, visited.c.company_id == Company.id)
        .where(or_(is_active, was_visited))
        .cte("company_facts")
    )
    parts = [
        select(literal_column(f"'{dimension}'"), facts.c[dimension], func.sum(facts.c.in_register),
               func.sum(facts.c.visited)).group_by(facts.c[dimension])
        for dimension in plan.DIMENSIONS
    ]
    return [(dimension, key, int(register or 0), int(visited or 0))
            for dimension, key, register, visited in db.session.execute(union_all(*parts))]


def without_empty(rows) -> list[tuple]:
    """Groups with neither register nor visited companies (only inactive, unvisited ones) are no row now."""
    return sorted((row for row in rows if row[2] or row[3]), key=lambda row: (row[0], row[1] or ""))


def test_the_spread_equals_the_single_pass_computation(ctx, factories):
    bulk_register(700, 400)  # at least 650: it gives every 13th company a follow-up
    # Groups the bulk data lacks: a division in no section, a visited inactive company alone in its group.
    visit(company(factories, sni="99000", size_class="3", district="Ensam", status=CompanyStatus.BANKRUPT), YEAR)
    visit(company(factories, sni="00000", size_class="9"), YEAR, VisitStatus.BOOKED)
    db.session.commit()
    for year in (YEAR, YEAR - 4, YEAR + 1):
        assert without_empty(plan._spread_rows(year)) == without_empty(reference_rows(year)), year


def test_gaps_still_steer_the_suggestions(ctx, factories):
    """With many IT companies visited, manufacturing (C) and Centrum are gaps; a company in both ranks first."""
    for n in range(6):
        visit(company(factories, name=f"Besökt IT {n} AB", sni="62010", district="Hamnen"), YEAR)
    for n in range(3):
        company(factories, name=f"IT {n} AB", sni="62020", district="Hamnen", size_class="1")
    company(factories, name="Verkstaden i Centrum AB", sni="25110", district="Centrum", size_class="1")
    company(factories, name="Verkstaden i Hamnen AB", sni="25110", district="Hamnen", size_class="1")
    company(factories, name="IT i Centrum AB", sni="62020", district="Centrum", size_class="1")
    db.session.commit()
    spreads = plan.spread(YEAR)
    assert [row.key for row in spreads["sni"].gaps] == ["C"]
    assert [row.key for row in spreads["district"].gaps] == ["Centrum"]
    ranked = suggestions.suggestions(YEAR, NOW, spreads, 3)
    assert [(s.name, s.score, s.section) for s in ranked] == [
        ("Verkstaden i Centrum AB", 5, "C"),
        ("IT i Centrum AB", 4, "J"),
        ("Verkstaden i Hamnen AB", 4, "C"),
    ]
    assert ranked[0].reasons == (suggestions.Reason.NEVER_VISITED, suggestions.Reason.SECTOR_GAP,
                                 suggestions.Reason.DISTRICT_GAP)
