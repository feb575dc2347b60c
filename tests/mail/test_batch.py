"""Many messages at once: the same bytes as one by one, one INSERT for all, and delivery in a few statements."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import formataddr

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.mail.compose import CalendarPart, MessageBatch, _header, _message_id_header, build_message, message_id_for
from crm.mail.delivery import deliver_due
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.mail.outbox import Outgoing, queue_many
from tests.mail.helpers import NOW, by_key, queue_message, without_boundaries

DATE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SENDER = "Näringslivsenheten <naringsliv@example.se>"

TEXTS = [
    "Hej Åsa!\n\nEn lång rad " + "ordentligt lång " * 12 + "\nslutar med mellanslag  \n\ttabb\t\n",
    "",
    "a\r\nb\rc\n",
    "=" * 100 + " \n" + "é" * 80,
    "From here\n.\nsista rad utan radslut",
    "kontroll\x0btecken\x85 och \u2028 radskift\n" + "ä" * 75 + " ",
]
NAMES = ["Åsa Öberg", "O'Brien, Pat", 'Kalle "K" Anka', "Ett mycket långt namn " * 5, "Ämne Ü " * 10, ""]


@pytest.mark.parametrize("method", [None, "REQUEST", "CANCEL"])
@pytest.mark.parametrize("subject", ["Inbjudan: Frukost 2026-12-01 08:00", "Ämne med åäö " * 8])
def test_a_batch_message_is_byte_for_byte_the_one_built_alone(method, subject):
    batch = MessageBatch(sender=SENDER, subject=subject, date=DATE, reply_to="svar@example.se", method=method,
                         filename="inbjudan.ics")
    for text in TEXTS:
        for name in NAMES:
            to = [formataddr((name, "mottagare@example.se"))]
            calendar = (text.encode("utf-8") * 3 + b"\r\nBEGIN:VCALENDAR\r\n") if method else None
            fields = dict(to=to, message_id=message_id_for(f"k:{name}:{text}", SENDER), text=text,
                          html=f"<p>{text}</p>")
            made = batch.build(**fields, calendar=calendar)
            alone = build_message(
                sender=SENDER, subject=subject, date=DATE, reply_to="svar@example.se", **fields,
                calendar=CalendarPart(calendar, method, "inbjudan.ics") if method else None,
            ).as_bytes()
            assert without_boundaries(made) == without_boundaries(alone), (text, name)


@pytest.mark.parametrize("key", ["invite:1:0", "digest:12:2026-11-23", "å" * 300])
@pytest.mark.parametrize("sender", [SENDER, "crm@a-very-long-subdomain.of.a-municipality.example.se"])
def test_a_message_id_is_written_as_the_header_registry_writes_it(key, sender):
    message_id = message_id_for(key, sender)
    assert _message_id_header(message_id) == _header("Message-ID", message_id)


def _outgoing(key: str, **fields) -> Outgoing:
    fields.setdefault("to", "Åsa Öberg <asa@example.se>")
    return Outgoing(key, kind="visit-reminder", subject=fields.pop("subject", "Påminnelse"), text="Hej!\n",
                    html="<p>Hej!</p>\n", **fields)


def test_queue_many_adds_only_new_keys_in_one_statement(app, count_queries):
    queue_message("many:2")
    db.session.commit()

    with count_queries() as log:
        added = queue_many([_outgoing(f"many:{n}") for n in range(5)], now=NOW)

    assert added == {"many:0", "many:1", "many:3", "many:4"}
    assert log.count == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 5
    assert by_key("many:3").recipient_list == ["asa@example.se"]
    assert by_key("many:3").message_id == message_id_for("many:3", app.config["MAIL_FROM"])


def test_queue_many_is_undone_by_a_rollback(app):
    queue_many([_outgoing(f"undone:{n}") for n in range(3)], now=NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_messages_of_different_shapes_in_one_call_each_keep_theirs(app):
    queue_many([
        _outgoing("shape:1", subject="Ett"), _outgoing("shape:2", subject="Ett"), _outgoing("shape:3", subject="Två"),
        _outgoing("shape:4", calendar=CalendarPart(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "REQUEST")),
    ], now=NOW)
    db.session.commit()
    assert [by_key(f"shape:{n}").subject for n in range(1, 5)] == ["Ett", "Ett", "Två", "Påminnelse"]
    assert b"text/calendar" in by_key("shape:4").raw and b"text/calendar" not in by_key("shape:1").raw


def test_delivery_writes_each_message_before_and_after_it_is_sent_and_nothing_more(app, smtp, count_queries):
    count = 30
    queue_many([_outgoing(f"run:{n}") for n in range(count)], now=NOW)
    db.session.commit()

    with count_queries() as log:
        report = deliver_due(NOW, limit=count)

    assert (report.claimed, report.sent) == (count, count)
    assert len(smtp.messages) == count
    # The claim, one read of the claimed messages, "sending" and the outcome per message, and the final
    # giving back of anything claimed and not attempted.
    assert log.count == 2 + 2 * count + 1
    statuses = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    assert statuses == [(OutboxStatus.SENT, count)]


def test_a_claim_takes_no_more_than_its_limit(app):
    queue_many([_outgoing(f"limit:{n}") for n in range(12)], now=NOW)
    db.session.commit()

    report = deliver_due(NOW, limit=5)

    assert report.claimed == 5
    assert db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
    ) == 7
