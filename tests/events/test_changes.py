"""Changing, moving and cancelling events, and uninviting one person: what each invitee is sent."""

from __future__ import annotations

from datetime import date, datetime, time

from crm.events import invitations, services
from crm.events.models import EventKind, EventStatus
from crm.events.series import Frequency, SeriesRule
from crm.extensions import db
from crm.timeutil import local, stockholm_to_utc
from tests.events.helpers import event_form, fresh_event, fresh_invitation, outbox, vevent


def invited_event(factories, count: int = 3, **fields):
    """An event with `count` contacts invited through the service (one REQUEST each queued)."""
    fields.setdefault("registration_deadline", stockholm_to_utc(datetime(2026, 12, 2, 12, 0)))
    event = factories.event(**fields)
    contacts = [factories.contact(factories.company()) for _ in range(count)]
    created, _ = invitations.invite(event, contacts)
    db.session.commit()
    return event, created


def _form_for(event, **changes) -> dict:
    start, end = local(event.starts_at), local(event.ends_at)
    fields = {"title": event.title, "day": start.strftime("%Y-%m-%d"), "start_time": start.strftime("%H:%M"),
              "end_time": end.strftime("%H:%M"), "place": event.place, "description": event.description}
    return event_form(**{**fields, **changes})


def test_inviting_queues_one_request_per_invitee(app, factories):
    event, created = invited_event(factories)
    rows = outbox("invite:")
    assert sorted(row.dedupe_key for row in rows) == sorted(f"invite:{inv.id}:0" for inv in created)
    for row, invitation in zip(rows, created, strict=True):
        assert row.recipient_list == [invitation.email]
        calendar = vevent(row)
        assert str(calendar["UID"]) == event.uid and int(calendar["SEQUENCE"]) == 0
    assert fresh_event(event).status == EventStatus.INVITED


def test_an_edit_of_time_sends_updates_with_a_higher_sequence(client, login_as, factories):
    login_as("organizer")
    event, created = invited_event(factories)
    first = {row.recipients: int(vevent(row)["SEQUENCE"]) for row in outbox("invite:")}

    response = client.post(f"/evenemang/{event.id}/andra", data=_form_for(event, start_time="08:00"),
                           follow_redirects=True)

    assert "3 inbjudna fick en uppdatering med den nya informationen." in response.get_data(as_text=True)
    changed = fresh_event(event)
    assert changed.starts_at == stockholm_to_utc(datetime(2026, 12, 4, 8, 0))
    updates = [row for row in outbox("invite:") if row.dedupe_key.endswith(f":{changed.sequence}")]
    assert sorted(row.dedupe_key for row in updates) == sorted(f"invite:{inv.id}:{changed.sequence}" for inv in created)
    for row in updates:
        calendar = vevent(row)
        assert int(calendar["SEQUENCE"]) == changed.sequence > first[row.recipients]
        assert str(calendar["UID"]) == event.uid
        assert calendar.decoded("DTSTART") == stockholm_to_utc(datetime(2026, 12, 4, 8, 0))
        assert row.kind == "event-request" and row.subject.startswith("Ändrad tid eller plats")
    assert all(fresh_invitation(inv).sent_sequence == changed.sequence for inv in created)


def test_an_edit_invitees_cannot_see_sends_nothing(client, login_as, factories):
    login_as("staff")
    event, _ = invited_event(factories)
    before = len(outbox())

    response = client.post(f"/evenemang/{event.id}/andra", data=_form_for(event, description="Nytt program."),
                           follow_redirects=True)

    assert "Inga uppdateringar behövde skickas." in response.get_data(as_text=True)
    assert len(outbox()) == before
    assert fresh_event(event).description == "Nytt program."


def test_moving_one_event_moves_its_deadline_and_tells_the_invitees(client, login_as, factories):
    login_as("organizer")
    event, created = invited_event(factories, count=2)
    page = client.get(f"/evenemang/{event.id}/flytta").get_data(as_text=True)
    assert "2 inbjudna får en uppdatering" in page

    response = client.post(f"/evenemang/{event.id}/flytta", data={
        "day": "2026-12-11", "start_time": "07:30", "end_time": "09:00", "place": "Företagshuset"})

    assert response.status_code == 302
    moved = fresh_event(event)
    assert local(moved.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-12-11 07:30"
    assert local(moved.registration_deadline).strftime("%Y-%m-%d %H:%M") == "2026-12-09 12:00"
    assert moved.place == "Företagshuset"
    assert len(outbox(f"invite:{created[0].id}:")) == 2


def test_moving_to_a_missing_hour_is_refused_next_to_the_field(client, login_as, factories):
    login_as("organizer")
    event = factories.event()
    db.session.commit()
    html = client.post(f"/evenemang/{event.id}/flytta", data={
        "day": "2026-03-29", "start_time": "02:15", "end_time": "04:00", "place": ""}).get_data(as_text=True)
    assert 'id="start_time-error"' in html and "finns inte den 29 mars 2026" in html
    assert fresh_event(event).starts_at == event.starts_at


def _series(factories, users, count_invited: int = 1):
    rule = SeriesRule(Frequency.MONTHLY, weekday=4, first_day=date(2026, 9, 1), last_day=date(2026, 11, 30),
                      start_time=time(7, 30), end_time=time(9, 0))
    data = services.EventData(title="Frukostmöte", kind=EventKind.BREAKFAST,
                              starts_at=stockholm_to_utc(datetime(2026, 9, 4, 7, 30)),
                              ends_at=stockholm_to_utc(datetime(2026, 9, 4, 9, 0)), place="Stadshuset")
    series = services.create_series(data, rule, users["organizer"])
    contacts = [factories.contact() for _ in range(count_invited)]
    for event in series.events:
        invitations.invite(event, contacts)
    db.session.commit()
    return series.events


def test_moving_the_rest_of_a_series(client, login_as, factories, users):
    login_as("organizer")
    first, second, third = _series(factories, users)
    page = client.get(f"/evenemang/{second.id}/flytta-serien").get_data(as_text=True)
    assert "2026-10-02 07:30" in page and "2026-11-06 07:30" in page and "2026-09-04" not in page

    response = client.post(f"/evenemang/{second.id}/flytta-serien", data={
        "start_time": "08:00", "end_time": "09:30", "place": "Näringslivshuset"}, follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "2 träffar är flyttade." in html and "2 inbjudna fick en uppdatering" in html
    assert local(fresh_event(first).starts_at).strftime("%H:%M") == "07:30"
    for event, day in ((second, "2026-10-02"), (third, "2026-11-06")):
        moved = fresh_event(event)
        assert local(moved.starts_at).strftime("%Y-%m-%d %H:%M") == f"{day} 08:00"
        assert moved.place == "Näringslivshuset"
        [update] = [row for row in outbox("invite:") if row.dedupe_key.endswith(f":{moved.sequence}")
                    and str(vevent(row)["UID"]) == moved.uid]
        assert int(vevent(update)["SEQUENCE"]) == moved.sequence
    assert not [row for row in outbox("invite:") if str(vevent(row)["UID"]) == first.uid
                and int(vevent(row)["SEQUENCE"]) > 0]


def test_cancelling_one_event_sends_cancel_above_the_last_request(client, login_as, factories):
    login_as("organizer")
    event, created = invited_event(factories)
    last_request = max(int(vevent(row)["SEQUENCE"]) for row in outbox("invite:"))
    assert "3 inbjudna får en avbokning" in client.get(f"/evenemang/{event.id}/stall-in").get_data(as_text=True)

    response = client.post(f"/evenemang/{event.id}/stall-in", data={}, follow_redirects=True)

    assert "Träffen är inställd." in response.get_data(as_text=True)
    cancelled = fresh_event(event)
    assert cancelled.status == EventStatus.CANCELLED and cancelled.cancelled_at is not None
    rows = outbox("cancel:")
    assert sorted(row.dedupe_key for row in rows) == sorted(f"cancel:{inv.id}:{cancelled.sequence}" for inv in created)
    for row in rows:
        calendar = calendar_and_event(row)
        assert calendar[0]["METHOD"] == "CANCEL"
        assert calendar[1]["STATUS"] == "CANCELLED" and str(calendar[1]["UID"]) == event.uid
        assert int(calendar[1]["SEQUENCE"]) > last_request
        assert len(row.recipient_list) == 1
    assert client.post(f"/evenemang/{event.id}/stall-in", data={}).status_code == 302
    assert len(outbox("cancel:")) == 3  # a second cancel sends nothing


def calendar_and_event(row):
    from tests.events.helpers import calendar_in

    calendar = calendar_in(row)
    return calendar, next(iter(calendar.walk("VEVENT")))


def test_cancelling_the_rest_of_a_series(client, login_as, factories, users):
    login_as("staff")
    first, second, third = _series(factories, users, count_invited=2)
    page = client.get(f"/evenemang/{second.id}/stall-in-serien").get_data(as_text=True)
    assert "4 inbjudna får en avbokning" in page

    response = client.post(f"/evenemang/{second.id}/stall-in-serien", data={}, follow_redirects=True)

    assert "2 träffar är inställda." in response.get_data(as_text=True)
    assert fresh_event(first).status == EventStatus.INVITED
    assert fresh_event(second).status == fresh_event(third).status == EventStatus.CANCELLED
    rows = outbox("cancel:")
    assert len(rows) == 4
    assert {str(vevent(row)["UID"]) for row in rows} == {second.uid, third.uid}
    assert all(vevent(row)["STATUS"] == "CANCELLED" for row in rows)


def test_uninviting_sends_one_cancel_to_that_person_only(client, login_as, factories):
    login_as("organizer")
    event, created = invited_event(factories)
    gone, *others = created
    before = len(outbox())
    last_request = max(int(vevent(row)["SEQUENCE"]) for row in outbox("invite:"))
    page = client.get(f"/evenemang/{event.id}/inbjudna/{gone.id}/aterkalla").get_data(as_text=True)
    assert gone.name in page and "Ingen annan får något" in page

    response = client.post(f"/evenemang/{event.id}/inbjudna/{gone.id}/aterkalla", data={}, follow_redirects=True)

    assert "inte längre inbjuden" in response.get_data(as_text=True)
    rows = outbox()[before:]
    assert len(rows) == 1
    [row] = rows
    assert row.recipient_list == [gone.email] and row.dedupe_key.startswith(f"cancel:{gone.id}:")
    calendar, item = calendar_and_event(row)
    assert calendar["METHOD"] == "CANCEL" and int(item["SEQUENCE"]) > last_request
    attendees = item.get("ATTENDEE")
    assert str(attendees).lower() == f"mailto:{gone.email}"
    assert fresh_invitation(gone).uninvited_at is not None
    assert all(fresh_invitation(other).uninvited_at is None for other in others)
    assert fresh_event(event).status == EventStatus.INVITED
