"""Setting the year's visit target: admins only, a whole number from 0 to 1 000."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.plan.models import VisitPlan


def target_of(year: int) -> int | None:
    db.session.expire_all()
    return db.session.execute(select(VisitPlan.target).where(VisitPlan.year == year)).scalar_one_or_none()


def test_an_admin_sets_and_changes_the_target(client, login_as):
    login_as("admin")
    page = client.get("/besoksplan/2026/mal").get_data(as_text=True)
    assert "Mål för besöksplanen 2026" in page

    response = client.post("/besoksplan/2026/mal", data={"target": "50"}, follow_redirects=True)
    assert "Målet för 2026 är 50 besök." in response.get_data(as_text=True)
    assert target_of(2026) == 50

    assert 'value="50"' in client.get("/besoksplan/2026/mal").get_data(as_text=True)
    client.post("/besoksplan/2026/mal", data={"target": "1 000"})
    assert target_of(2026) == 1000
    client.post("/besoksplan/2026/mal", data={"target": "0"})
    assert target_of(2026) == 0
    assert db.session.execute(select(func.count()).select_from(VisitPlan)).scalar_one() == 1  # one plan a year


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "Fyll i målet."),
        ("femtio", "Skriv ett heltal, till exempel 50."),
        ("12.5", "Skriv ett heltal, till exempel 50."),
        ("12,5", "Skriv ett heltal, till exempel 50."),
        ("-1", "Målet ska vara mellan 0 och 1 000."),
        ("1001", "Målet ska vara mellan 0 och 1 000."),
    ],
)
def test_the_target_must_be_a_whole_number_from_0_to_1000(client, login_as, value, message):
    login_as("admin")
    response = client.post("/besoksplan/2026/mal", data={"target": value})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count(message) == 2  # in the summary and beside the field
    assert 'aria-invalid="true"' in page
    assert target_of(2026) is None


@pytest.mark.parametrize("role", ["staff", "organizer", "politician"])
def test_only_an_admin_sets_the_target(client, login_as, role):
    login_as(role)
    assert client.get("/besoksplan/2026/mal").status_code == 403
    assert client.post("/besoksplan/2026/mal", data={"target": "50"}).status_code == 403
    assert target_of(2026) is None


def test_the_dashboard_links_the_target_for_admins_only(client, users):
    from tests.conftest import login

    login(client, users["admin"])
    assert "/besoksplan/2026/mal" in client.get("/besoksplan/2026").get_data(as_text=True)
    client.post("/logga-ut")
    login(client, users["staff"])
    assert "/besoksplan/2026/mal" not in client.get("/besoksplan/2026").get_data(as_text=True)
