"""Every .ics the app serves, read by ical.js (Thunderbird, Nextcloud), vobject and icalendar as the same UTC
instants, for items on both sides of both DST changes of 2026 and 2027.

Expected instants worked out by hand: winter +01, summer +02; the clocks go forward at 02:00 on the last
Sunday of March (2026-03-29, 2027-03-28) and back at 03:00 on the last Sunday of October (2026-10-25,
2027-10-31).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm.events.invitations import cancel_event, invite, send_updates
from crm.extensions import db
from crm.feeds.models import FeedKind
from crm.feeds.services import issue, window
from crm.mail.delivery import deliver_due
from crm.timeutil import utcnow
from tests.calendar.checks import (
    calendar_parts,
    icalendar_errors,
    icalendar_instants,
    icaljs_instants,
    rdate_trap_ics,
    vobject_instants,
)

# Stockholm wall-clock start of a 30-minute item → (DTSTART, DTEND) in UTC.
CASES = {
    datetime(2026, 3, 29, 1, 0): ("20260329T000000Z", "20260329T003000Z"),   # before the spring change, +01
    datetime(2026, 3, 29, 3, 30): ("20260329T013000Z", "20260329T020000Z"),  # after it, +02
    datetime(2026, 10, 25, 1, 0): ("20261024T230000Z", "20261024T233000Z"),  # before the autumn change, +02
    datetime(2026, 10, 25, 3, 30): ("20261025T023000Z", "20261025T030000Z"),  # after it, +01
    datetime(2027, 3, 28, 1, 0): ("20270328T000000Z", "20270328T003000Z"),
    datetime(2027, 3, 28, 3, 30): ("20270328T013000Z", "20270328T020000Z"),
    datetime(2027, 10, 31, 1, 0): ("20271030T230000Z", "20271030T233000Z"),
    datetime(2027, 10, 31, 3, 30): ("20271031T023000Z", "20271031T030000Z"),
}
DURATION = timedelta(minutes=30)
NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def assert_all_read(ics: bytes, expected: list[str]) -> None:
    assert not icalendar_errors(ics)
    assert icalendar_instants(ics) == expected
    assert vobject_instants(ics) == expected
    assert icaljs_instants(ics) == expected


@pytest.mark.parametrize("start", list(CASES), ids=[f"{s:%Y-%m-%dT%H%M}" for s in CASES])
def test_invitations_updates_cancels_and_downloads_read_the_same(app, client, smtp, factories, users, login_as,
                                                                  start):
    expected = list(CASES[start])
    event = factories.event(start=start, duration=DURATION, organizer=users["organizer"])
    visit = factories.booked_visit(start=start, duration=DURATION, participants=[users["staff"]])
    contact = factories.contact(name="Åsa Öberg", email="asa.oberg@foretag.example")
    invite(event, [contact], now=NOW)
    db.session.commit()
    event.place = "Biblioteket"
    send_updates(event, NOW + timedelta(hours=1))
    db.session.commit()
    cancel_event(event, NOW + timedelta(hours=2))
    db.session.commit()
    deliver_due(NOW + timedelta(hours=3))

    methods = []
    for message in smtp.messages:
        inline, attached = calendar_parts(message.message)
        assert inline == attached
        methods.append(inline.split(b"METHOD:")[1].split(b"\r\n")[0])
        assert_all_read(inline, expected)
    assert methods == [b"REQUEST", b"REQUEST", b"CANCEL"]

    login_as("staff")
    for path in (f"/evenemang/{event.id}/kalender.ics", f"/besok/{visit.id}/besok.ics"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert_all_read(response.data, expected)


def test_the_feeds_read_the_same(app, client, factories, users):
    start_window, end_window = window(utcnow())
    shown = {start: times for start, times in CASES.items()
             if start_window <= datetime.strptime(times[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) <= end_window}
    assert shown, "some change day is always within a feed's window (90 days back, a year on)"
    for start in shown:
        factories.event(start=start, duration=DURATION, organizer=users["organizer"])
        factories.booked_visit(start=start, duration=DURATION, participants=[users["staff"]])
    db.session.commit()
    expected = [instant for start in sorted(shown) for times in (shown[start], shown[start]) for instant in times]

    for kind, user in ((FeedKind.TEAM, users["staff"]), (FeedKind.MINE, users["staff"])):
        token = issue(kind, user=user, created_by=user)
        db.session.commit()
        response = client.get(f"/kalender/{token}.ics")
        assert response.status_code == 200
        wanted = expected if kind == FeedKind.TEAM else [i for s in sorted(shown) for i in shown[s]]
        assert sorted(icaljs_instants(response.data)) == sorted(wanted)
        assert_all_read(response.data, icalendar_instants(response.data))


def test_control_icaljs_is_misled_by_the_generated_rdate_timezone():
    """ical.js reads only the first RDATE of icalendar's generated VTIMEZONE: 09:00 in June comes out 08:00Z."""
    assert icaljs_instants(rdate_trap_ics())[0] != "20260615T070000Z"
