"""The outbox's gate (crm.mail.gate): mail to people never reaches a contact person who objected (by their own
address or another one the inbox knows for them) or a Reklamspärr company's generic address; staff mail is
not gated; a message with two recipients keeps the allowed one; one query per queue_many call; an unknown
kind is refused."""

from __future__ import annotations

import logging
from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import func, select

from crm.companies.models import ObjectionScope
from crm.extensions import db
from crm.inbox.models import KnownAddress
from crm.mail import gate, kinds, services
from crm.mail.kinds import UnknownKind
from crm.mail.models import OutboxMessage
from crm.mail.outbox import Outgoing, queue, queue_many
from tests.mail.helpers import NOW


def _object(contact) -> None:
    contact.objection = True
    contact.objection_on = date(2026, 11, 30)
    contact.objection_scope = ObjectionScope.MAILINGS


def _queue(key: str, to, kind: str = "event-reminder") -> bool:
    return queue(key, kind=kind, to=to, subject="Påminnelse", text="Hej!\n", html="<p>Hej!</p>\n", now=NOW)


def _rows() -> dict[str, OutboxMessage]:
    db.session.expire_all()
    return {row.dedupe_key: row for row in db.session.scalars(select(OutboxMessage))}


def _to_header(row: OutboxMessage) -> str:
    return str(message_from_bytes(row.raw, policy=default_policy)["To"])


def test_an_objecting_contact_gets_no_mail_to_people_and_one_who_may_does(app, factories):
    objecting = factories.contact(name="Bertil Berg", email="bertil@foretag.example")
    allowed = factories.contact(name="Anna Ek", email="anna@foretag.example")
    _object(objecting)
    db.session.flush()

    assert not _queue("r:bertil", f"Bertil Berg <{objecting.email}>")
    assert _queue("r:anna", f"Anna Ek <{allowed.email}>")

    assert set(_rows()) == {"r:anna"}


def test_the_address_is_compared_whatever_its_case_and_spaces(app, factories):
    objecting = factories.contact(email="bertil@foretag.example")
    _object(objecting)
    db.session.flush()

    assert not _queue("r:upper", "Bertil Berg <Bertil@FORETAG.Example>")
    assert not _queue("r:bare", "BERTIL@foretag.example")
    assert _rows() == {}


def test_the_other_addresses_the_inbox_knows_for_an_objecting_person_are_blocked_too(app, factories):
    objecting = factories.contact(email="bertil@foretag.example")
    other = factories.contact(email="cecilia@foretag.example")
    _object(objecting)
    # Stored as a reply came in; one in capitals too, as an older row might be.
    db.session.add_all([KnownAddress(contact_id=objecting.id, email="bertil.privat@post.example"),
                        KnownAddress(contact_id=objecting.id, email="B.Berg@Forward.Example"),
                        KnownAddress(contact_id=other.id, email="cecilia.privat@post.example")])
    db.session.flush()

    assert not _queue("r:alias", "bertil.privat@post.example")
    assert not _queue("r:forward", "b.berg@forward.example")
    assert _queue("r:cecilia", "cecilia.privat@post.example"), "a known address of someone who did not object"

    assert set(_rows()) == {"r:cecilia"}


def test_a_reklamsparr_companys_generic_address_is_blocked_and_its_named_people_are_not(app, factories):
    blocked = factories.company(name="Spärrade AB", email="info@sparrade.example", ad_block=True)
    factories.company(name="Öppna AB", email="info@oppna.example")
    person = factories.contact(blocked, email="vera@sparrade.example")
    db.session.flush()

    assert not _queue("r:generic", "Info <INFO@sparrade.example>")
    assert _queue("r:open", "info@oppna.example")
    assert _queue("r:person", person.email)

    assert set(_rows()) == {"r:open", "r:person"}


def test_a_message_with_two_recipients_keeps_the_allowed_one(app, factories):
    objecting = factories.contact(email="bertil@foretag.example")
    _object(objecting)
    db.session.flush()

    assert _queue("r:two", ["Bertil Berg <bertil@foretag.example>", "Anna Ek <anna@foretag.example>"])

    row = _rows()["r:two"]
    assert row.recipient_list == ["anna@foretag.example"]
    assert "anna@foretag.example" in _to_header(row) and "bertil" not in _to_header(row).lower()
    assert b"bertil@foretag.example" not in row.raw


def test_mail_to_staff_is_not_gated(app, factories):
    objecting = factories.contact(email="sam@kommun.example")
    _object(objecting)
    db.session.flush()

    assert _queue("digest:1", "sam@kommun.example", kind="digest")
    assert not _queue("r:sam", "sam@kommun.example")
    assert set(_rows()) == {"digest:1"}


def test_lifting_the_objection_lets_mail_through_again(app, factories):
    contact = factories.contact(email="bertil@foretag.example")
    _object(contact)
    db.session.flush()
    assert not _queue("r:1", contact.email)

    contact.objection = False
    db.session.flush()

    assert _queue("r:2", contact.email)


def test_a_dropped_message_is_logged_by_its_key_never_by_its_address(app, factories, caplog):
    objecting = factories.contact(email="bertil@foretag.example")
    _object(objecting)
    db.session.flush()

    with caplog.at_level(logging.INFO, logger="crm.mail.outbox"):
        assert not _queue("rsvp-reminder:77:2026-12-01", objecting.email)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "rsvp-reminder:77:2026-12-01" in logged
    assert "bertil" not in logged


def test_queue_many_asks_the_gate_once_for_a_thousand_messages(app, factories, count_queries):
    blocked_ones = [factories.contact(email=f"nej{n}@foretag.example") for n in range(3)]
    for contact in blocked_ones:
        _object(contact)
    db.session.flush()
    messages = [Outgoing(f"invite:{n}:0", "event-request", f"gast{n}@foretag.example", "Inbjudan", "Hej!\n",
                         "<p>Hej!</p>\n") for n in range(1000)]
    messages += [Outgoing(f"invite:nej{n}:0", "event-request", contact.email, "Inbjudan", "Hej!\n", "<p>Hej!</p>\n")
                 for n, contact in enumerate(blocked_ones)]

    with count_queries() as log:
        added = queue_many(messages, NOW)

    assert len(added) == 1000 and not any(key.startswith("invite:nej") for key in added)
    gate_queries = [statement for statement in log.statements if "contact_persons" in statement.lower()]
    assert len(gate_queries) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1000


def test_an_unknown_kind_is_refused_and_nothing_is_queued(app):
    with pytest.raises(UnknownKind):
        queue("x:1", kind="nyhetsbrev", to="anna@foretag.example", subject="s", text="t", html="h", now=NOW)
    with pytest.raises(UnknownKind):
        queue_many([Outgoing("x:2", "test", "anna@foretag.example", "s", "t", "h"),
                    Outgoing("x:3", "reminder", "anna@foretag.example", "s", "t", "h")], NOW)
    assert _rows() == {}


def test_mail_to_people_is_refused_when_no_feature_told_the_gate_who_must_not_get_it(app, monkeypatch):
    monkeypatch.setattr(gate, "_sources", [])
    with pytest.raises(gate.NoGate):
        _queue("r:1", "anna@foretag.example")
    assert _queue("digest:2", "anna@foretag.example", kind="digest"), "staff mail needs no gate"


def test_every_kind_has_a_swedish_label_and_an_audience_and_the_outbox_page_uses_them(app):
    for kind, known in kinds.KINDS.items():
        assert known.audience in (kinds.USERS, kinds.PEOPLE)
        assert str(known.label) and str(known.label) != kind
        assert services.kind_label(kind) == str(known.label)
    assert services.kind_label("event-place") == "Plats från väntelistan"
    assert services.kind_label("gammal-sort") == "gammal-sort", "an old row of a kind no longer listed"
    assert {"test", "digest", "visit-reminder", "followup-assigned"} <= set(kinds.KINDS)
    assert kinds.people_kinds() == {"event-request", "event-cancel", "event-reminder", "event-place",
                                    "registration-confirm"}
