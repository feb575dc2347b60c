"""The plan page and the suggestion list send as many SQL statements for 10,000 companies and 100 visits
as for a handful: everything is counted in SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from crm.companies.models import Company, CompanySni
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.plan import services as plan
from crm.plan.models import RegisterCount
from crm.plan.tasks import refresh_plan_figures
from crm.visits.models import Visit, VisitStatus
from tests.plan.plan_helpers import company, follow_up, visit
from tests.support.queries import page_statements

YEAR = 2026
COMPANIES, VISITS = 10_000, 100
SNI_CODES = ["62010", "10710", "47111", "01110", "41200", "56100", "86210", None]
SIZES = ["0", "1", "2", "3", "4", "5", "7", "12", None]
DISTRICTS = ["Hamnen", "Centrum", "Norra", "Södra Porten", None]
STATUSES = [VisitStatus.DONE, VisitStatus.DONE, VisitStatus.BOOKED, VisitStatus.PROPOSED, VisitStatus.CANCELLED]


def small_register(factories) -> None:
    visited = company(factories, sni="62010", size_class="5", district="Hamnen", women_led=True)
    follow_up(visited, FollowUpStatus.OPEN, on_visit=visit(visited, YEAR))
    visit(company(factories, sni="10710", size_class="1", district="Centrum"), YEAR, VisitStatus.BOOKED)
    company(factories)
    plan.set_target(YEAR, 50)
    db.session.commit()


def bulk_register(companies: int, visits: int) -> None:
    """Companies, their SNI codes, visits and follow-ups by Core executemany: fast, and no audit rows."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.execute(
        insert(Company.__table__),
        [
            {
                "name": f"Massföretag {n:05d} AB",
                "name_key": f"massforetag {n:05d}",
                "size_class": SIZES[n % len(SIZES)],
                "district": DISTRICTS[n % len(DISTRICTS)],
                "women_led": (None, True, False)[n % 3],
                "status": "aktiv" if n % 10 else "vilande",
                "created_at": start + timedelta(hours=n),
                "updated_at": start,
            }
            for n in range(companies)
        ],
    )
    ids = (
        db.session.execute(select(Company.id).where(Company.name.like("Massföretag %")).order_by(Company.id))
        .scalars()
        .all()
    )
    db.session.execute(
        insert(CompanySni.__table__),
        [
            {"company_id": company_id, "code": SNI_CODES[n % len(SNI_CODES)], "version": "SNI 2007", "position": 0}
            for n, company_id in enumerate(ids)
            if SNI_CODES[n % len(SNI_CODES)]
        ],
    )
    db.session.execute(
        insert(Visit.__table__),
        [
            {
                "company_id": ids[(n * 97) % len(ids)],
                "kind": "politikerbesok",
                "status": STATUSES[n % len(STATUSES)].value,
                "year": YEAR if n % 4 else YEAR - 4,
                "counts_towards_target": bool(n % 7),
                "starts_at": datetime(YEAR, 1, 5, 9, tzinfo=UTC) + timedelta(days=3 * n),
                "purpose": "",
                "satisfied_with": "",
                "less_satisfied_with": "",
                "feedback_preference": "",
                "summary": "",
                "uid": f"bulk-{n}@naringsliv-crm",
                "sequence": 0,
                "created_at": start,
                "updated_at": start,
            }
            for n in range(visits)
        ],
    )
    db.session.execute(
        insert(FollowUp.__table__),
        [
            {
                "company_id": ids[n * 13],
                "description": "Återkoppla",
                "status": "oppen",
                "visible_to_politicians": False,
                "created_at": start,
                "updated_at": start,
            }
            for n in range(50)
        ],
    )
    db.session.commit()


@pytest.mark.parametrize("role", ["politician", "staff"])
def test_the_plan_pages_send_a_constant_number_of_statements(client, login_as, factories, count_queries, role):
    login_as(role)
    small_register(factories)
    # As the scheduler's job has: the register counted and the suggestions ranked for the year and the next.
    refresh_plan_figures(datetime.now(UTC), date(YEAR, 11, 22))
    db.session.commit()
    urls = [f"/besoksplan/{YEAR}", f"/besoksplan/{YEAR}/forslag"]
    few = {url: page_statements(client, url) for url in urls}

    bulk_register(COMPANIES, VISITS)
    assert db.session.execute(select(db.func.count()).select_from(Company)).scalar_one() == COMPANIES + 3
    many = {url: page_statements(client, url) for url in urls}
    assert many == few
    assert few[f"/besoksplan/{YEAR}"] <= 8, few


def test_a_fresh_install_counts_the_register_on_the_page_until_the_job_has_stored_it(
        client, login_as, factories, count_queries):
    login_as("staff")
    small_register(factories)
    first = page_statements(client, f"/besoksplan/{YEAR}")  # counted for the page, not stored (a GET only reads)
    refresh_plan_figures(datetime.now(UTC), date(YEAR, 11, 22))  # the scheduled job
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(RegisterCount))
    assert page_statements(client, f"/besoksplan/{YEAR}") < first
