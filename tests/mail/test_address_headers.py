"""Addresses in headers: built from a display name and an addr-spec, read back the same by the stdlib
parser however long or odd the name, and no name can add a header."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest

from crm.mail.compose import Unsendable, build_message, recipient
from crm.mail.outbox import Outgoing, queue, queue_many
from tests.events.helpers import outbox

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

NAMES = [
    'Kalle "Kula" Karlsson',
    'Anna-Karin "AK" Svensson, Ekonomichef; Näringslivsenheten Göteborgs Stad',  # ", ; å ä ö and folded
    'Svensson, Anna-Karin "Kajsa" Maria Elisabet Charlotta Louise Margareta Ingrid',  # ASCII, folded
    'Maximiliana "Maja" Josefina Ulrika Eleonora Charlotta von Kräftgren-Östergötland af Söderby',
    'Back\\slash "och" citat; ' + "långt " * 20 + "slut",
    "Åsa Öberg",
]


def _message(*to) -> bytes:
    return build_message(sender="Näringslivsenheten <crm@example.se>", to=list(to), subject="Hej", text="t",
                         html="<p>t</p>", message_id="<id@example.se>", date=NOW).as_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_a_display_name_reads_back_the_same_from_the_to_header(name):
    raw = _message(recipient(name, "anna@example.se"), recipient("Bo Ek", "bo@example.se"))

    parsed = message_from_bytes(raw, policy=default)
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        (name, "anna@example.se"), ("Bo Ek", "bo@example.se"),
    ]
    head = raw.split(b"\r\n\r\n")[0]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))


def test_a_long_quoted_name_is_folded_without_losing_its_quotes():
    name = 'Svensson, Anna-Karin "Kajsa" Maria Elisabet Charlotta Louise Margareta Ingrid'
    raw = _message(recipient(name, "anna@example.se"))
    to_lines = raw.split(b"\r\nSubject:")[0].split(b"To:")[1]
    assert b"\r\n " in to_lines  # folded
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n"))
    assert message_from_bytes(raw, policy=default)["To"].addresses[0].display_name == name


@pytest.mark.parametrize("name", ["Anna\r\nBcc: x@evil.example", "Anna\nBcc: x@evil.example", "Anna\rBcc: x@evil",
                                  "Anna\x85Bcc: x@evil.example", "Anna\u2028Bcc: x@evil.example"])
def test_a_name_with_a_line_break_never_adds_a_header(app, name):
    raw = _message(recipient(name, "anna@example.se"))
    parsed = message_from_bytes(raw, policy=default)
    assert parsed["Bcc"] is None and b"\nBcc:" not in raw
    assert [a.addr_spec for a in parsed["To"].addresses] == ["anna@example.se"]

    assert queue("k1", kind="test", to=recipient(name, "anna@example.se"), subject="s", text="t", html="h", now=NOW)
    row = outbox("k1")[0]
    assert message_from_bytes(row.raw, policy=default)["Bcc"] is None and row.recipients == "anna@example.se"


@pytest.mark.parametrize("email", ["anna@example.se\r\nBcc: x@evil.example", "anna@example.se\x00",
                                   "anna@example.se, x@evil.example", "Anna <anna@example.se>", ""])
def test_an_address_that_is_not_one_plain_address_is_refused_not_repaired(email):
    with pytest.raises(Unsendable):
        recipient("Anna", email)


def test_queue_many_reports_and_skips_a_message_it_cannot_make_and_queues_the_rest(app):
    good = [Outgoing(f"batch:{n}", "test", recipient(f"Person {n}", f"p{n}@example.se"), "s", "t", "h")
            for n in range(3)]
    bad = Outgoing("batch:bad", "test", "anna@example.se\r\nBcc: x@evil.example", "s", "t", "h")
    refused: list[Outgoing] = []

    added = queue_many([good[0], bad, *good[1:]], NOW, refused=refused)

    assert added == {"batch:0", "batch:1", "batch:2"} and refused == [bad]
    assert sorted(row.dedupe_key for row in outbox("batch:")) == ["batch:0", "batch:1", "batch:2"]
    with pytest.raises(Unsendable):
        queue_many([bad], NOW)
