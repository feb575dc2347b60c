"""What a queued message looks like when it reaches a real SMTP server: MIME tree, headers, nothing injected."""

from __future__ import annotations

import re

import pytest

from crm.extensions import db
from crm.mail.compose import CalendarPart, message_id_for
from crm.mail.delivery import deliver_due
from tests.mail.helpers import HTML, NOW, SUBJECT, TEXT, by_key, outbox_count, queue_message

ICS = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//Näringsliv CRM//SV\r\n"
    "METHOD:{method}\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:visit-17@example.se\r\n"
    "SEQUENCE:0\r\n"
    "DTSTAMP:20261123T080000Z\r\n"
    "DTSTART:20261201T080000Z\r\n"
    "DTEND:20261201T090000Z\r\n"
    "SUMMARY:Företagsbesök hos Åbyvik Bygg AB\r\n"
    "ORGANIZER;CN=Näringslivsenheten:mailto:naringsliv@example.se\r\n"
    "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:asa@example.se\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def header_block(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def lines(text: str) -> str:
    """A decoded body's text with the wire's CRLF line ends read as plain newlines."""
    return text.replace("\r\n", "\n")


def test_a_plain_message_arrives_as_text_and_html_alternatives(app, smtp):
    assert queue_message("plain:1") is True
    db.session.commit()

    assert deliver_due(NOW).sent == 1

    [received] = smtp.messages
    assert received.mail_from == "naringsliv@example.se"
    assert received.rcpt_tos == ["asa@example.se"]
    head = header_block(received.data)
    assert b"Subject: =?utf-8?" in head, "a Swedish subject is RFC 2047 encoded"
    assert all(byte < 128 for byte in received.data), "the whole message is 7-bit"
    message = received.message
    assert message["Subject"] == SUBJECT
    assert message["Date"].datetime == NOW
    assert message["Message-ID"] == by_key("plain:1").message_id == message_id_for("plain:1", app.config["MAIL_FROM"])
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.se>", message["Message-ID"])
    assert message["To"].addresses[0].display_name == "Åsa Öberg"
    assert message["From"].addresses[0].display_name == "Näringslivsenheten"
    assert message["Content-Language"] == "sv"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    plain, html = message.iter_parts()
    assert plain.get_content_charset() == "utf-8"
    assert lines(plain.get_content()) == TEXT
    assert lines(html.get_content()) == HTML


@pytest.mark.parametrize(("method", "filename"), [("REQUEST", "inbjudan.ics"), ("CANCEL", "avbokning.ics")])
def test_an_invitation_is_an_imip_tree_with_the_same_bytes_attached(app, smtp, method, filename):
    ics = ICS.format(method=method).encode("utf-8")
    queue_message("invite:17:0", calendar=CalendarPart(ics, method, filename))
    db.session.commit()

    assert deliver_due(NOW).sent == 1

    [received] = smtp.messages
    message = received.message
    assert message.get_content_type() == "multipart/mixed"
    assert message["Subject"] == SUBJECT
    assert message["Content-Language"] == "sv"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["multipart/alternative", "application/ics"]
    alternative, attachment = parts
    inner = list(alternative.iter_parts())
    assert [part.get_content_type() for part in inner] == ["text/plain", "text/html", "text/calendar"]
    assert lines(inner[0].get_content()) == TEXT
    calendar = inner[2]
    assert calendar.get_param("method") == method
    assert calendar.get_param("charset") == "UTF-8"
    assert calendar.get_content_disposition() is None, "the calendar alternative is shown inline"
    assert calendar.get_payload(decode=True) == ics
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == filename
    assert attachment.get_payload(decode=True) == ics
    assert ics.count(b"\r\n") == ics.count(b"\n") == 15, "every line still ends in CRLF"


def test_the_message_id_depends_on_the_key_only():
    sender = "Näringslivsenheten <naringsliv@example.se>"
    assert message_id_for("digest:4:2026-11-23", sender) == message_id_for("digest:4:2026-11-23", sender)
    assert message_id_for("digest:4:2026-11-23", sender) != message_id_for("digest:4:2026-11-24", sender)


def test_a_line_break_in_the_subject_adds_no_header(app, smtp):
    queue_message("inject:subject", to="anna@example.se",
                  subject="Möte i morgon\r\nBcc: inkrktare@example.com\nX-Evil: 1")
    db.session.commit()

    deliver_due(NOW)

    [received] = smtp.messages
    assert received.rcpt_tos == ["anna@example.se"]
    head = header_block(received.data)
    assert b"\r\nBcc:" not in head and b"\r\nX-Evil:" not in head
    assert received.message["Subject"] == "Möte i morgon Bcc: inkrktare@example.com X-Evil: 1"


@pytest.mark.parametrize(
    "to",
    [
        "Anna\r\nBcc: evil@example.com <anna@example.se>",  # a lenient parser would send this to evil@
        "Anna <anna@example.se>\r\nBcc: evil@example.com",
        "Anna\n <anna@example.se>",
        "anna@example.se\rX-Evil: 1",
        "anna@example.se, evil@example.com",
        "Svensson, Anna <anna@example.se>",
        "inte en adress",
    ],
)
def test_a_recipient_that_is_not_one_clean_address_is_refused(app, to):
    with pytest.raises(ValueError):
        queue_message("inject:to", to=to)
    db.session.rollback()
    assert outbox_count() == 0


def test_a_quoted_name_with_a_comma_is_one_recipient(app, smtp):
    queue_message("name:comma", to='"Svensson, Anna" <anna@example.se>')
    db.session.commit()

    deliver_due(NOW)

    [received] = smtp.messages
    assert received.rcpt_tos == ["anna@example.se"]
    assert received.message["To"].addresses[0].display_name == "Svensson, Anna"
