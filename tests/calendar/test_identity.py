"""An event's calendar identity: one stored UID everywhere, a SEQUENCE that only rises, DTSTAMP by kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from crm.calendar.identity import CalendarIdentityError
from crm.events.invitations import cancel_event, invite, send_updates, uninvite
from crm.events.models import Event
from crm.extensions import db
from crm.feeds.models import FeedKind
from crm.feeds.services import issue
from crm.mail.models import OutboxMessage
from tests.calendar.checks import calendar_parts, properties, value
from tests.feeds.helpers import local_days_from_now

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)  # feeds keep a cancelled event 30 days from now


def queued_calendars() -> list[bytes]:
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [calendar_parts(message_from_bytes(row.raw, policy=default_policy))[0] for row in rows]


def test_one_uid_in_invitation_update_cancel_download_and_every_feed(client, factories, users, login_as):
    network = factories.network()
    event = factories.event(start=local_days_from_now(20), network_id=network.id, organizer=users["staff"])
    stored_uid = event.uid
    created, _ = invite(event, [factories.contact(), factories.contact()], now=NOW)
    event.title = "Nytt namn"
    send_updates(event, NOW)
    uninvite(created[0], NOW)
    cancel_event(event, NOW + timedelta(minutes=1))
    feeds = [issue(FeedKind.MINE, user=users["staff"], created_by=users["staff"]),
             issue(FeedKind.TEAM, user=users["staff"], created_by=users["staff"]),
             issue(FeedKind.NETWORK, network=network, created_by=users["staff"])]
    db.session.commit()

    calendars = queued_calendars()
    methods = [value(ics, "METHOD") for ics in calendars]
    assert methods.count("REQUEST") == 4 and methods.count("CANCEL") == 2
    for token in feeds:
        calendars.append(client.get(f"/kalender/{token}.ics").data)
    login_as("staff")
    download = client.get(f"/evenemang/{event.id}/kalender.ics")
    assert download.status_code == 200
    calendars.append(download.data)

    assert {value(ics, "UID") for ics in calendars} == {stored_uid}
    assert db.session.get(Event, event.id).uid == stored_uid
    # The feeds and the download carry the current SEQUENCE, the highest any message had.
    sequences = [int(value(ics, "SEQUENCE")) for ics in calendars]
    assert sequences[-4:] == [event.sequence] * 4 == [max(sequences)] * 4


def test_the_sequence_starts_at_zero_and_rises_once_per_change_in_the_same_flush(factories):
    event = factories.event(start=local_days_from_now(20))
    assert event.sequence == 0
    for change in (
        lambda e: setattr(e, "starts_at", e.starts_at + timedelta(hours=1)),
        lambda e: setattr(e, "ends_at", e.ends_at + timedelta(hours=1)),
        lambda e: setattr(e, "place", "Biblioteket"),
        lambda e: setattr(e, "title", "Nytt namn"),
        lambda e: cancel_event(e),
    ):
        before = event.sequence
        change(event)
        db.session.flush()
        assert event.sequence == before + 1
        stored = db.session.execute(select(Event.sequence).where(Event.id == event.id)).scalar_one()
        assert stored == event.sequence  # written with the change, in its transaction
    before = event.sequence
    event.description = "Bara en beskrivning"
    event.capacity = 40
    db.session.flush()
    assert event.sequence == before


def test_the_sequence_never_falls_and_the_uid_never_changes(factories):
    event = factories.event(start=local_days_from_now(20), place="Kajen")
    event.place = "Torget"
    db.session.flush()
    assert event.sequence == 1
    event.sequence = 0
    with pytest.raises(CalendarIdentityError):
        db.session.flush()
    db.session.rollback()

    event = factories.event(start=local_days_from_now(21))
    event.uid = "ny-uid@naringsliv-crm"
    with pytest.raises(CalendarIdentityError):
        db.session.flush()
    db.session.rollback()


def test_dtstamp_is_the_message_time_with_a_method_and_the_updated_time_without(client, factories, users):
    event = factories.event(start=local_days_from_now(20))
    invite(event, [factories.contact()], now=NOW)
    token = issue(FeedKind.TEAM, user=users["staff"], created_by=users["staff"])
    db.session.commit()

    [request] = queued_calendars()
    assert value(request, "DTSTAMP") == f"{NOW:%Y%m%dT%H%M%SZ}"
    feed = client.get(f"/kalender/{token}.ics").data
    updated = db.session.get(Event, event.id).updated_at.astimezone(UTC)
    assert value(feed, "DTSTAMP") == f"{updated:%Y%m%dT%H%M%SZ}"
    assert not properties(feed, "DURATION") and not properties(request, "DURATION")
