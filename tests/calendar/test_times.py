"""Every .ics we produce, as independent parsers read it: the same UTC instant, clean lines, no injection.

The expected instants are worked out by hand (summer +02, winter +01; 2026-03-29 02:00 → 03:00 and
2026-10-25 03:00 → 02:00), not by our own code. vobject runs in a fresh process each time: it caches
time zones per process. Controls show each parser does notice a wrong time.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from crm.calendar.ical import CalendarItem, calendar_bytes
from crm.events.invitations import invite
from crm.events.series import Frequency, SeriesRule, SeriesRuleError, occurrences
from crm.extensions import db
from crm.mail.models import OutboxMessage
from crm.timeutil import NonexistentLocalTime, stockholm_to_utc
from tests.calendar.checks import (
    FLOATING_ICS,
    calendar_parts,
    ical_instants,
    icalendar_errors,
    ics_instants,
    properties,
    rdate_trap_ics,
    unfolded_lines,
    value,
    vevents,
    vobject_instants,
)

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

# Stockholm wall-clock start -> (start, end an hour and a half later) in UTC.
INSTANTS = {
    datetime(2026, 6, 15, 9, 0): ("20260615T070000Z", "20260615T083000Z"),
    datetime(2026, 1, 15, 9, 0): ("20260115T080000Z", "20260115T093000Z"),
    datetime(2026, 3, 29, 9, 0): ("20260329T070000Z", "20260329T083000Z"),  # the spring change day
    datetime(2026, 10, 25, 9, 0): ("20261025T080000Z", "20261025T093000Z"),  # the autumn change day
    datetime(2026, 3, 29, 1, 30): ("20260329T003000Z", "20260329T010000Z"),  # across the gap: 01:30 → 03:00
    datetime(2026, 10, 25, 2, 30): ("20261025T003000Z", "20261025T030000Z"),  # first 02:30 → 03:00 winter
}
DURATION = timedelta(minutes=90)


def invitation_calendar(factories, start: datetime, **event_fields) -> bytes:
    """The REQUEST an invitee is sent, read back from the queued message."""
    contact = factories.contact(name=event_fields.pop("contact_name", "Åsa Öberg"))
    event = factories.event(start=start, duration=DURATION, **event_fields)
    created, _ = invite(event, [contact], now=NOW)
    db.session.flush()
    [row] = db.session.query(OutboxMessage).filter(OutboxMessage.dedupe_key.like(f"invite:{created[0].id}:%")).all()
    message = message_from_bytes(row.raw, policy=default_policy)
    inline, attached = calendar_parts(message)
    assert inline == attached
    return inline


@pytest.mark.parametrize("start", list(INSTANTS), ids=[f"{s:%Y-%m-%dT%H%M}" for s in INSTANTS])
def test_independent_parsers_read_the_same_utc_instant(app, factories, start):
    ics = invitation_calendar(factories, start)
    assert not icalendar_errors(ics)
    expected = list(INSTANTS[start])
    assert vobject_instants(ics) == expected
    assert ical_instants(ics) == expected
    assert ics_instants(ics) == expected
    assert [value(ics, "DTSTART"), value(ics, "DTEND")] == expected


def test_the_same_instants_as_icalendar_reads_them(app, factories):
    ics = invitation_calendar(factories, datetime(2026, 6, 15, 9, 0))
    [event] = vevents(ics)
    assert event.decoded("dtstart") == datetime(2026, 6, 15, 7, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 6, 15, 8, 30, tzinfo=UTC)


def test_every_time_is_utc_and_there_is_no_timezone_to_misread(app, factories):
    ics = invitation_calendar(factories, datetime(2026, 6, 15, 9, 0))
    lines = unfolded_lines(ics)
    for name in ("DTSTART", "DTEND", "DTSTAMP", "LAST-MODIFIED"):
        [line] = properties(ics, name)
        assert line.startswith(f"{name}:") and line.endswith("Z"), line  # no TZID, not floating
    assert not any(line.startswith(("BEGIN:VTIMEZONE", "X-WR-TIMEZONE", "RDATE", "DURATION")) for line in lines)
    assert "TZID" not in ics.decode()


def test_version_prodid_and_dtend_after_dtstart(app, factories):
    ics = invitation_calendar(factories, datetime(2026, 6, 15, 9, 0))
    assert value(ics, "VERSION") == "2.0"
    assert "Naringsliv CRM" in value(ics, "PRODID")
    assert value(ics, "DTEND") > value(ics, "DTSTART")


# --- Controls: the parsers do notice a wrong time ------------------------------------------------


def test_control_a_floating_time_is_not_read_as_the_instant():
    assert vobject_instants(FLOATING_ICS)[0] != "20260615T070000Z"
    assert ical_instants(FLOATING_ICS)[0] != "20260615T070000Z"
    assert ics_instants(FLOATING_ICS)[0] != "20260615T070000Z"


def test_control_vobject_is_misled_by_the_generated_rdate_timezone():
    """icalendar's generated VTIMEZONE (transitions as RDATE lists) puts summer time an hour off in vobject."""
    trap = rdate_trap_ics()
    assert b"RDATE" in trap
    assert vobject_instants(trap)[0] != "20260615T070000Z"


def test_control_an_instant_an_hour_off_fails_the_comparison(app, factories):
    ics = invitation_calendar(factories, datetime(2026, 6, 15, 9, 0))
    shifted = ics.replace(b"DTSTART:20260615T070000Z", b"DTSTART:20260615T080000Z")
    assert vobject_instants(shifted) != list(INSTANTS[datetime(2026, 6, 15, 9, 0)])
    assert ical_instants(shifted) != list(INSTANTS[datetime(2026, 6, 15, 9, 0)])
    assert ics_instants(shifted) != list(INSTANTS[datetime(2026, 6, 15, 9, 0)])


# --- Lines, folding and user text ---------------------------------------------------------------


def test_lines_end_in_crlf_and_fold_at_75_octets_without_splitting_characters(app, factories):
    ics = invitation_calendar(
        factories, datetime(2026, 6, 15, 9, 0),
        title="Frukostmöte för åkerier, ölbryggerier och ärliga företagare i Södra Porten med omnejd – höstens stora",
        place="Södra Porten, Alfred Nobels allé 10, plan 3, sammanträdesrummet Ärlan längst in i korridoren",
        description="Återkoppling om bygglov, kompetensförsörjning och lokaler. " * 6,
    )
    assert ics.endswith(b"\r\n")
    assert b"\r" not in ics.replace(b"\r\n", b"") and b"\n" not in ics.replace(b"\r\n", b"")
    physical = ics.split(b"\r\n")[:-1]
    assert max(len(line) for line in physical) <= 75
    assert sum(line.startswith(b" ") for line in physical) > 5  # long values were folded
    for line in physical:
        line.decode("utf-8")  # a fold never splits a UTF-8 character
    assert str(vevents(ics)[0]["SUMMARY"]).endswith("höstens stora")


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "lone-cr"])
def test_user_text_cannot_inject_a_property(app, factories, newline):
    ics = invitation_calendar(
        factories, datetime(2026, 6, 15, 9, 0),
        title=f"Frukost{newline}BEGIN:VEVENT{newline}UID:injected",
        place=f"Kajen{newline}ATTENDEE:mailto:evil@example.com",
        description=f"Program{newline}METHOD:PUBLISH{newline}ORGANIZER:mailto:evil@example.com",
    )  # a contact whose name holds a line break is not invited at all (tests/events/test_invite_bad_rows.py)
    lines = unfolded_lines(ics)
    assert lines.count("BEGIN:VEVENT") == 1
    assert properties(ics, "METHOD") == ["METHOD:REQUEST"]
    assert len(properties(ics, "ATTENDEE")) == 1 and len(properties(ics, "ORGANIZER")) == 1
    assert len(properties(ics, "UID")) == 1
    assert not any(line.startswith(("UID:injected", "ATTENDEE:mailto:evil")) for line in lines)
    [event] = vevents(ics)
    assert "BEGIN:VEVENT" in str(event["SUMMARY"]) and "ATTENDEE:mailto" in str(event["LOCATION"])
    assert str(event["ATTENDEE"]).startswith("mailto:") and "evil" not in str(event["ATTENDEE"])
    assert not icalendar_errors(ics)
    assert len(vobject_instants(ics)) == len(ical_instants(ics)) == len(ics_instants(ics)) == 2  # one event


# --- Input that is naive or does not exist is refused -------------------------------------------


def test_the_spring_gap_time_is_refused():
    with pytest.raises(NonexistentLocalTime):
        stockholm_to_utc(datetime(2026, 3, 29, 2, 30))
    assert stockholm_to_utc(datetime(2026, 3, 29, 3, 0)) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_a_series_through_the_spring_gap_is_refused_with_a_clear_message(app):
    rule = SeriesRule(Frequency.WEEKLY, weekday=6, first_day=datetime(2026, 3, 22).date(),
                      last_day=datetime(2026, 4, 5).date(), start_time=time(2, 30), end_time=time(3, 30))
    with app.test_request_context(), pytest.raises(SeriesRuleError) as refused:
        occurrences(rule)
    assert "2026-03-29" in refused.value.message and "sommartiden" in refused.value.message


def test_a_naive_time_never_reaches_a_calendar():
    item = CalendarItem(uid="naive@test", sequence=0, start=datetime(2026, 6, 15, 9, 0),
                        end=datetime(2026, 6, 15, 10, 0, tzinfo=UTC), summary="Naiv",
                        updated=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar_bytes([item])


def test_dtend_must_be_after_dtstart():
    start = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)
    item = CalendarItem(uid="backwards@test", sequence=0, start=start, end=start, summary="Baklänges",
                        updated=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="DTEND"):
        calendar_bytes([item])

