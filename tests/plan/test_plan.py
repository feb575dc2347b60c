"""The visit plan's figures against a small, known register, and the dashboard that shows them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from crm.companies.models import CompanyStatus
from crm.extensions import db
from crm.followups.models import FollowUpStatus
from crm.plan import services as plan
from crm.plan import spread as plan_spread
from crm.plan import views as plan_views
from crm.visits.models import VisitKind, VisitStatus
from tests.plan.plan_helpers import company, follow_up, visit

TODAY = date(2026, 7, 2)  # day 183: the pace of 50 a year asks for 25


@pytest.fixture
def ctx(app):
    """A request context: labels and texts are translated for the request's language."""
    with app.test_request_context():
        yield


@pytest.fixture
def register(factories):
    """Seven active companies (A–F, H) and a bankrupt one (G); A, B and G were visited in 2026.

    Primary SNI sections: A J, B C, C J, D G, E none, F C, H A (G's is J; A's second code is G's 47).
    """
    companies = {
        "A": company(factories, name="Alfa AB", sni="62010", secondary="47111", size_class="5",
                     district="Hamnen", women_led=True),
        "B": company(factories, name="Bageriet AB", sni="10710", size_class="1", district="Centrum",
                     women_led=False),
        "C": company(factories, name="Cirkel IT AB", sni="62020", size_class="1", district="Hamnen"),
        "D": company(factories, name="Dagligvaror AB", sni="47111", size_class="2", district="Centrum",
                     women_led=True),
        "E": company(factories, name="Eget AB"),
        "F": company(factories, name="Fabriken AB", sni="10120", size_class="5", district="Hamnen",
                     women_led=False),
        "G": company(factories, name="Gammal IT AB", sni="62010", size_class="3", district="Hamnen",
                     status=CompanyStatus.BANKRUPT),
        "H": company(factories, name="Hagens gård", sni="01110", size_class="1", district="Centrum",
                     women_led=False),
    }
    visits = {
        "A": visit(companies["A"], 2026, starts_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
        "B": visit(companies["B"], 2026, starts_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC)),
        # B again, as an officials' visit outside the target: B is still one visited company.
        "B2": visit(companies["B"], 2026, starts_at=datetime(2026, 5, 2, 9, 0, tzinfo=UTC), counts=False,
                    kind=VisitKind.OFFICIAL),
        # 23:30 UTC on 31 January is 00:30 on 1 February in Stockholm.
        "G": visit(companies["G"], 2026, starts_at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC)),
        "F": visit(companies["F"], 2026, VisitStatus.BOOKED, starts_at=datetime(2026, 6, 15, 9, 0, tzinfo=UTC)),
        "C": visit(companies["C"], 2026, VisitStatus.PROPOSED),
        "D": visit(companies["D"], 2026, VisitStatus.CANCELLED, starts_at=datetime(2026, 2, 3, 9, 0, tzinfo=UTC)),
        "H": visit(companies["H"], 2025),
    }
    follow_up(companies["A"], FollowUpStatus.OPEN, on_visit=visits["A"])
    follow_up(companies["B"], FollowUpStatus.DONE, on_visit=visits["B"], feedback_on=date(2026, 4, 1))
    plan.set_target(2026, 50)
    db.session.commit()
    return SimpleNamespace(companies=companies, visits=visits)


def rows(spread: plan.Spread) -> list[tuple]:
    return [(r.key, r.visited, r.visited_percent, r.register, r.register_percent, r.under_represented)
            for r in spread.rows]


def test_spread_by_sni_section_uses_the_primary_code(ctx, register):
    sni = plan.spread(2026)["sni"]
    assert (sni.visited_total, sni.register_total) == (3, 7)
    assert rows(sni) == [
        ("A", 0, 0, 1, 14, True),
        ("C", 1, 33, 2, 29, False),
        ("G", 0, 0, 1, 14, True),
        ("J", 2, 67, 2, 29, False),
        (None, 0, 0, 1, 14, False),
    ]
    assert [r.label for r in sni.rows][:2] == ["A – Jordbruk, skogsbruk och fiske", "C – Tillverkning"]
    assert sni.rows[-1].label == "Uppgift saknas"


def test_spread_by_size_class_is_in_numeric_order(ctx, register):
    size = plan.spread(2026)["size"]
    assert rows(size) == [
        ("1", 1, 33, 3, 43, False),
        ("2", 0, 0, 1, 14, True),
        ("3", 1, 33, 0, 0, False),  # only the bankrupt G: visited, not in the register
        ("5", 1, 33, 2, 29, False),
        (None, 0, 0, 1, 14, False),
    ]
    assert size.rows[0].label == "1–4 anställda"


def test_spread_by_district_and_women_led(ctx, register):
    spreads = plan.spread(2026)
    assert rows(spreads["district"]) == [
        ("Centrum", 1, 33, 3, 43, False),
        ("Hamnen", 2, 67, 3, 43, False),
        (None, 0, 0, 1, 14, False),
    ]
    assert rows(spreads["women_led"]) == [
        ("ja", 1, 33, 2, 29, False),
        ("nej", 1, 33, 3, 43, False),
        (None, 1, 33, 2, 29, False),
    ]
    assert [r.label for r in spreads["women_led"].rows] == ["Ja", "Nej", "Uppgift saknas"]


def test_a_year_without_visits_has_the_register_only(ctx, register):
    sni = plan.spread(2024)["sni"]
    assert (sni.visited_total, sni.register_total) == (0, 7)
    assert not sni.gaps  # nothing to compare with yet


@pytest.mark.parametrize(
    "visited, visited_total, register, register_total, expected",
    [
        (0, 10, 10, 100, True),  # 0 % against 10 %
        (1, 25, 10, 100, True),  # 4 % against 10 %: below half
        (1, 20, 10, 100, False),  # 5 % against 10 %: exactly half is not below it
        (0, 10, 4, 100, False),  # 4 % of the register is too small a group to call
        (0, 0, 50, 100, False),  # no visits yet
    ],
)
def test_under_represented_rule(visited, visited_total, register, register_total, expected):
    assert plan_spread.is_under_represented(visited, visited_total, register, register_total) is expected


def test_counts_only_visits_towards_the_target(ctx, register):
    counts = plan.visit_counts(2026)
    assert counts == plan.VisitCounts(done=3, booked=1, proposed=1, not_closed=1)


def test_not_closed_counts_open_follow_ups_and_missing_feedback(ctx, register):
    follow_up(register.companies["G"], FollowUpStatus.DONE, on_visit=register.visits["G"])
    db.session.commit()
    assert plan.visit_counts(2026).not_closed == 2  # G's follow-up is done but the company had no feedback


def test_months_count_done_and_booked_by_stockholm_month(ctx, register):
    months, undated = plan.months(2026, 50, TODAY)
    assert [(m.first_day.month, m.done, m.booked) for m in months if m.done or m.booked] == [
        (2, 1, 0),  # G: 31 January 23:30 UTC is February in Stockholm
        (3, 2, 0),  # A and B; B's second visit does not count towards the target
        (6, 0, 1),  # F
    ]
    assert [m.done_so_far for m in months] == [0, 1, 3, 3, 3, 3, 3, None, None, None, None, None]
    assert [m.expected for m in months][:3] == [4, 8, 12]  # 50 × 31/365, 59/365, 90/365
    assert months[-1].expected == 50
    assert undated == {"done": 0, "booked": 0}


def test_a_done_visit_without_a_date_is_counted_apart(ctx, register):
    visit(register.companies["D"], 2026, dated=False)
    db.session.commit()
    _months, undated = plan.months(2026, 50, TODAY)
    assert undated == {"done": 1, "booked": 0}


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2026, 7, 2), "3 av 50 genomförda, 22 efter takten"),
        (date(2026, 1, 10), "3 av 50 genomförda, 2 före takten"),  # the pace asks for 1
        (date(2026, 1, 22), "3 av 50 genomförda, i takt"),  # 50 × 22/365 = 3.01
        (date(2027, 2, 1), "3 av 50 genomförda, 47 under målet"),
    ],
)
def test_pace_summary(ctx, register, today, expected):
    assert plan.figures(2026, today).summary == expected


def test_pace_summary_without_a_target(ctx, register):
    assert plan.figures(2025, TODAY).summary == "1 besök genomfört, inget mål är satt"
    assert plan.figures(2024, TODAY).summary == "0 besök genomförda, inget mål är satt"
    assert plan.figures(2025, TODAY).target is None


@pytest.mark.parametrize("value, step", [(0, 0), (1, 5), (2, 5), (7, 5), (8, 10), (42, 40), (43, 45), (100, 100)])
def test_bar_step(value, step):
    assert plan.bar_step(value) == step


def test_percent_rounds_half_up():
    assert [plan_spread.percent(1, 8), plan_spread.percent(1, 3), plan_spread.percent(2, 3),
            plan_spread.percent(5, 0)] == [13, 33, 67, 0]


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(plan_views, "stockholm_today", lambda: TODAY)
    return TODAY


@pytest.mark.parametrize("role", ["politician", "staff", "organizer", "admin"])
def test_the_dashboard_shows_the_year(client, login_as, register, today, role):
    login_as(role)
    page = client.get("/besoksplan/2026").get_data(as_text=True)
    assert "3 av 50 genomförda, 22 efter takten" in page
    assert "Besöksplan 2026" in page
    # Bars carry their numbers: done 3 of 50 is 6 %, the pace 25 is 50 %.
    assert 'class="bar-fill bar-w-5"' in page and "(6\u00a0%)" in page
    assert 'class="bar-fill bar-w-50"' in page and "(50\u00a0%)" in page
    assert "Genomförda men inte avslutade" in page
    # The spread tables with their gaps.
    assert "A – Jordbruk, skogsbruk och fiske" in page
    assert "Få besök" in page
    assert "(67\u00a0%)" in page and "(29\u00a0%)" in page
    assert "Februari" in page
    assert "style=" not in page  # the CSP forbids inline styles


def test_the_dashboard_without_a_target(client, login_as, today):
    login_as("politician")
    page = client.get("/besoksplan/2026").get_data(as_text=True)
    assert "Inget mål är satt för 2026." in page
    assert "Sätt målet" not in page  # only an admin may


def test_the_plan_starts_at_this_year_in_stockholm(client, login_as, today):
    login_as("politician")
    response = client.get("/besoksplan/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/besoksplan/2026")


def test_a_year_out_of_range_is_not_found(client, login_as):
    login_as("staff")
    assert client.get("/besoksplan/1999").status_code == 404
    assert client.get("/besoksplan/2101/forslag").status_code == 404


@pytest.mark.parametrize("role", ["politician", "staff", "organizer", "admin"])
def test_the_navigation_links_the_plan(client, login_as, role):
    login_as(role)
    assert '<a href="/besoksplan/" aria-current="page">Besöksplan</a>' in client.get("/besoksplan/2026").get_data(
        as_text=True
    )
