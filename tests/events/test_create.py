"""Creating one event and a series over HTTP, with the errors shown next to the fields."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from crm.events.models import Event, EventSeries, EventStatus
from crm.extensions import db
from crm.timeutil import local, stockholm_to_utc
from tests.events.helpers import error_next_to, event_form, series_form


def _events() -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(select(Event).order_by(Event.starts_at)))


def _shown_dates(html: str) -> str:
    return re.search(r'name="shown_dates" value="([^"]*)"', html).group(1)


def _ticked(html: str) -> list[str]:
    """The dates ticked in the preview, as a browser sends them back."""
    return re.findall(r'name="days" value="([^"]*)" checked', html)


def test_an_organizer_creates_one_event(client, login_as, factories):
    me = login_as("organizer")
    network = factories.network(name="Kvinnliga företagare")
    db.session.commit()

    response = client.post("/evenemang/ny", data=event_form(network_id=str(network.id), capacity="40",
                                                            asks_dietary="y"))

    assert response.status_code == 302
    [event] = _events()
    assert response.headers["Location"].endswith(f"/evenemang/{event.id}")
    assert event.title == "Frukostmöte: Kompetensförsörjning" and event.network_id == network.id
    assert event.starts_at == stockholm_to_utc(datetime(2026, 12, 4, 7, 30))
    assert event.ends_at == stockholm_to_utc(datetime(2026, 12, 4, 9, 0))
    assert event.registration_deadline == stockholm_to_utc(datetime(2026, 12, 2, 12, 0))
    assert event.capacity == 40 and event.asks_dietary and event.status == EventStatus.PLANNED
    assert event.organizer_id == me.id and event.sequence == 0 and event.uid
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Träffen är sparad" in page and "2026-12-04 07:30–09:00" in page and "v. 49" in page


def test_the_network_can_be_chosen_from_the_link(client, login_as, factories):
    login_as("staff")
    network = factories.network(name="Branschråd industri")
    db.session.commit()
    html = client.get(f"/evenemang/ny?natverk={network.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{network.id}">|<option value="{network.id}" selected>', html)


def test_a_time_in_the_spring_gap_is_refused_next_to_the_field(client, login_as):
    login_as("organizer")
    response = client.post("/evenemang/ny", data=event_form(day="2026-03-29", start_time="02:30", end_time="04:00",
                                                            deadline_day=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Klockan 02:30 finns inte den 29 mars 2026" in error_next_to(html, "start_time")
    assert _events() == []


def test_the_end_must_come_after_the_start(client, login_as):
    login_as("organizer")
    html = client.post("/evenemang/ny", data=event_form(end_time="07:00")).get_data(as_text=True)
    assert "Sluttiden måste vara efter starttiden." in error_next_to(html, "end_time")
    assert _events() == []


def test_the_deadline_cannot_be_after_the_start(client, login_as):
    login_as("organizer")
    html = client.post("/evenemang/ny", data=event_form(deadline_day="2026-12-05")).get_data(as_text=True)
    assert "Sista anmälningsdag kan inte vara efter att träffen börjar." in error_next_to(html, "deadline_day")
    html = client.post("/evenemang/ny", data=event_form(deadline_time="")).get_data(as_text=True)
    assert "Fyll i klockslaget" in error_next_to(html, "deadline_time")
    assert _events() == []


def test_missing_and_malformed_values_are_named(client, login_as):
    login_as("organizer")
    html = client.post("/evenemang/ny", data=event_form(title="", day="4/12", link="www.example.se",
                                                        capacity="0")).get_data(as_text=True)
    assert "Fyll i en rubrik." in error_next_to(html, "title")
    assert "ÅÅÅÅ-MM-DD" in error_next_to(html, "day")
    assert "https://" in error_next_to(html, "link")
    assert "mellan 1 och 10000" in error_next_to(html, "capacity")
    assert "Något behöver rättas" in html


def test_a_series_is_previewed_then_created_in_one_post(client, login_as, factories):
    login_as("organizer")
    network = factories.network()
    db.session.commit()
    form = series_form(network_id=str(network.id), skip_months=["1"], deadline_days="2", deadline_time="12:00",
                       preview="Visa datumen")

    preview = client.post("/evenemang/ny-serie", data=form)

    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and _events() == []
    assert "8 träffar" in html
    for shown in ("2026-09-04 07:30", "2026-10-02 07:30", "2026-11-06 07:30", "2027-05-07 07:30"):
        assert shown in html
    assert "2027-01-01" not in html  # January skipped

    form = {**form, "shown_dates": _shown_dates(html), "days": _ticked(html), "create": "Skapa"}
    del form["preview"]
    created = client.post("/evenemang/ny-serie", data=form)

    assert created.status_code == 302
    events = _events()
    assert len(events) == 8
    assert len({event.uid for event in events}) == 8
    assert {event.series_id for event in events} == {events[0].series_id}
    assert all(local(event.starts_at).strftime("%H:%M") == "07:30" for event in events)
    assert {event.starts_at.hour for event in events} == {5, 6}  # 07:30 summer time is 05:30Z, winter 06:30Z
    assert all(event.network_id == network.id for event in events)
    for event in events:
        deadline = local(event.registration_deadline)
        assert deadline.strftime("%H:%M") == "12:00"
        assert (local(event.starts_at).date() - deadline.date()).days == 2
    series = db.session.get(EventSeries, events[0].series_id)
    assert series.rule.startswith("första fredag varje månad 07:30–09:00")
    assert created.headers["Location"].endswith(f"/evenemang/{events[0].id}")
    assert "8 träffar är skapade." in client.get(created.headers["Location"]).get_data(as_text=True)


def test_a_weekly_series_every_second_week(client, login_as):
    login_as("staff")
    form = series_form(frequency="weekly", weekday="1", interval="2", first_day="2026-03-01", last_day="2026-04-30",
                       start_time="16:00", end_time="17:30", preview="Visa datumen")
    html = client.post("/evenemang/ny-serie", data=form).get_data(as_text=True)
    form = {**form, "shown_dates": _shown_dates(html), "days": _ticked(html), "create": "Skapa"}
    del form["preview"]
    assert client.post("/evenemang/ny-serie", data=form).status_code == 302
    days = [local(event.starts_at).strftime("%Y-%m-%d %H:%M") for event in _events()]
    assert days == ["2026-03-03 16:00", "2026-03-17 16:00", "2026-03-31 16:00", "2026-04-14 16:00",
                    "2026-04-28 16:00"]


def test_creating_needs_the_dates_that_were_shown(client, login_as):
    login_as("organizer")
    form = series_form(create="Skapa", shown_dates="2026-09-04T07:30")
    response = client.post("/evenemang/ny-serie", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _events() == []
    assert "Datumen har ändrats sedan du såg dem" in html and "9 träffar" in html


def test_series_rule_errors_are_shown_next_to_the_fields(client, login_as):
    login_as("organizer")

    def errors(**fields) -> str:
        return client.post("/evenemang/ny-serie", data=series_form(preview="Visa", **fields)).get_data(as_text=True)

    html = errors(first_day="2027-01-01", last_day="2026-12-01")
    assert "Sista dag kan inte vara före första dag." in error_next_to(html, "last_day")
    html = errors(end_time="07:00")
    assert "Sluttiden måste vara efter starttiden." in error_next_to(html, "end_time")
    html = errors(first_day="2026-09-01", last_day="2026-09-02")
    assert "Regeln ger inga datum" in error_next_to(html, "frequency")
    html = errors(frequency="weekly", first_day="2026-01-01", last_day="2029-12-31")
    assert "högst 120" in error_next_to(html, "frequency")
    html = errors(frequency="weekly", weekday="6", first_day="2026-03-01", last_day="2026-04-30", start_time="02:30",
                  end_time="03:30")
    assert "Klockan 02:30 finns inte den 29 mars 2026" in error_next_to(html, "start_time")
    html = errors(deadline_days="0", deadline_time="08:00")
    assert "Sista anmälningsdag kan inte vara efter att träffen börjar." in error_next_to(html, "deadline_time")
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0
