"""Invitations by e-mail (iMIP, RFC 6047) as a real SMTP server receives them.

Each invitee gets a message of their own: the MIME tree Outlook and Gmail need to show Accept/Decline,
a REQUEST naming them as the only ATTENDEE, the RSVP links; updates, the cancellation and an
uninvitation keep the event's UID and raise the SEQUENCE. The checkers are shown to fail on bad input.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import pytest

from crm.events.invitations import cancel_event, invite, links, send_updates, uninvite
from crm.extensions import db
from crm.mail.compose import message_id_for
from crm.mail.delivery import deliver_due
from tests.calendar.checks import calendar_parts, icalendar_errors, properties, unfolded_lines, value

NOW = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
ORGANIZER = "naringsliv@example.se"  # MAIL_FROM in the test configuration
PEOPLE = (("Åsa Öberg", "asa.oberg"), ("Björn Lind", "bjorn.lind"), ("Cecilia Ek", "cecilia.ek"))


@pytest.fixture
def event(factories):
    return factories.event(title="Frukostmöte om kompetensförsörjning", start=datetime(2026, 12, 4, 7, 30),
                           place="Stadshuset, Stora salen", description="Kaffe och smörgås från 07.15.")


@pytest.fixture
def contacts(factories):
    company = factories.company(name="Åbyvik Bygg AB")
    return [factories.contact(company, name=name, email=f"{local}@foretag{i}.example")
            for i, (name, local) in enumerate(PEOPLE)]


def received(smtp, since: int = 0):
    """(recipient address, parsed message, raw bytes) of each message received after the first `since`."""
    return [(m.rcpt_tos, m.message, m.data) for m in smtp.messages[since:]]


def assert_request(ics: bytes, recipient: str, name: str) -> None:
    """The checks Outlook's Accept/Decline depends on (CALENDAR.md, iMIP)."""
    lines = unfolded_lines(ics)
    assert value(ics, "METHOD") == "REQUEST"
    organizer = properties(ics, "ORGANIZER")
    assert organizer == [f"ORGANIZER;CN=Näringslivsenheten:mailto:{ORGANIZER}"], organizer
    attendees = properties(ics, "ATTENDEE")
    assert len(attendees) == 1, attendees
    attendee = attendees[0]
    assert attendee.endswith(f":mailto:{recipient}"), attendee
    for parameter in ("ROLE=REQ-PARTICIPANT", "PARTSTAT=NEEDS-ACTION", "RSVP=TRUE", f'CN="{name}"'):
        assert parameter in attendee.split(":mailto:")[0].split(";"), (parameter, attendee)
    for required in ("DTSTART", "DTEND", "SUMMARY", "UID", "DTSTAMP", "SEQUENCE"):
        assert len(properties(ics, required)) == 1, required
    assert "STATUS:CONFIRMED" in lines
    assert not icalendar_errors(ics)


def assert_cancel(ics: bytes, recipient: str) -> None:
    assert value(ics, "METHOD") == "CANCEL"
    assert value(ics, "STATUS") == "CANCELLED"
    attendees = properties(ics, "ATTENDEE")
    assert len(attendees) == 1 and attendees[0].endswith(f":mailto:{recipient}"), attendees
    assert not icalendar_errors(ics)


def test_three_invitees_get_one_message_each_that_names_only_them(app, smtp, event, contacts):
    created, plan = invite(event, contacts, now=NOW)
    db.session.commit()
    assert len(created) == 3 and not plan.excluded

    report = deliver_due(NOW)

    assert report.sent == 3
    assert len(smtp.messages) == 3
    envelopes = {tuple(m.rcpt_tos): m for m in smtp.messages}
    assert set(envelopes) == {(contact.email,) for contact in contacts}  # one envelope recipient each
    for invitation in created:
        delivered = envelopes[(invitation.email,)]
        message, raw = delivered.message, delivered.data
        assert parseaddr(str(message["To"]))[1] == invitation.email
        assert message.get_all("Cc") is None and message.get_all("Bcc") is None
        for other in contacts:
            if other.email != invitation.email:
                assert other.email.encode() not in raw, other.email
                assert other.email.split("@")[0].encode() not in raw.lower()
                assert other.name.split()[0].encode() not in raw
        # The organizer's mailbox is the sender and the ORGANIZER, never a recipient.
        assert ORGANIZER not in delivered.rcpt_tos


def test_the_mime_tree_headers_and_calendar_of_an_invitation(app, smtp, event, contacts):
    created, _ = invite(event, contacts[:1], now=NOW)
    db.session.commit()
    [invitation] = created
    deliver_due(NOW)
    [(_, message, raw)] = received(smtp)

    # multipart/mixed → [multipart/alternative → (text/plain, text/html, text/calendar)] + application/ics
    assert message.get_content_type() == "multipart/mixed"
    top = message.get_payload()
    assert [part.get_content_type() for part in top] == ["multipart/alternative", "application/ics"]
    alternative = top[0].get_payload()
    assert [part.get_content_type() for part in alternative] == ["text/plain", "text/html", "text/calendar"]
    calendar_part = alternative[2]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_param("charset").upper() == "UTF-8"
    attachment = top[1]
    assert attachment.get_filename() == "inbjudan.ics"
    assert attachment.get_content_disposition() == "attachment"
    inline, attached = calendar_parts(message)
    assert inline == attached
    assert inline.count(b"\r\n") == inline.count(b"\n") and inline.endswith(b"\r\n")  # CRLF survived

    # Headers: an RFC 2047 subject, Date, a deterministic Message-ID.
    raw_subject = re.search(rb"^Subject: (.*(?:\r\n[ \t].*)*)", raw, re.M).group(1)
    assert b"=?utf-8?" in raw_subject.lower() and raw_subject.isascii()
    assert str(message["Subject"]) == "Inbjudan: Frukostmöte om kompetensförsörjning 2026-12-04 07:30"
    assert message["Date"] is not None and message["Date"].datetime == NOW
    assert message["Message-ID"] == message_id_for(f"invite:{invitation.id}:0", app.config["MAIL_FROM"])
    assert parseaddr(str(message["From"]))[1] == ORGANIZER

    # The calendar: a REQUEST for this invitee alone, at the stored UID, times in UTC.
    assert_request(inline, invitation.email, invitation.name)
    assert value(inline, "UID") == event.uid
    assert value(inline, "SEQUENCE") == "0"
    assert value(inline, "DTSTART") == "20261204T063000Z"
    assert value(inline, "DTEND") == "20261204T080000Z"
    assert value(inline, "DTSTAMP") == "20261102T091500Z"  # with a METHOD: when the message was made
    assert value(inline, "SUMMARY") == "Frukostmöte om kompetensförsörjning"
    assert value(inline, "LOCATION") == "Stadshuset\\, Stora salen"

    # The text and HTML parts carry the ja / nej / kanske links and the opt-out link.
    text, html = alternative[0].get_content(), alternative[1].get_content()
    expected = links(invitation)
    for key in ("yes", "no", "maybe", "opt_out"):
        assert expected[key] in text, key
        assert f'href="{expected[key]}"' in html, key
    assert expected["yes"].endswith("?svar=ja") and expected["no"].endswith("?svar=nej")
    assert expected["maybe"].endswith("?svar=kanske") and expected["opt_out"].endswith("/avregistrera")


def test_the_links_in_the_mail_open_the_answer_page(app, client, smtp, event, contacts):
    created, _ = invite(event, contacts[:1], now=NOW)
    db.session.commit()
    [invitation] = created
    for key, answer in (("yes", "ja"), ("no", "nej"), ("maybe", "kanske")):
        path = links(invitation)[key].removeprefix(app.config["BASE_URL"])
        response = client.get(path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Frukostmöte om kompetensförsörjning" in page
        assert re.search(rf'value="{answer}"[^>]*checked|checked[^>]*value="{answer}"', page), answer
    db.session.expire_all()
    assert db.session.get(type(invitation), invitation.id).answer is None  # following a link saves nothing
    opt_out = links(invitation)["opt_out"].removeprefix(app.config["BASE_URL"])
    assert client.get(opt_out).status_code == 200


def test_an_update_keeps_the_uid_raises_the_sequence_and_goes_to_everyone(app, smtp, event, contacts):
    invite(event, contacts, now=NOW)
    db.session.commit()
    deliver_due(NOW)
    first = {rcpt[0]: calendar_parts(message)[0] for rcpt, message, _ in received(smtp)}

    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    assert send_updates(event, LATER) == 3
    db.session.commit()
    deliver_due(LATER)

    updates = received(smtp, since=3)
    assert sorted(rcpt[0] for rcpt, _, _ in updates) == sorted(contact.email for contact in contacts)
    for rcpt, message, _ in updates:
        ics = calendar_parts(message)[0]
        contact = next(c for c in contacts if c.email == rcpt[0])
        assert_request(ics, contact.email, contact.name)
        assert value(ics, "UID") == value(first[rcpt[0]], "UID") == event.uid
        assert int(value(ics, "SEQUENCE")) > int(value(first[rcpt[0]], "SEQUENCE"))
        assert value(ics, "DTSTART") == "20261204T073000Z"
        assert str(message["Subject"]).startswith("Ändrad tid eller plats: ")


def test_a_change_invitees_cannot_see_sends_no_update(app, smtp, event, contacts):
    invite(event, contacts, now=NOW)
    db.session.commit()
    sequence = event.sequence

    event.description = "Ny text om programmet."
    assert send_updates(event, LATER) == 0
    db.session.commit()
    assert event.sequence == sequence  # planned → invited (inviting) and a description are not revisions


def test_cancelling_sends_a_cancel_above_the_last_request_to_everyone(app, smtp, event, contacts):
    invite(event, contacts, now=NOW)
    db.session.commit()
    event.place = "Biblioteket"
    send_updates(event, NOW)
    db.session.commit()
    deliver_due(NOW)
    last_request = max(int(value(calendar_parts(message)[0], "SEQUENCE")) for _, message, _ in received(smtp))

    assert cancel_event(event, LATER) == 3
    db.session.commit()
    deliver_due(LATER)

    cancels = received(smtp, since=6)
    assert sorted(rcpt[0] for rcpt, _, _ in cancels) == sorted(contact.email for contact in contacts)
    for rcpt, message, _ in cancels:
        inline, attached = calendar_parts(message)
        assert inline == attached
        assert_cancel(inline, rcpt[0])
        assert value(inline, "UID") == event.uid
        assert int(value(inline, "SEQUENCE")) > last_request
        calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        assert calendar_part.get_param("method") == "CANCEL"
        attachment = next(p for p in message.walk() if p.get_content_type() == "application/ics")
        assert attachment.get_filename() == "avbokning.ics"


def test_uninviting_one_person_sends_a_cancel_to_that_person_only(app, smtp, event, contacts):
    created, _ = invite(event, contacts, now=NOW)
    db.session.commit()
    deliver_due(NOW)
    request_sequence = int(value(calendar_parts(received(smtp)[0][1])[0], "SEQUENCE"))
    leaving = created[1]

    assert uninvite(leaving, LATER) is True
    db.session.commit()
    deliver_due(LATER)

    [(rcpt, message, raw)] = received(smtp, since=3)
    assert rcpt == [leaving.email]
    assert parseaddr(str(message["To"]))[1] == leaving.email
    for other in (created[0], created[2]):
        assert other.email.encode() not in raw
    inline, attached = calendar_parts(message)
    assert inline == attached
    assert_cancel(inline, leaving.email)
    assert value(inline, "UID") == event.uid
    assert int(value(inline, "SEQUENCE")) > request_sequence
    assert next(p for p in message.walk() if p.get_content_type() == "application/ics").get_filename() == \
        "avbokning.ics"


def test_the_organizer_mailbox_is_never_invited_to_its_own_event(app, smtp, factories, event, contacts):
    unit = factories.contact(name="Näringslivsenheten", email="Naringsliv@Example.se")
    created, plan = invite(event, [*contacts, unit], now=NOW)
    db.session.commit()
    deliver_due(NOW)

    assert [exclusion.contact.id for exclusion in plan.excluded] == [unit.id]
    assert all(ORGANIZER not in [address.lower() for address in m.rcpt_tos] for m in smtp.messages)
    assert len(smtp.messages) == 3


# --- Controls: the checkers above reject what they should ---------------------------------------


GOOD_REQUEST = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Control//SV\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    b"UID:control@test\r\nDTSTAMP:20261102T091500Z\r\nSEQUENCE:0\r\nDTSTART:20261204T063000Z\r\n"
    b"DTEND:20261204T080000Z\r\nSUMMARY:Kontroll\r\nSTATUS:CONFIRMED\r\n"
    b"ORGANIZER;CN=N\xc3\xa4ringslivsenheten:mailto:naringsliv@example.se\r\n"
    b'ATTENDEE;CN="\xc3\x85sa \xc3\x96berg";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:'
    b"mailto:asa@x.example\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_control_the_request_checker_accepts_a_good_request():
    assert_request(GOOD_REQUEST, "asa@x.example", "Åsa Öberg")


@pytest.mark.parametrize("broken", [
    GOOD_REQUEST.replace(b"METHOD:REQUEST", b"METHOD:PUBLISH"),
    GOOD_REQUEST.replace(b"END:VEVENT", b"ATTENDEE:mailto:other@x.example\r\nEND:VEVENT"),
    GOOD_REQUEST.replace(b"RSVP=TRUE", b"RSVP=FALSE"),
    GOOD_REQUEST.replace(b"DTEND:20261204T080000Z\r\n", b""),
    GOOD_REQUEST.replace(b"DTSTART:20261204T063000Z", b"DTSTART:20261304T253000Z"),
], ids=["publish", "two-attendees", "no-rsvp", "no-dtend", "invalid-date"])
def test_control_the_request_checker_rejects_a_broken_request(broken):
    with pytest.raises(AssertionError):
        assert_request(broken, "asa@x.example", "Åsa Öberg")


def test_control_icalendar_records_errors_for_a_broken_file():
    assert not icalendar_errors(GOOD_REQUEST)
    assert icalendar_errors(GOOD_REQUEST.replace(b"DTSTART:20261204T063000Z", b"DTSTART:20261304T253000Z"))
