"""The autumn hour that happens twice (2026-10-25 02:00–03:00 Stockholm) is never taken silently: the form asks,
next to the field, whether the time before or after the change is meant, with a radio choice (no JavaScript)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crm.events.models import Event
from crm.extensions import db
from crm.visits.models import Visit
from tests.events.helpers import event_form
from tests.support.forms import error_next_to
from tests.visits.visit_helpers import visit_form


@pytest.fixture
def company(factories):
    company = factories.company()
    db.session.commit()
    return company


def _post_visit(client, company, **fields):
    response = client.post(f"/besok/nytt?company_id={company.id}", data=visit_form(**fields))
    return response, response.get_data(as_text=True)


def _radios(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio" name="{re.escape(name)}"[^>]*value="([01])"', html)


def test_a_visit_in_the_repeated_hour_asks_which_one(client, login_as, company):
    login_as("staff")
    response, html = _post_visit(client, company, day="2026-10-25", start_time="02:30", end_time="04:00")

    assert response.status_code == 200
    assert db.session.scalars(select(Visit)).all() == []
    message = error_next_to(html, "start_time")
    assert "Klockan 02:30 finns två gånger den 25 oktober 2026" in message
    assert "före eller efter omställningen" in message
    assert error_next_to(html, "end_time") == ""
    assert _radios(html, "start_time-omstallning") == ["0", "1"]
    assert "före omställningen (sommartid)" in html and "efter omställningen (vintertid)" in html
    assert _radios(html, "end_time-omstallning") == []  # 04:00 happens once


@pytest.mark.parametrize(("fold", "instant"), [
    ("0", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # 02:30 summer time, +02
    ("1", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),  # 02:30 winter time, +01
])
def test_the_chosen_one_is_saved(client, login_as, company, fold, instant):
    login_as("staff")
    response, _ = _post_visit(client, company, day="2026-10-25", start_time="02:30", end_time="04:00",
                              **{"start_time-omstallning": fold})
    assert response.status_code == 302
    visit = db.session.scalars(select(Visit)).one()
    assert visit.starts_at == instant
    assert visit.ends_at == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)


def test_an_hour_that_happens_once_needs_no_choice(client, login_as, company):
    login_as("staff")
    response, html = _post_visit(client, company, day="2026-10-25", start_time="03:00", end_time="04:00")
    assert response.status_code == 302, html
    assert db.session.scalars(select(Visit)).one().starts_at == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


def test_an_event_in_the_repeated_hour_asks_which_one(client, login_as):
    login_as("organizer")
    data = event_form(day="2026-10-25", start_time="02:15", end_time="02:45", deadline_day="")
    html = client.post("/evenemang/ny", data=data).get_data(as_text=True)
    assert "Klockan 02:15 finns två gånger den 25 oktober 2026" in error_next_to(html, "start_time")
    assert "Klockan 02:45 finns två gånger" in error_next_to(html, "end_time")
    assert _radios(html, "start_time-omstallning") == ["0", "1"]
    assert db.session.scalars(select(Event)).all() == []

    data.update({"start_time-omstallning": "1", "end_time-omstallning": "1"})
    response = client.post("/evenemang/ny", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.session.scalars(select(Event)).one()
    assert event.starts_at == datetime(2026, 10, 25, 1, 15, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 10, 25, 1, 45, tzinfo=UTC)
