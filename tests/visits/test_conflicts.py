"""Double bookings of visits: booking or moving a visit warns when a participant is busy then; it can be overridden."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.conflicts import ParticipantsBusy, find_conflicts
from crm.events.models import EventStatus
from crm.extensions import db
from crm.timeutil import stockholm_to_utc
from crm.visits import services
from crm.visits.models import Visit, VisitKind, VisitStatus
from tests.support.rows import fresh
from tests.visits.visit_helpers import visit_form

NINE = datetime(2026, 12, 14, 9, 0)  # a Monday; Stockholm wall clock


def _at(start: datetime, hours: float = 1) -> tuple[datetime, datetime]:
    return stockholm_to_utc(start), stockholm_to_utc(start + timedelta(hours=hours))


def _proposal(factories, participants, start: datetime = NINE, **fields) -> Visit:
    return factories.visit(start=start, participants=participants, **fields)


# --- The check --------------------------------------------------------------------------------


def test_overlapping_visits_and_events_of_the_users_are_found_in_one_query(app, factories, users, count_queries):
    staff, politician, organizer = users["staff"], users["politician"], users["organizer"]
    visit = factories.booked_visit(factories.company(name="Åbyvik Energi AB"), start=NINE,
                                   participants=[staff, politician])
    event = factories.event(start=NINE + timedelta(minutes=30), organizer=organizer, title="Frukostmöte")
    factories.booked_visit(start=NINE + timedelta(days=1), participants=[staff])  # another day
    db.session.commit()
    user_ids = [staff.id, politician.id, organizer.id]
    with count_queries() as log:
        found = find_conflicts(user_ids, *_at(NINE + timedelta(minutes=45)))
    assert log.count == 1
    at_visit = sorted([staff, politician], key=lambda user: user.name)  # by start, then by name
    assert [(c.kind, c.item_id, c.user_id) for c in found] == [
        *(("visit", visit.id, user.id) for user in at_visit), ("event", event.id, organizer.id)
    ]
    first = found[0]
    assert first.title == "Åbyvik Energi AB" and first.starts_at == stockholm_to_utc(NINE)
    assert first.ends_at == stockholm_to_utc(NINE + timedelta(hours=1))


@pytest.mark.parametrize("start", [NINE - timedelta(hours=1), NINE + timedelta(hours=1)],
                         ids=["ends-as-it-starts", "starts-as-it-ends"])
def test_adjacent_times_are_no_conflict(app, factories, users, start):
    staff, organizer = users["staff"], users["organizer"]
    factories.booked_visit(start=NINE, participants=[staff])
    factories.event(start=NINE, duration=timedelta(hours=1), organizer=organizer)
    assert find_conflicts([staff.id, organizer.id], *_at(start)) == []


def test_cancelled_visits_and_events_and_the_visit_itself_are_no_conflict(app, factories, users):
    staff, organizer = users["staff"], users["organizer"]
    own = factories.booked_visit(start=NINE, participants=[staff])
    factories.visit(status=VisitStatus.CANCELLED, start=NINE, participants=[staff])
    factories.event(start=NINE, organizer=organizer, status=EventStatus.CANCELLED)
    assert find_conflicts([staff.id, organizer.id], *_at(NINE), skip=("visit", own.id)) == []
    assert [c.item_id for c in find_conflicts([staff.id], *_at(NINE))] == [own.id]


# --- In the service ---------------------------------------------------------------------------


def test_booking_is_refused_when_a_participant_has_another_visit_then(app, factories, users):
    staff = users["staff"]
    other = factories.booked_visit(start=NINE, participants=[staff])
    visit = _proposal(factories, [staff, users["politician"]], start=NINE + timedelta(minutes=30))
    db.session.commit()
    with pytest.raises(ParticipantsBusy) as busy:
        services.book(visit)
    assert [(c.kind, c.item_id, c.user_id) for c in busy.value.conflicts] == [("visit", other.id, staff.id)]
    db.session.rollback()
    assert fresh(visit).status == VisitStatus.PROPOSED


def test_booking_is_refused_when_a_participant_organises_an_event_then(app, factories, users):
    organizer = users["organizer"]
    event = factories.event(start=NINE, organizer=organizer, title="Nätverksträff")
    visit = _proposal(factories, [organizer])
    with pytest.raises(ParticipantsBusy) as busy:
        services.book(visit)
    assert [(c.kind, c.item_id, c.title) for c in busy.value.conflicts] == [("event", event.id, "Nätverksträff")]


def test_override_books_anyway(app, factories, users):
    staff = users["staff"]
    factories.booked_visit(start=NINE, participants=[staff])
    visit = _proposal(factories, [staff])
    services.book(visit, override=True)
    db.session.commit()
    assert fresh(visit).status == VisitStatus.BOOKED


def test_moving_a_booked_visit_onto_a_busy_time_is_refused(app, factories, users):
    staff = users["staff"]
    factories.booked_visit(start=NINE + timedelta(hours=3), participants=[staff])
    visit = factories.booked_visit(start=NINE, participants=[staff])
    db.session.commit()
    starts_at, ends_at = _at(NINE + timedelta(hours=3))
    data = services.VisitData(kind=VisitKind.POLITICIAN, starts_at=starts_at, ends_at=ends_at,
                              participant_ids=[staff.id])
    with pytest.raises(ParticipantsBusy):
        services.update_visit(visit, data)
    db.session.rollback()
    assert fresh(visit).starts_at == stockholm_to_utc(NINE)
    services.update_visit(fresh(visit), data, override=True)
    db.session.commit()
    assert fresh(visit).starts_at == starts_at


def test_a_proposal_is_no_booking_and_is_not_checked(app, factories, users):
    staff = users["staff"]
    factories.booked_visit(start=NINE, participants=[staff])
    starts_at, ends_at = _at(NINE)
    visit = services.create_visit(factories.company(), services.VisitData(
        kind=VisitKind.POLITICIAN, starts_at=starts_at, ends_at=ends_at, participant_ids=[staff.id]), staff)
    assert visit.status == VisitStatus.PROPOSED


# --- Over HTTP ----------------------------------------------------------------------------------


def _visit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Visit))


def test_the_new_visit_form_warns_and_saves_nothing_until_overridden(client, login_as, factories, users):
    staff = login_as("staff")
    other = factories.booked_visit(factories.company(name="Åbyvik Energi AB"), start=NINE, participants=[staff])
    company = factories.company(name="Järna Mekaniska AB")
    db.session.commit()
    form = visit_form(day="2026-12-14", start_time="09:30", end_time="10:30", officials=[str(staff.id)],
                      save=None, save_and_book="Spara och boka")

    response = client.post(f"/besok/nytt?company_id={company.id}", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Krock i kalendern" in html and staff.name in html
    assert f'href="/besok/{other.id}">Åbyvik Energi AB</a>' in html and "2026-12-14 09:00–10:00" in html
    assert 'name="override"' in html and "Boka ändå" in html
    assert _visit_count() == 1

    response = client.post(f"/besok/nytt?company_id={company.id}", data={**form, "override": "y"})
    assert response.status_code == 302
    booked = db.session.execute(select(Visit).where(Visit.company_id == company.id)).scalar_one()
    assert booked.status == VisitStatus.BOOKED and booked.starts_at == stockholm_to_utc(datetime(2026, 12, 14, 9, 30))


def test_moving_a_visit_in_the_edit_form_warns_about_an_event(client, login_as, factories, users):
    staff = login_as("staff")
    event = factories.event(start=NINE + timedelta(hours=4), organizer=staff, title="Temamöte: upphandling")
    visit = factories.booked_visit(start=NINE, participants=[staff])
    db.session.commit()
    form = visit_form(day="2026-12-14", start_time="13:30", end_time="14:00", officials=[str(staff.id)])

    response = client.post(f"/besok/{visit.id}/redigera", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/evenemang/{event.id}">Temamöte: upphandling</a>' in html
    assert fresh(visit).starts_at == stockholm_to_utc(NINE)

    assert client.post(f"/besok/{visit.id}/redigera", data={**form, "override": "y"}).status_code == 302
    assert fresh(visit).starts_at == stockholm_to_utc(datetime(2026, 12, 14, 13, 30))


def test_the_book_button_warns_and_offers_to_book_anyway(client, login_as, factories, users):
    staff = login_as("staff")
    factories.booked_visit(start=NINE, participants=[staff])
    visit = _proposal(factories, [staff])
    db.session.commit()

    response = client.post(f"/besok/{visit.id}/boka")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Krock i kalendern" in html and 'id="boka-anda"' in html
    assert fresh(visit).status == VisitStatus.PROPOSED

    assert client.post(f"/besok/{visit.id}/boka", data={"override": "y"}).status_code == 302
    assert fresh(visit).status == VisitStatus.BOOKED


def test_a_visit_next_to_another_books_without_a_warning(client, login_as, factories, users):
    staff = login_as("staff")
    factories.booked_visit(start=NINE, participants=[staff])
    company = factories.company()
    db.session.commit()
    form = visit_form(day="2026-12-14", start_time="10:00", end_time="11:00", officials=[str(staff.id)],
                      save=None, save_and_book="Spara och boka")
    assert client.post(f"/besok/nytt?company_id={company.id}", data=form).status_code == 302
    assert _visit_count() == 2


# --- A politician signing up --------------------------------------------------------------------


def _participant_ids(visit: Visit) -> set[int]:
    return {user.id for user in fresh(visit).participants}


def test_signing_up_warns_when_the_politician_has_another_visit_then(client, login_as, factories, users):
    politician = login_as("politician")
    other = factories.booked_visit(factories.company(name="Åbyvik Energi AB"), start=NINE + timedelta(minutes=30),
                                   participants=[politician])
    visit = factories.booked_visit(start=NINE, participants=[users["staff"]])
    db.session.commit()

    response = client.post(f"/besok/{visit.id}/delta")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Krock i kalendern" in html and f'href="/besok/{other.id}">Åbyvik Energi AB</a>' in html
    assert "Du är inte anmäld. Anmäl dig ändå om du vill delta." in html
    assert f'action="/besok/{visit.id}/delta"' in html and 'id="anmal-anda"' in html
    assert politician.id not in _participant_ids(visit)

    assert client.post(f"/besok/{visit.id}/delta", data={"override": "y"}).status_code == 302
    assert politician.id in _participant_ids(visit)


def test_signing_up_next_to_another_visit_or_to_a_visit_others_have_then_needs_no_override(
    client, login_as, factories, users
):
    politician = login_as("politician")
    factories.booked_visit(start=NINE - timedelta(hours=1), participants=[politician])  # ends as it starts
    factories.booked_visit(start=NINE, participants=[users["staff"]])  # someone else's, same time
    visit = factories.booked_visit(start=NINE, participants=[users["staff"]])
    db.session.commit()

    assert client.post(f"/besok/{visit.id}/delta").status_code == 302
    assert politician.id in _participant_ids(visit)


def test_the_join_service_refuses_a_busy_politician_unless_overridden(app, factories, users):
    politician = users["politician"]
    factories.event(start=NINE, organizer=politician)
    visit = factories.booked_visit(start=NINE, participants=[users["staff"]])
    db.session.commit()
    with pytest.raises(ParticipantsBusy) as busy:
        services.join(visit, politician)
    assert [(c.kind, c.user_id) for c in busy.value.conflicts] == [("event", politician.id)]
    services.join(visit, politician, override=True)
    assert politician in visit.participants
