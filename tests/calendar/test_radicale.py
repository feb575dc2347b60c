"""The feed's events in a real CalDAV server (Radicale): stored one by one, found at the right UTC instant.

Each VEVENT of a feed is PUT as an object of its own, as a client that imports the subscription does;
the server refuses a second object with the same UID, and its time-range REPORT finds each event at
the instant worked out by hand (summer +02, winter +01), not an hour off. A control shows the query
does catch an event an hour off: the generated RDATE time zone.
"""

from __future__ import annotations

import pytest

from crm.extensions import db
from crm.feeds.models import FeedKind
from crm.feeds.services import issue
from tests.calendar.checks import next_local, rdate_trap_ics, unfolded_lines
from tests.calendar.radicale import Radicale

SUMMER, WINTER = (6, 7, 8), (12, 1, 2)  # Stockholm is +02 all summer, +01 all winter


@pytest.fixture(scope="module")
def radicale():
    server = Radicale().start()
    try:
        yield server
    finally:
        server.stop()


def split_feed(ics: bytes) -> list[tuple[str, bytes]]:
    """(UID, a calendar holding only that VEVENT) for each event of a feed, its lines kept as they are."""
    lines = ics.split(b"\r\n")
    head = [line for line in lines if line.startswith((b"VERSION:", b"PRODID:"))]
    objects, current = [], None
    for line in lines:
        if line == b"BEGIN:VEVENT":
            current = [line]
        elif current is not None:
            current.append(line)
            if line == b"END:VEVENT":
                body = b"\r\n".join([b"BEGIN:VCALENDAR", *head, *current, b"END:VCALENDAR", b""])
                uid = next(x for x in unfolded_lines(body) if x.startswith("UID:"))[4:]
                objects.append((uid, body))
                current = None
    return objects


def object_name(uid: str) -> str:
    return uid.replace("@", "_at_") + ".ics"


def test_feed_events_are_stored_refused_as_duplicates_and_found_at_their_instant(client, factories, users, radicale):
    summer_start, winter_start = next_local(SUMMER, 15, 9, 0), next_local(WINTER, 15, 9, 0)
    summer = factories.event(title="Sommarfrukost", start=summer_start)
    winter = factories.event(title="Vinterfrukost", start=winter_start)
    visit = factories.booked_visit(start=next_local(SUMMER, 16, 13, 0), participants=[users["staff"]])
    token = issue(FeedKind.TEAM, user=users["staff"], created_by=users["staff"])
    db.session.commit()
    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code == 200
    objects = split_feed(response.data)
    assert sorted(uid for uid, _ in objects) == sorted([summer.uid, winter.uid, visit.uid])

    calendar = radicale.new_calendar()
    for uid, body in objects:
        assert calendar.put(object_name(uid), body) == 201, uid

    # The same UID at another address is refused (no-uid-conflict), whichever event it is.
    for _uid, body in objects:
        assert calendar.put("samma-uid-annan-adress.ics", body) == 409

    # Summer: 09:00 Stockholm is 07:00Z; winter: 08:00Z. Found in the minute it starts, not in the hour before.
    for event, start, hour in ((summer, summer_start, 7), (winter, winter_start, 8)):
        day = f"{start:%Y%m%d}"
        name = object_name(event.uid)
        assert calendar.found_between(f"{day}T{hour:02d}0000Z", f"{day}T{hour:02d}0100Z") == [name]
        assert calendar.found_between(f"{day}T{hour - 1:02d}0000Z", f"{day}T{hour - 1:02d}5900Z") == []
        assert calendar.found_between(f"{day}T{hour + 1:02d}2900Z", f"{day}T{hour + 1:02d}3000Z") == [name]
        assert calendar.found_between(f"{day}T{hour + 1:02d}3000Z", f"{day}T{hour + 2:02d}0000Z") == []


def test_control_an_event_an_hour_off_is_not_found_at_the_right_instant(radicale):
    calendar = radicale.new_calendar()
    assert calendar.put("rdate-trap.ics", rdate_trap_ics()) == 201
    # 09:00 Stockholm on 2026-06-15 is 07:00Z, but the server reads the RDATE time zone as +01.
    assert calendar.found_between("20260615T070000Z", "20260615T070100Z") == []
    assert calendar.found_between("20260615T080000Z", "20260615T080100Z") == ["rdate-trap.ics"]
