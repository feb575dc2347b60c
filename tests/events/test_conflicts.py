"""Double bookings of events: creating, changing or moving an event warns when its organizer is busy then.

An event's participating user is its organizer (evenemangsansvarig): the one user an event has; invitees
are contact persons, not users.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from crm.events.models import Event
from crm.extensions import db
from crm.timeutil import stockholm_to_utc
from tests.events.helpers import event_form, fresh_event

BREAKFAST = datetime(2026, 12, 4, 7, 30)  # the default of event_form and factories.event


def _event_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Event))


def test_creating_an_event_warns_when_the_organizer_has_a_visit_then(client, login_as, factories):
    organizer = login_as("organizer")
    visit = factories.booked_visit(factories.company(name="Åbyvik Plast & Form AB"),
                                   start=datetime(2026, 12, 4, 8, 0), participants=[organizer])
    db.session.commit()

    response = client.post("/evenemang/ny", data=event_form())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Krock i kalendern" in html and organizer.name in html
    assert f'href="/besok/{visit.id}">Åbyvik Plast &amp; Form AB</a>' in html and "2026-12-04 08:00–09:00" in html
    assert 'name="override"' in html and "Spara ändå" in html
    assert _event_count() == 0

    response = client.post("/evenemang/ny", data=event_form(override="y"))
    assert response.status_code == 302
    event = db.session.execute(select(Event)).scalar_one()
    assert event.organizer_id == organizer.id and event.starts_at == stockholm_to_utc(BREAKFAST)


def test_an_event_right_after_a_visit_is_no_conflict(client, login_as, factories):
    organizer = login_as("organizer")
    factories.booked_visit(start=BREAKFAST - timedelta(hours=1), duration=timedelta(hours=1),
                           participants=[organizer])
    db.session.commit()
    assert client.post("/evenemang/ny", data=event_form()).status_code == 302
    assert _event_count() == 1


def test_moving_an_event_onto_another_of_the_organizers_events_warns(client, login_as, factories):
    organizer = login_as("organizer")
    other = factories.event(start=datetime(2026, 12, 11, 7, 30), organizer=organizer, title="Frukostmöte i december")
    event = factories.event(organizer=organizer)
    db.session.commit()
    form = {"day": "2026-12-11", "start_time": "08:00", "end_time": "09:30", "place": "Stadshuset"}

    response = client.post(f"/evenemang/{event.id}/flytta", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/evenemang/{other.id}">Frukostmöte i december</a>' in html
    assert fresh_event(event).starts_at == stockholm_to_utc(BREAKFAST)

    assert client.post(f"/evenemang/{event.id}/flytta", data={**form, "override": "y"}).status_code == 302
    assert fresh_event(event).starts_at == stockholm_to_utc(datetime(2026, 12, 11, 8, 0))


def test_changing_an_events_time_warns_but_other_changes_do_not(client, login_as, factories, users):
    organizer = login_as("organizer")
    factories.booked_visit(start=datetime(2026, 12, 4, 13, 0), participants=[organizer])
    factories.booked_visit(start=BREAKFAST, participants=[organizer])  # booked over the event earlier, anyway
    event = factories.event(organizer=organizer)
    db.session.commit()

    response = client.post(f"/evenemang/{event.id}/andra", data=event_form(start_time="12:30", end_time="13:30"))
    assert response.status_code == 200 and "Krock i kalendern" in response.get_data(as_text=True)
    assert fresh_event(event).starts_at == stockholm_to_utc(BREAKFAST)

    response = client.post(f"/evenemang/{event.id}/andra", data=event_form(title="Frukostmöte: nytt ämne"))
    assert response.status_code == 302
    assert fresh_event(event).title == "Frukostmöte: nytt ämne"


def test_another_users_visit_is_no_conflict_for_the_organizer(client, login_as, factories, users):
    login_as("organizer")
    factories.booked_visit(start=BREAKFAST, participants=[users["staff"]])
    db.session.commit()
    assert client.post("/evenemang/ny", data=event_form()).status_code == 302
