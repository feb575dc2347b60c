"""The calendar feed a subscriber's calendar polls: what it holds, and that it is stable and cheap to poll."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.events.answers import respond
from crm.events.invitations import cancel_event
from crm.events.models import Answer, EventStatus
from crm.extensions import db
from crm.feeds.models import FeedKind, FeedToken
from crm.feeds.services import issue
from crm.timeutil import utcnow
from crm.visits.models import VisitStatus
from tests.calendar.checks import icalendar_errors, properties, unfolded_lines, value, vevents
from tests.feeds.helpers import fetch, local_days_from_now, uids
from tests.support.queries import count_queries


@pytest.fixture
def staff(users):
    return users["staff"]


def team_token(user) -> str:
    token = issue(FeedKind.TEAM, user=user, created_by=user)
    db.session.commit()
    return token


def test_a_feed_is_a_subscription_calendar_without_method_or_attendees(client, factories, staff, users):
    event = factories.event(title="Frukostmöte i Södra Porten", start=local_days_from_now(10, 7, 30),
                            organizer=users["organizer"])
    contact = factories.contact(name="Åsa Öberg")
    factories.invitation(event, contact)
    visit = factories.booked_visit(start=local_days_from_now(12), participants=[staff])
    token = team_token(staff)

    response = fetch(client, token)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers
    ics = response.data
    lines = unfolded_lines(ics)
    assert not properties(ics, "METHOD") and not properties(ics, "ATTENDEE") and not properties(ics, "ORGANIZER")
    assert value(ics, "X-WR-CALNAME") == value(ics, "NAME") == "Näringslivsenheten: enhetens kalender"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    assert value(ics, "VERSION") == "2.0" and "Naringsliv CRM" in value(ics, "PRODID")
    assert uids(ics) == sorted([event.uid, visit.uid])  # the records' own UIDs, as in their invitations
    assert not icalendar_errors(ics)
    by_uid = {str(component["UID"]): component for component in vevents(ics)}
    # Without a METHOD, DTSTAMP is the record's updated time: the feed does not change by itself.
    assert by_uid[event.uid].decoded("dtstamp") == event.updated_at.astimezone(UTC).replace(microsecond=0)
    assert by_uid[visit.uid].decoded("dtstamp") == visit.updated_at.astimezone(UTC).replace(microsecond=0)
    assert str(by_uid[event.uid]["SUMMARY"]) == "Frukostmöte i Södra Porten"
    assert f"/evenemang/{event.id}" in str(by_uid[event.uid]["DESCRIPTION"])
    assert "Åsa" not in ics.decode() and contact.email not in ics.decode()


def test_unchanged_the_feed_is_byte_identical_with_an_etag_and_304(client, factories, staff):
    factories.event(start=local_days_from_now(10))
    factories.booked_visit(start=local_days_from_now(11), participants=[staff])
    token = team_token(staff)

    first, second = fetch(client, token), fetch(client, token)

    assert first.data == second.data
    etag = first.headers["ETag"]
    assert etag and etag == second.headers["ETag"]
    not_modified = fetch(client, token, **{"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.data == b""
    assert fetch(client, token, **{"If-None-Match": '"something-else"'}).status_code == 200


def test_moving_an_event_changes_the_bytes_the_etag_and_the_sequence(client, factories, staff):
    event = factories.event(start=local_days_from_now(10))
    token = team_token(staff)
    before = fetch(client, token)

    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    db.session.commit()
    after = fetch(client, token, **{"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200
    assert after.data != before.data and after.headers["ETag"] != before.headers["ETag"]
    assert int(value(after.data, "SEQUENCE")) == int(value(before.data, "SEQUENCE")) + 1
    assert value(after.data, "UID") == value(before.data, "UID") == event.uid


def test_an_answer_taking_a_place_does_not_change_the_feed(client, factories, staff):
    event = factories.event(start=local_days_from_now(10), capacity=5)
    invitation = factories.invitation(event)
    token = team_token(staff)
    before = fetch(client, token)

    respond(invitation, Answer.YES)
    db.session.commit()
    db.session.refresh(event)

    assert event.places_taken == 1
    assert fetch(client, token).data == before.data


def test_cancelled_events_stay_30_days_marked_cancelled_then_go(client, factories, staff):
    recent = factories.event(title="Nyss inställd", start=local_days_from_now(20))
    old = factories.event(title="Länge sedan inställd", start=local_days_from_now(21))
    cancel_event(recent, utcnow() - timedelta(days=29))
    cancel_event(old, utcnow() - timedelta(days=31))
    db.session.commit()
    assert recent.status == old.status == EventStatus.CANCELLED

    ics = fetch(client, team_token(staff)).data

    assert uids(ics) == [recent.uid]
    [component] = vevents(ics)
    assert str(component["STATUS"]) == "CANCELLED"


def test_the_window_is_90_days_back_and_a_year_ahead(client, factories, staff):
    inside = [
        factories.event(title="Slutade för 89 dagar sedan", start=local_days_from_now(-89)),
        factories.event(title="Om 364 dagar", start=local_days_from_now(364)),
        factories.booked_visit(start=local_days_from_now(-89), participants=[staff]),
        factories.booked_visit(start=local_days_from_now(364), participants=[staff]),
    ]
    for outside in (factories.event(start=local_days_from_now(-91)), factories.event(start=local_days_from_now(366)),
                    factories.booked_visit(start=local_days_from_now(-91), participants=[staff]),
                    factories.booked_visit(start=local_days_from_now(366), participants=[staff])):
        assert outside.uid

    assert uids(fetch(client, team_token(staff)).data) == sorted(record.uid for record in inside)


def test_mine_holds_my_visits_and_the_events_i_organize(client, factories, users):
    me, colleague = users["staff"], users["organizer"]
    mine = [
        factories.booked_visit(start=local_days_from_now(5), participants=[me, users["politician"]]),
        factories.visit(status=VisitStatus.DONE, start=local_days_from_now(-5), participants=[me]),
        factories.event(start=local_days_from_now(6), organizer=me),
    ]
    factories.visit(status=VisitStatus.PROPOSED, start=local_days_from_now(7), participants=[me])
    factories.visit(status=VisitStatus.CANCELLED, start=local_days_from_now(8), participants=[me])
    factories.booked_visit(start=local_days_from_now(9), participants=[colleague])
    factories.event(start=local_days_from_now(10), organizer=colleague)
    token = issue(FeedKind.MINE, user=me, created_by=me)
    db.session.commit()

    response = fetch(client, token)

    assert uids(response.data) == sorted(record.uid for record in mine)
    assert value(response.data, "X-WR-CALNAME") == f"Näringslivsenheten: {me.name}"


def test_team_holds_every_booked_or_done_visit_and_every_event(client, factories, users):
    records = [
        factories.booked_visit(start=local_days_from_now(5), participants=[users["organizer"]]),
        factories.visit(status=VisitStatus.DONE, start=local_days_from_now(-5)),
        factories.event(start=local_days_from_now(6), organizer=users["organizer"]),
        factories.event(start=local_days_from_now(7)),
    ]
    factories.visit(status=VisitStatus.PROPOSED, start=local_days_from_now(7))
    factories.visit(status=VisitStatus.CANCELLED, start=local_days_from_now(8))

    assert uids(fetch(client, team_token(users["staff"])).data) == sorted(record.uid for record in records)


def test_a_network_feed_holds_that_networks_events_without_links_into_the_crm(client, factories, users):
    network, other = factories.network(name="Kvinnliga företagare"), factories.network()
    ours = factories.event(start=local_days_from_now(5), network_id=network.id, description="Tema: export")
    factories.event(start=local_days_from_now(6), network_id=other.id)
    factories.event(start=local_days_from_now(7))
    factories.booked_visit(start=local_days_from_now(8), participants=[users["organizer"]])
    token = issue(FeedKind.NETWORK, network=network, created_by=users["organizer"])
    db.session.commit()

    ics = fetch(client, token).data

    assert uids(ics) == [ours.uid]
    assert value(ics, "X-WR-CALNAME") == "Näringslivsenheten: Kvinnliga företagare"
    assert value(ics, "DESCRIPTION") == "Tema: export"
    assert "/evenemang/" not in ics.decode()


def test_the_number_of_statements_does_not_grow_with_the_calendar(client, factories, staff):
    token = team_token(staff)
    fetch(client, token)  # the first poll notes last_used_at; later ones write nothing

    def statements() -> int:
        with count_queries() as log:
            assert fetch(client, token).status_code == 200
        return log.count

    for n in range(2):
        factories.event(start=local_days_from_now(10 + n), network_id=factories.network().id)
        factories.booked_visit(start=local_days_from_now(20 + n), participants=[staff])
    db.session.commit()
    small = statements()
    assert small <= 3, small  # the token with its owner, the visits, the events
    for n in range(10):
        factories.event(start=local_days_from_now(30 + n), organizer=staff)
        factories.booked_visit(factories.company(), start=local_days_from_now(50 + n), participants=[staff])
    db.session.commit()
    assert len(uids(fetch(client, token).data)) == 24
    assert statements() == small, small


def test_last_used_is_written_at_most_once_an_hour(client, factories, staff):
    token = team_token(staff)
    row = db.session.scalar(select(FeedToken))
    assert row.last_used_at is None

    fetch(client, token)
    db.session.refresh(row)
    first = row.last_used_at
    assert first is not None and abs(first - utcnow()) < timedelta(minutes=1)

    with count_queries() as log:
        fetch(client, token)
    assert not any(statement.lstrip().upper().startswith("UPDATE") for statement in log.statements)
    db.session.refresh(row)
    assert row.last_used_at == first

    row.last_used_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    fetch(client, token)
    db.session.refresh(row)
    assert row.last_used_at > first - timedelta(seconds=1)
    assert abs(row.last_used_at - utcnow()) < timedelta(minutes=1)


# --- Tokens --------------------------------------------------------------------------------------


def test_a_revoked_token_is_a_404(client, factories, staff):
    from crm.feeds.services import revoke

    token = team_token(staff)
    assert fetch(client, token).status_code == 200
    assert revoke(FeedKind.TEAM, user=staff) == 1
    db.session.commit()
    assert fetch(client, token).status_code == 404


def test_rotation_retires_the_old_token(client, factories, staff):
    old = team_token(staff)
    new = team_token(staff)
    assert old != new
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    assert db.session.query(FeedToken).filter(FeedToken.revoked_at.is_(None)).count() == 1


@pytest.mark.parametrize("bad", ["", "x", "A" * 43, "A" * 500, "../../etc/passwd"])
def test_a_bad_token_is_a_404(client, staff, bad):
    good = team_token(staff)
    assert fetch(client, good).status_code == 200
    assert client.get(f"/kalender/{bad}.ics").status_code == 404


def test_an_altered_token_is_a_404(client, staff):
    token = team_token(staff)
    altered = ("B" if token[0] != "B" else "C") + token[1:]
    assert fetch(client, altered).status_code == 404
    assert fetch(client, token[:-1]).status_code == 404
    assert fetch(client, token).status_code == 200


def test_a_token_is_256_random_bits_stored_only_as_its_hash(app, staff):
    import base64
    import hashlib

    tokens = [team_token(staff) for _ in range(3)]
    assert len(set(tokens)) == 3
    for token in tokens:
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 32
    rows = db.session.scalars(select(FeedToken).order_by(FeedToken.id)).all()
    assert [row.token_hash for row in rows] == [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    # No column of any table holds a token in clear.
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            for cell in row:
                if isinstance(cell, (str, bytes)):
                    text = cell.decode("utf-8", "replace") if isinstance(cell, bytes) else cell
                    assert not any(token in text for token in tokens), table.name


def test_the_token_grants_nothing_but_the_feed(client, staff):
    token = team_token(staff)
    assert fetch(client, token).status_code == 200
    for path in ("/", f"/?token={token}", "/konto", "/konto/kalender", "/besok/"):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/logga-in"), path


def test_a_deactivated_user_or_a_role_without_the_team_calendar_gets_a_404(client, factories, users):
    politician, leaving = users["politician"], users["staff"]
    forbidden = issue(FeedKind.TEAM, user=politician, created_by=politician)
    leavers = team_token(leaving)
    mine = issue(FeedKind.MINE, user=politician, created_by=politician)
    db.session.commit()
    assert fetch(client, forbidden).status_code == 404
    assert fetch(client, mine).status_code == 200
    assert fetch(client, leavers).status_code == 200

    leaving.active = False
    leaving.role = Role.STAFF
    db.session.commit()
    assert fetch(client, leavers).status_code == 404


def test_independent_parsers_read_the_feeds_times_and_lines_are_clean(client, factories, staff):
    from tests.calendar.checks import ical_instants, ics_instants, next_local, vobject_instants

    summer = factories.event(title="Sommarträff på kajen med en mycket lång titel som måste vikas i kalendern",
                             start=next_local((6, 7, 8), 15, 9, 0), duration=timedelta(hours=1))
    winter = factories.event(title="Vinterträff\r\nBEGIN:VEVENT\rUID:injicerad", start=next_local((12, 1, 2), 15, 9, 0),
                             duration=timedelta(hours=1), place="Ängsö\nATTENDEE:mailto:evil@example.com")
    ics = fetch(client, team_token(staff)).data

    expected = sorted([
        (f"{summer.starts_at:%Y%m%d}T070000Z", f"{summer.starts_at:%Y%m%d}T080000Z"),  # +02
        (f"{winter.starts_at:%Y%m%d}T080000Z", f"{winter.starts_at:%Y%m%d}T090000Z"),  # +01
    ])
    for parsed in (vobject_instants(ics), ical_instants(ics), ics_instants(ics)):
        assert sorted(zip(parsed[::2], parsed[1::2], strict=True)) == expected
    text = ics.decode("utf-8")
    assert "VTIMEZONE" not in text and "X-WR-TIMEZONE" not in text and "TZID" not in text
    physical = ics.split(b"\r\n")
    assert physical[-1] == b"" and max(len(line) for line in physical) <= 75
    assert b"\r" not in ics.replace(b"\r\n", b"") and b"\n" not in ics.replace(b"\r\n", b"")
    assert unfolded_lines(ics).count("BEGIN:VEVENT") == 2 and not properties(ics, "ATTENDEE")
    assert not any(line.startswith("UID:injicerad") for line in unfolded_lines(ics))
    assert not icalendar_errors(ics)


def test_the_bytes_do_not_depend_on_the_language_of_whoever_fetches(client, factories, staff, login_as):
    factories.booked_visit(factories.company(name="Kajens Fisk AB"), start=local_days_from_now(10),
                           participants=[staff])
    token = team_token(staff)
    anonymous = fetch(client, token).data
    user = login_as("admin")
    user.locale = "en"
    db.session.commit()
    assert fetch(client, token).data == anonymous  # the visit would read "Company visit: ..." in English
    assert "SUMMARY:Företagsbesök: Kajens Fisk AB" in unfolded_lines(anonymous)


def test_an_organizers_team_calendar_shows_visits_without_purpose_or_place(client, factories, users):
    visit = factories.booked_visit(start=local_days_from_now(5))
    visit.purpose = "Diskutera expansionen i Södra Porten"
    visit.place = "Storgatan 1, Strängnäs"
    db.session.commit()

    for role, shown in (("staff", True), ("organizer", False)):
        ics = fetch(client, team_token(users[role])).data.decode()
        unfolded = "".join(unfolded_lines(ics.encode()))
        assert visit.uid in unfolded
        assert ("expansionen" in unfolded) is shown, role
        assert ("Storgatan" in unfolded) is shown, role
