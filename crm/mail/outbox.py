"""Queue a message in the outbox, in the caller's transaction: it is sent only if that transaction commits.

A second queuing under the same dedupe key inserts nothing, also when two sweeps race (the database's
unique key decides, through INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike).
`queue_many` queues many messages in one multi-row INSERT of that kind, building messages of one
shape (an invitation to each of 1 000 contacts) from one skeleton.

Every message has a kind listed in crm.mail.kinds (another raises `UnknownKind`). A message to people
(contact persons, guests) passes the gate (crm.mail.gate) first: a recipient who must not get mail
(an objection, a Reklamspärr company's address) is dropped, and a message left with no recipient is not
queued at all (logged by its key).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.errors import MessageError
from email.headerregistry import Address

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from crm.extensions import db
from crm.mail import gate
from crm.mail.compose import (
    CalendarPart,
    MessageBatch,
    Unsendable,
    build_message,
    checked_address,
    message_id_at,
    parse_address,
)
from crm.mail.kinds import goes_to_people, mail_kind
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.timeutil import utcnow

log = logging.getLogger(__name__)

Recipients = list[Address | str] | Address | str

# The registry through which a higher layer tells the outbox who must not get mail to people (crm.mail.gate).
blocked_source = gate.blocked_source


def queue(
    dedupe_key: str,
    *,
    kind: str,
    to: Recipients,
    subject: str,
    text: str,
    html: str,
    user_id: int | None = None,
    calendar: CalendarPart | None = None,
    now: datetime | None = None,
) -> bool:
    """Add one message to the outbox unless one with this key exists; True when this call added it.

    A recipient that cannot be written into a message raises `Unsendable`; nothing is added then.
    """
    outgoing = Outgoing(dedupe_key, kind, to, subject, text, html, user_id=user_id, calendar=calendar)
    return bool(queue_many([outgoing], now))


@dataclass(frozen=True)
class Outgoing:
    """One message for `queue_many`: the arguments of `queue` but `now`."""

    dedupe_key: str
    kind: str
    to: Recipients
    subject: str
    text: str
    html: str
    user_id: int | None = None
    calendar: CalendarPart | None = None


def queue_many(messages: Sequence[Outgoing], now: datetime | None = None,
               refused: list[Outgoing] | None = None, dropped: list[Outgoing] | None = None) -> set[str]:
    """Add the messages whose keys are not in the outbox yet, in one go; returns the keys added.

    Each message is byte for byte what `queue` would make of it (MIME boundaries aside). A message that
    cannot be made (a recipient's address is not one plain address...) raises `Unsendable` before anything
    is written; given a `refused` list, it is put there and logged (by its key) instead, and the others
    are queued. Given a `dropped` list, the messages the gate left with no recipient are put there, so a
    caller tells "not queued: nobody may get it" from "not queued: queued before under this key".
    """
    now = now or utcnow()
    for outgoing in messages:
        mail_kind(outgoing.kind)  # an unknown kind is a programming error: raises UnknownKind
    sender = current_app.config["MAIL_FROM"]
    domain = parse_address(sender).domain
    reply_to = current_app.config.get("MAIL_REPLY_TO")
    addressed = []
    for outgoing in messages:
        try:
            addressed.append((outgoing, _addresses(outgoing)))
        except (ValueError, MessageError) as error:
            _refuse(outgoing, error, refused)
    addressed = _through_gate(addressed, dropped)
    shapes = Counter(_shape(outgoing) for outgoing, _ in addressed)
    batches: dict[tuple, MessageBatch] = {}
    rows = []
    for outgoing, addresses in addressed:
        try:
            rows.append(_build_row(outgoing, addresses, sender, domain, reply_to, shapes, batches, now))
        except (ValueError, MessageError) as error:
            _refuse(outgoing, error, refused)
    return set(_insert(rows))


def _refuse(outgoing: Outgoing, error: Exception, refused: list[Outgoing] | None) -> None:
    if refused is None:
        raise error
    refused.append(outgoing)
    log.warning("message %s not queued: it cannot be made (%s)", outgoing.dedupe_key, type(error).__name__)


def _addresses(outgoing: Outgoing) -> list[Address]:
    to = outgoing.to
    recipients = [to] if isinstance(to, str | Address) else list(to)
    if not recipients:
        raise Unsendable("a message needs at least one recipient")
    return [checked_address(address) for address in recipients]


def _through_gate(addressed: list[tuple[Outgoing, list[Address]]],
                  dropped: list[Outgoing] | None = None) -> list[tuple[Outgoing, list[Address]]]:
    """Drop from each message to people every recipient the gate blocks (one query for all of them);
    a message left with no recipient goes no further. Logged by key, never by address."""
    to_people = [address.addr_spec for outgoing, addresses in addressed if goes_to_people(outgoing.kind)
                 for address in addresses]
    if not to_people:
        return addressed
    blocked = gate.blocked(to_people)
    if not blocked:
        return addressed
    passed = []
    for outgoing, addresses in addressed:
        if not goes_to_people(outgoing.kind):
            passed.append((outgoing, addresses))
            continue
        allowed = [address for address in addresses if gate.normal(address.addr_spec) not in blocked]
        if not allowed:
            log.info("message %s not queued: no recipient may get mail to people (objection or Reklamspärr)",
                     outgoing.dedupe_key)
            if dropped is not None:
                dropped.append(outgoing)
            continue
        if len(allowed) < len(addresses):
            log.info("message %s: %d recipient(s) left out (objection or Reklamspärr)", outgoing.dedupe_key,
                     len(addresses) - len(allowed))
        passed.append((outgoing, allowed))
    return passed


def _build_row(outgoing: Outgoing, addresses: list[Address], sender: str, domain: str, reply_to: str | None,
               shapes: Counter, batches: dict[tuple, MessageBatch], now: datetime) -> dict:
    calendar = outgoing.calendar
    message_id = message_id_at(outgoing.dedupe_key, domain)
    shape = _shape(outgoing)
    if shapes[shape] == 1:  # alone in its shape: a skeleton would cost more than it saves
        raw = build_message(
            sender=sender, to=addresses, subject=outgoing.subject, text=outgoing.text, html=outgoing.html,
            message_id=message_id, date=now, calendar=calendar, reply_to=reply_to,
        ).as_bytes()
    else:
        batch = batches.get(shape)
        if batch is None:
            batch = batches[shape] = MessageBatch(
                sender=sender, subject=outgoing.subject, date=now, reply_to=reply_to,
                method=calendar.method if calendar else None,
                filename=calendar.filename if calendar else "inbjudan.ics",
            )
        raw = batch.build(to=addresses, addresses=addresses, message_id=message_id, text=outgoing.text,
                          html=outgoing.html, calendar=calendar.data if calendar else None)
    return _row(outgoing.dedupe_key, outgoing.kind, addresses, outgoing.subject, message_id, raw,
                outgoing.user_id, now)


def _shape(outgoing: Outgoing) -> tuple:
    """What the messages of one MessageBatch share."""
    calendar = outgoing.calendar
    return outgoing.subject, calendar.method if calendar else None, calendar.filename if calendar else None


def _row(dedupe_key: str, kind: str, addresses: list[Address], subject: str, message_id: str, raw: bytes,
         user_id: int | None, now: datetime) -> dict:
    return {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "status": OutboxStatus.PENDING,
        "recipients": ",".join(address.addr_spec for address in addresses),
        "subject": " ".join(subject.split())[:300],
        "message_id": message_id,
        "raw": raw,
        "user_id": user_id,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
    }


def _insert(rows: list[dict]) -> list[str]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the key; the keys of the rows that went in.

    Many rows are one executemany, which SQLAlchemy sends as multi-row INSERTs ("insertmanyvalues",
    up to 1 000 rows each, within the database's limit of bound parameters).
    """
    if not rows:
        return []
    dialect = db.session.get_bind(OutboxMessage).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.__table__.c.dedupe_key)
    )
    # RETURNING tells on every database whether a row went in; rowcount does not (-1 here on PostgreSQL).
    return list(db.session.execute(statement, rows).scalars())

