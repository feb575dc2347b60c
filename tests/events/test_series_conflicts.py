"""Double bookings in a series: the preview shows, next to each date, what the organizer already has then;
creating over a conflict needs "Skapa ändå"; moving the rest of a series warns likewise. One query for all dates.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from crm.conflicts import ParticipantsBusy, conflicts_by_time
from crm.events import services
from crm.events.models import Event, EventKind, EventStatus
from crm.events.series import Frequency, SeriesRule
from crm.extensions import db
from crm.timeutil import local, stockholm_to_utc
from tests.events.helpers import error_next_to, fresh_event, series_form

# series_form(): the first Friday of each month 07:30-09:00, 2026-09-04 to 2027-05-07 (Nyårsdagen unticked).
BUSY_DAY = "2026-11-06"
FRIDAYS = ["2026-09-04", "2026-10-02", BUSY_DAY, "2026-12-04", "2027-02-05", "2027-03-05", "2027-04-02",
           "2027-05-07"]  # the ticked ones


def _event_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Event))


def _shown_dates(html: str) -> str:
    start = html.index('name="shown_dates" value="') + len('name="shown_dates" value="')
    return html[start:html.index('"', start)]


def _date_row(html: str, day: str) -> str:
    """The preview's list item of one date: its checkbox, its label and any conflict noted next to it."""
    start = html.index(f'value="{day}"')
    return html[html.rindex("<li>", 0, start):html.index("</li>", start)]


def _busy_organizer(factories, organizer):
    """The organizer already visits a company 08:00-09:00 on the series' third Friday."""
    company = factories.company(name="Åbyvik Plast & Form AB")
    return factories.booked_visit(company, start=datetime(2026, 11, 6, 8, 0), participants=[organizer])


# --- The check for many times at once ----------------------------------------------------------


def _windows(first: date, count: int) -> list[tuple[datetime, datetime]]:
    return [(stockholm_to_utc(datetime.combine(first + timedelta(weeks=n), time(7, 30))),
             stockholm_to_utc(datetime.combine(first + timedelta(weeks=n), time(9, 0)))) for n in range(count)]


@pytest.mark.parametrize("count", [1, 2, 60, 120])
def test_any_number_of_times_is_checked_in_one_statement(app, factories, users, count_queries, count):
    organizer = users["organizer"]
    first = date(2026, 9, 4)
    visit = factories.booked_visit(start=datetime(2026, 9, 4, 8, 30), participants=[organizer])
    event = factories.event(start=datetime(2026, 9, 11, 7, 0), organizer=organizer, title="Styrelsemöte")
    factories.booked_visit(start=datetime(2026, 9, 4, 9, 0), participants=[organizer])  # starts as it ends
    factories.event(start=datetime(2026, 9, 18, 7, 30), organizer=users["staff"])  # someone else's
    factories.event(start=datetime(2026, 9, 25, 7, 30), organizer=organizer, status=EventStatus.CANCELLED)
    db.session.commit()
    windows, organizer_id = _windows(first, count), organizer.id

    with count_queries() as log:
        found = conflicts_by_time([organizer_id], windows)

    assert log.count == 1
    assert len(found) == count
    assert [(c.kind, c.item_id) for c in found[0]] == [("visit", visit.id)]
    if count > 1:
        assert [(c.kind, c.item_id) for c in found[1]] == [("event", event.id)]
    assert all(not conflicts for conflicts in found[2:])


def test_the_items_to_skip_are_left_out(app, factories, users):
    organizer = users["organizer"]
    own = factories.event(start=datetime(2026, 9, 4, 7, 30), organizer=organizer)
    other = factories.event(start=datetime(2026, 9, 11, 7, 30), organizer=organizer)
    db.session.commit()
    found = conflicts_by_time([organizer.id], _windows(date(2026, 9, 4), 2), skip=[("event", own.id)])
    assert [[c.item_id for c in conflicts] for conflicts in found] == [[], [other.id]]


# --- Creating a series -------------------------------------------------------------------------


def test_the_preview_notes_the_conflict_next_to_its_date(client, login_as, factories):
    organizer = login_as("organizer")
    visit = _busy_organizer(factories, organizer)
    db.session.commit()

    html = client.post("/evenemang/ny-serie", data={**series_form(), "preview": "1"}).get_data(as_text=True)

    row = _date_row(html, BUSY_DAY)
    assert "Krockar med:" in row
    assert (f'Företagsbesök hos <a href="/besok/{visit.id}">Åbyvik Plast &amp; Form AB</a> 08:00–09:00 '
            f"({organizer.name})") in row
    assert f'aria-describedby="krock-{BUSY_DAY}"' in row and "checked" in row
    for day in FRIDAYS:
        if day != BUSY_DAY:
            assert "Krockar med:" not in _date_row(html, day)
    assert 'name="override"' in html and "Skapa ändå" in html


def test_a_preview_without_conflicts_offers_no_override(client, login_as, factories, users):
    login_as("organizer")
    _busy_organizer(factories, users["staff"])  # another user's visit
    db.session.commit()
    html = client.post("/evenemang/ny-serie", data={**series_form(), "preview": "1"}).get_data(as_text=True)
    assert "Krockar med:" not in html and 'name="override"' not in html


def test_creating_over_a_conflict_needs_skapa_anda(client, login_as, factories):
    organizer = login_as("organizer")
    _busy_organizer(factories, organizer)
    db.session.commit()
    html = client.post("/evenemang/ny-serie", data={**series_form(), "preview": "1"}).get_data(as_text=True)
    create = {**series_form(), "create": "1", "shown_dates": _shown_dates(html), "days": FRIDAYS}

    response = client.post("/evenemang/ny-serie", data=create)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bocka ur dem eller kryssa i Skapa ändå." in error_next_to(html, "override")
    assert "Krockar med:" in _date_row(html, BUSY_DAY)  # the dates are still on show
    assert _event_count() == 0

    response = client.post("/evenemang/ny-serie", data={**create, "override": "y"})
    assert response.status_code == 302
    assert _event_count() == len(FRIDAYS)


def test_unticking_the_busy_date_creates_the_rest_without_override(client, login_as, factories):
    organizer = login_as("organizer")
    _busy_organizer(factories, organizer)
    db.session.commit()
    html = client.post("/evenemang/ny-serie", data={**series_form(), "preview": "1"}).get_data(as_text=True)
    free = [day for day in FRIDAYS if day != BUSY_DAY]

    response = client.post("/evenemang/ny-serie", data={
        **series_form(), "create": "1", "shown_dates": _shown_dates(html), "days": free})

    assert response.status_code == 302
    days = [local(start).date().isoformat() for start in db.session.scalars(select(Event.starts_at)
                                                                            .order_by(Event.starts_at))]
    assert days == free


def test_the_preview_checks_every_date_in_one_statement(client, login_as, factories, count_queries):
    organizer = login_as("organizer")
    _busy_organizer(factories, organizer)
    db.session.commit()
    few = {**series_form(last_day="2026-11-30"), "preview": "1"}  # 3 dates
    many = {**series_form(frequency="weekly", last_day="2027-06-30"), "preview": "1"}  # 44 dates
    counts = []
    for form in (few, few, many):
        with count_queries() as log:
            html = client.post("/evenemang/ny-serie", data=form).get_data(as_text=True)
        assert "Krockar med:" in _date_row(html, BUSY_DAY)
        counts.append(log.count)
    assert counts[2] == counts[1]


def test_the_service_refuses_a_busy_series_unless_overridden(app, factories, users):
    organizer = users["organizer"]
    visit = _busy_organizer(factories, organizer)
    db.session.commit()
    rule = SeriesRule(Frequency.MONTHLY, weekday=4, first_day=date(2026, 9, 1), last_day=date(2026, 12, 31),
                      start_time=time(7, 30), end_time=time(9, 0))
    data = services.EventData(title="Frukostmöte", kind=EventKind.BREAKFAST,
                              starts_at=stockholm_to_utc(datetime(2026, 9, 4, 7, 30)),
                              ends_at=stockholm_to_utc(datetime(2026, 9, 4, 9, 0)))
    with pytest.raises(ParticipantsBusy) as busy:
        services.create_series(data, rule, organizer)
    assert [(c.kind, c.item_id) for c in busy.value.conflicts] == [("visit", visit.id)]
    assert [len(found) for found in busy.value.by_time] == [0, 0, 1, 0]
    db.session.rollback()
    assert len(services.create_series(data, rule, organizer, override=True).events) == 4


# --- Moving the rest of a series ---------------------------------------------------------------


def _series(users) -> list[Event]:
    rule = SeriesRule(Frequency.MONTHLY, weekday=4, first_day=date(2026, 9, 1), last_day=date(2026, 12, 31),
                      start_time=time(7, 30), end_time=time(9, 0))
    data = services.EventData(title="Frukostmöte", kind=EventKind.BREAKFAST,
                              starts_at=stockholm_to_utc(datetime(2026, 9, 4, 7, 30)),
                              ends_at=stockholm_to_utc(datetime(2026, 9, 4, 9, 0)), place="Stadshuset")
    events = services.create_series(data, rule, users["organizer"]).events
    db.session.commit()
    return events


def test_moving_the_rest_of_a_series_onto_a_visit_warns(client, login_as, factories, users):
    organizer = login_as("organizer")
    first, second, third, fourth = _series(users)
    visit = factories.booked_visit(factories.company(name="Åbyvik Energi AB"),
                                   start=datetime(2026, 11, 6, 10, 0), participants=[organizer])
    db.session.commit()
    form = {"start_time": "09:30", "end_time": "11:00", "place": "Stadshuset"}

    response = client.post(f"/evenemang/{second.id}/flytta-serien", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Krock i kalendern" in html and f'href="/besok/{visit.id}">Åbyvik Energi AB</a>' in html
    assert "2026-11-06 10:00–11:00" in html
    assert 'name="override"' in html and "Spara ändå" in html
    assert [local(fresh_event(item).starts_at).strftime("%H:%M") for item in (second, third, fourth)] == [
        "07:30"] * 3

    response = client.post(f"/evenemang/{second.id}/flytta-serien", data={**form, "override": "y"})
    assert response.status_code == 302
    assert local(fresh_event(first).starts_at).strftime("%H:%M") == "07:30"
    assert [local(fresh_event(item).starts_at).strftime("%H:%M") for item in (second, third, fourth)] == [
        "09:30"] * 3


def test_a_series_moved_over_its_own_old_times_is_no_conflict(client, login_as, users):
    login_as("organizer")
    first, second, _third, _fourth = _series(users)
    response = client.post(f"/evenemang/{first.id}/flytta-serien",
                           data={"start_time": "08:00", "end_time": "09:30", "place": "Stadshuset"})
    assert response.status_code == 302
    assert local(fresh_event(second).starts_at).strftime("%H:%M") == "08:00"


def test_changing_only_the_place_of_a_series_does_not_warn(client, login_as, factories, users):
    organizer = login_as("organizer")
    first, second, _third, _fourth = _series(users)
    factories.booked_visit(start=datetime(2026, 10, 2, 8, 0), participants=[organizer])  # booked over it anyway
    db.session.commit()
    response = client.post(f"/evenemang/{first.id}/flytta-serien",
                           data={"start_time": "07:30", "end_time": "09:00", "place": "Näringslivshuset"})
    assert response.status_code == 302
    assert fresh_event(second).place == "Näringslivshuset"
