"""The visit's .ics download, checked by icalendar and by two independent parsers (vobject, ical).

Each checker gets a failing control: input it must NOT read as the right instant, so a checker
that accepts anything cannot make these tests pass.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from icalendar import Calendar, Event

from crm.extensions import db
from crm.visits.models import VisitStatus
from tests.calendar.checks import FLOATING_ICS, ical_instants, icalendar_errors, unfolded_lines, vobject_instants
from tests.support.rows import fresh
from tests.visits.visit_helpers import visit_form

# Stockholm wall-clock start -> the UTC instant, worked out by hand (not by our own code):
# summer +02, winter +01; 2026-03-29 02:00 → 03:00 (+02 from 01:00Z); 2026-10-25 03:00 → 02:00 (+01 from 01:00Z),
# and 02:30 that morning is the first (summer-time) 02:30.
INSTANTS = {
    datetime(2026, 6, 15, 9, 0): "20260615T070000Z",
    datetime(2026, 1, 15, 9, 0): "20260115T080000Z",
    datetime(2026, 3, 29, 3, 0): "20260329T010000Z",
    datetime(2026, 10, 25, 2, 30): "20261025T003000Z",
    datetime(2026, 10, 25, 3, 0): "20261025T020000Z",
}

def download(client, visit) -> bytes:
    response = client.get(f"/besok/{visit.id}/besok.ics")
    assert response.status_code == 200, response.status_code
    return response.data


@pytest.fixture
def staff(login_as):
    return login_as("staff")


def test_a_download_is_an_attachment_without_method_or_attendees(client, staff, factories, users):
    visit = factories.booked_visit(factories.company(name="Kajens Fisk AB"), participants=[users["politician"]],
                                   place="Kajen 3", purpose="Prata om hamnen.")
    db.session.commit()
    response = client.get(f"/besok/{visit.id}/besok.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".ics" in response.headers["Content-Disposition"]
    lines = unfolded_lines(response.data)
    assert not any(line.startswith(("METHOD", "ATTENDEE", "ORGANIZER")) for line in lines)
    assert "SUMMARY:Företagsbesök: Kajens Fisk AB" in lines
    assert "LOCATION:Kajen 3" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "Prata om hamnen." in description and f"{current_app.config['BASE_URL']}/besok/{visit.id}" in description
    assert f"UID:{visit.uid}" in lines and "SEQUENCE:0" in lines
    assert f"DTSTAMP:{fresh(visit).updated_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in lines
    assert not icalendar_errors(response.data)


def test_the_uid_stays_and_the_sequence_rises_across_edits(client, staff, factories):
    visit = factories.booked_visit()
    db.session.commit()
    first = download(client, visit)
    assert download(client, visit) == first  # unchanged: byte-identical
    assert client.post(f"/besok/{visit.id}/redigera", data=visit_form(day="2026-06-15", start_time="10:00",
                                                                      end_time="11:00")).status_code == 302
    second = download(client, visit)
    assert client.post(f"/besok/{visit.id}/redigera", data=visit_form(day="2026-06-15", start_time="10:00",
                                                                      end_time="11:00", place="Nytt ställe")
                       ).status_code == 302
    third = download(client, visit)
    uids = {next(line for line in unfolded_lines(ics) if line.startswith("UID:")) for ics in (first, second, third)}
    assert uids == {f"UID:{visit.uid}"}
    sequences = [int(next(line for line in unfolded_lines(ics) if line.startswith("SEQUENCE:"))[9:])
                 for ics in (first, second, third)]
    assert sequences == sorted(sequences) and sequences[0] < sequences[1] < sequences[2]
    assert "DTSTART:20260615T080000Z" in unfolded_lines(third)


def test_lines_end_in_crlf_and_fold_at_75_octets(client, staff, factories):
    visit = factories.booked_visit(
        factories.company(name="Ängsö Åkeri & Öländsk Ölhandel Aktiebolag med ett mycket långt namn i registret"),
        place="Södra Porten, Alfred Nobels allé 10, plan 3, sammanträdesrummet Ärlan längst in i korridoren",
        purpose="Återkoppling om bygglov, kompetensförsörjning och lokaler. " * 5,
    )
    db.session.commit()
    ics = download(client, visit)
    assert ics.endswith(b"\r\n")
    assert b"\r" not in ics.replace(b"\r\n", b"") and b"\n" not in ics.replace(b"\r\n", b"")
    physical = ics.split(b"\r\n")[:-1]
    assert max(len(line) for line in physical) <= 75
    assert any(line.startswith(b" ") for line in physical)  # something was folded
    for line in physical:
        line.decode("utf-8")  # no UTF-8 character split across a fold


def test_user_text_cannot_inject_lines(client, staff, factories):
    visit = factories.booked_visit(
        factories.company(name="Ond AB\r\nBEGIN:VEVENT\r\nUID:injected-company"),
        place="Kajen\r\nBEGIN:VEVENT\r\nATTENDEE:mailto:evil@example.com",
        purpose="Syfte\rMETHOD:REQUEST\nSUMMARY:Falsk",
    )
    db.session.commit()
    ics = download(client, visit)
    lines = unfolded_lines(ics)
    assert lines.count("BEGIN:VEVENT") == 1
    assert not any(line.startswith(("UID:injected", "ATTENDEE", "METHOD", "SUMMARY:Falsk")) for line in lines)
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == 1
    assert "BEGIN:VEVENT" in str(events[0]["LOCATION"]) and "ATTENDEE:mailto" in str(events[0]["LOCATION"])
    assert "UID:injected-company" in str(events[0]["SUMMARY"])
    assert not icalendar_errors(ics)
    assert len(vobject_instants(ics)) == 2 and len(ical_instants(ics)) == 2  # one event for them too


def test_icalendar_checker_sees_errors_in_a_broken_file():
    """Control: the `.errors` check is not vacuous."""
    broken = FLOATING_ICS.replace(b"DTSTART:20260615T090000", b"DTSTART:20261325T250000Z")
    assert icalendar_errors(broken)


@pytest.mark.parametrize("start", list(INSTANTS), ids=[f"{s:%Y-%m-%dT%H%M}" for s in INSTANTS])
def test_two_independent_parsers_read_the_same_utc_instant(client, staff, factories, start):
    visit = factories.booked_visit(start=start, duration=timedelta(hours=1))
    db.session.commit()
    ics = download(client, visit)
    assert not icalendar_errors(ics)
    expected_start = INSTANTS[start]
    expected_end = (datetime.strptime(expected_start, "%Y%m%dT%H%M%SZ") + timedelta(hours=1)).strftime(
        "%Y%m%dT%H%M%SZ"
    )
    if start == datetime(2026, 10, 25, 2, 30):  # 03:30 winter time is two real hours after 02:30 summer time
        expected_end = "20261025T023000Z"
    assert vobject_instants(ics) == [expected_start, expected_end]
    assert ical_instants(ics) == [expected_start, expected_end]


def test_control_a_floating_time_is_not_read_as_the_instant():
    """Control for both parsers: a floating 09:00 is not 07:00Z."""
    assert vobject_instants(FLOATING_ICS)[0] != "20260615T070000Z"
    assert ical_instants(FLOATING_ICS)[0] != "20260615T070000Z"


def test_control_vobject_catches_the_generated_rdate_timezone():
    """Control for vobject: icalendar's generated RDATE VTIMEZONE puts summer time an hour off (see CALENDAR.md)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Test//Control//SV")
    calendar.add("version", "2.0")
    event = Event()
    stockholm = ZoneInfo("Europe/Stockholm")
    event.add("uid", "rdate-trap@test")
    event.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
    event.add("dtstart", datetime(2026, 6, 15, 9, 0, tzinfo=stockholm))
    event.add("dtend", datetime(2026, 6, 15, 10, 0, tzinfo=stockholm))
    event.add("summary", "Fälla")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    assert vobject_instants(calendar.to_ical())[0] != "20260615T070000Z"


def test_a_proposed_visit_has_no_download(client, staff, factories):
    visit = factories.visit(status=VisitStatus.PROPOSED, start=datetime(2026, 6, 15, 9, 0))
    db.session.commit()
    assert client.get(f"/besok/{visit.id}/besok.ics").status_code == 404


def test_a_cancelled_visit_downloads_as_a_cancelled_item_at_a_higher_sequence(client, staff, factories):
    from crm.visits.services import cancel

    visit = factories.visit(status=VisitStatus.BOOKED, start=datetime(2026, 6, 15, 9, 0))
    db.session.commit()
    booked = download(client, visit)
    assert "STATUS:CONFIRMED" in unfolded_lines(booked)

    cancel(fresh(visit), "Företaget ställde in.")
    db.session.commit()
    cancelled = download(client, visit)

    lines = unfolded_lines(cancelled)
    assert "STATUS:CANCELLED" in lines
    [before] = Calendar.from_ical(booked).walk("VEVENT")
    [after] = Calendar.from_ical(cancelled).walk("VEVENT")
    assert str(after["UID"]) == str(before["UID"]) == visit.uid
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == before.decoded("DTSTART")
    assert not icalendar_errors(cancelled)
    assert not [line for line in lines if line.startswith(("METHOD", "ATTENDEE"))]


def test_a_done_visit_downloads(client, staff, factories):
    visit = factories.visit(status=VisitStatus.DONE, start=datetime(2026, 6, 15, 9, 0))
    db.session.commit()
    assert "STATUS:CONFIRMED" in unfolded_lines(download(client, visit))
