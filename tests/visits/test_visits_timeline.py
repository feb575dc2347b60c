"""The company page's timeline carries the company's visits; politicians see theirs and done ones, briefly."""

from __future__ import annotations

from datetime import datetime

import pytest

from crm.extensions import db
from crm.visits.models import VisitKind, VisitStatus


@pytest.fixture
def company_with_visits(factories, users):
    company = factories.company()
    politician = users["politician"]
    factories.visit(company, status=VisitStatus.DONE, start=datetime(2026, 3, 2, 10, 0),
                    purpose="Syfte med marsbesöket", kind=VisitKind.WELCOME)
    factories.booked_visit(company, start=datetime(2026, 12, 8, 9, 0), participants=[politician],
                           purpose="Syfte med decemberbesöket")
    factories.booked_visit(company, start=datetime(2026, 12, 15, 9, 0), purpose="Syfte med ett annat besök")
    factories.visit(company, purpose="Syfte med ett förslag", suggestion_reason="Ej besökt på länge")
    factories.visit(company, status=VisitStatus.CANCELLED, start=datetime(2026, 9, 1, 9, 0),
                    purpose="Syfte med ett inställt besök")
    factories.booked_visit(factories.company(), purpose="Ett annat företags besök")
    db.session.commit()
    return company


def timeline(client, company) -> str:
    return client.get(f"/foretag/{company.id}").get_data(as_text=True).split('class="timeline"', 1)[1]


def test_staff_see_every_visit_of_the_company_newest_first(client, login_as, company_with_visits):
    login_as("staff")
    html = timeline(client, company_with_visits)
    for purpose in ("marsbesöket", "decemberbesöket", "ett annat besök", "ett förslag", "ett inställt besök"):
        assert f"Syfte med {purpose}" in html
    assert "Ett annat företags besök" not in html
    assert html.index("2026-12-15") < html.index("2026-12-08") < html.index("2026-09-01") < html.index("2026-03-02")
    assert "Välkomstbesök" in html and "Genomfört" in html and "Föreslaget" in html


def test_politicians_see_their_visits_and_done_ones_without_internal_details(client, login_as, company_with_visits):
    login_as("politician")
    html = timeline(client, company_with_visits)
    assert "2026-12-08" in html and "2026-03-02" in html  # theirs, and a done one
    assert "2026-12-15" not in html and "2026-09-01" not in html and "Föreslaget" not in html
    assert "Syfte med" not in html
