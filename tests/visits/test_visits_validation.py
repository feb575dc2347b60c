"""The visit form's messages: in Swedish, next to the field they concern."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.timeutil import stockholm_to_utc
from crm.visits.models import Visit, VisitStatus
from tests.support.forms import error_next_to
from tests.support.rows import fresh
from tests.visits.visit_helpers import visit_form


def visit_count() -> int:
    return db.session.execute(select(func.count()).select_from(Visit)).scalar_one()


@pytest.fixture
def company(factories, login_as):
    login_as("staff")
    company = factories.company()
    db.session.commit()
    return company


def post_new(client, company, **fields):
    response = client.post(f"/besok/nytt?company_id={company.id}", data=visit_form(**fields))
    return response, response.get_data(as_text=True)


def test_a_time_in_the_spring_gap_is_refused_next_to_the_field(client, company):
    response, html = post_new(client, company, day="2026-03-29", start_time="02:30", end_time="04:00")
    assert response.status_code == 200 and visit_count() == 0
    message = error_next_to(html, "start_time")
    assert "Klockan 02:30 finns inte den 29 mars 2026" in message and "sommartid" in message
    assert error_next_to(html, "end_time") == ""
    assert 'class="error-summary"' in html


def test_a_time_just_after_the_gap_is_fine(client, company):
    response, _ = post_new(client, company, day="2026-03-29", start_time="03:00", end_time="04:00")
    assert response.status_code == 302
    visit = db.session.execute(select(Visit)).scalar_one()
    assert visit.starts_at == stockholm_to_utc(datetime(2026, 3, 29, 3, 0))


def test_the_end_must_come_after_the_start(client, company):
    _, html = post_new(client, company, start_time="10:00", end_time="09:30")
    assert "Sluttiden måste vara efter starttiden." in error_next_to(html, "end_time")
    assert visit_count() == 0


def test_a_half_given_time_asks_for_the_rest(client, company):
    _, html = post_new(client, company, start_time="", end_time="")
    assert "Fyll i starttiden." in error_next_to(html, "start_time")
    assert "Fyll i sluttiden." in error_next_to(html, "end_time")
    assert error_next_to(html, "day") == ""


def test_a_proposal_may_have_no_time(client, company):
    response, _ = post_new(client, company, day="", start_time="", end_time="")
    assert response.status_code == 302
    assert db.session.execute(select(Visit)).scalar_one().starts_at is None


def test_booking_from_the_form_needs_the_times(client, company):
    _, html = post_new(client, company, day="", start_time="", end_time="", save=None, save_and_book="Spara och boka")
    for field_id in ("day", "start_time", "end_time"):
        assert "Ett bokat besök behöver datum, starttid och sluttid." in error_next_to(html, field_id)
    assert visit_count() == 0


def test_malformed_date_and_time(client, company):
    _, html = post_new(client, company, day="3/12", start_time="nio")
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in error_next_to(html, "day")
    assert "Skriv tiden som TT:MM" in error_next_to(html, "start_time")


def test_a_contact_of_another_company_is_refused(client, company, factories):
    stranger = factories.contact(factories.company())
    db.session.commit()
    _, html = post_new(client, company, contacts=[str(stranger.id)])
    assert "Välj bara kontaktpersoner som hör till företaget." in error_next_to(html, "contacts")
    assert visit_count() == 0


def test_the_year_must_be_a_year(client, company):
    _, html = post_new(client, company, year="26")
    assert "Skriv ett år, till exempel 2026." in error_next_to(html, "year")


def test_rescheduling_a_booked_visit_keeps_it_booked_and_requires_times(client, company, factories):
    visit = factories.booked_visit(company)
    db.session.commit()
    response = client.post(f"/besok/{visit.id}/redigera", data=visit_form(day="", start_time="", end_time=""))
    html = response.get_data(as_text=True)
    assert "Ett bokat besök behöver datum, starttid och sluttid." in error_next_to(html, "day")
    response = client.post(f"/besok/{visit.id}/redigera", data=visit_form(day="2026-06-17", start_time="13:00",
                                                                          end_time="14:00"))
    assert response.status_code == 302
    visit = fresh(visit)
    assert visit.status == VisitStatus.BOOKED
    assert visit.starts_at == stockholm_to_utc(datetime(2026, 6, 17, 13, 0))


def test_the_form_shows_politicians_and_officials_apart(client, company, users, factories):
    factories.user(role="politician", name="Petra Politiker")
    factories.user(role="staff", name="Sture Tjänsteman")
    db.session.commit()
    html = client.get(f"/besok/nytt?company_id={company.id}").get_data(as_text=True)
    politicians = html.split('id="politicians"', 1)[1].split("</fieldset>", 1)[0]
    officials = html.split('id="officials"', 1)[1].split("</fieldset>", 1)[0]
    assert "Petra Politiker" in politicians and "Petra Politiker" not in officials
    assert "Sture Tjänsteman" in officials and "Sture Tjänsteman" not in politicians


def test_inactive_topics_are_not_offered(client, company, factories):
    factories.topic(name="Cykelvägar till industriområdet")
    factories.topic(name="Gammalt ämne", active=False)
    db.session.commit()
    html = client.get(f"/besok/nytt?company_id={company.id}").get_data(as_text=True)
    topics = html.split('id="topics"', 1)[1].split("</fieldset>", 1)[0]
    assert "Cykelvägar till industriområdet" in topics and "Gammalt ämne" not in topics
