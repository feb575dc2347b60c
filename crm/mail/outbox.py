"""Queue a message in the outbox, in the caller's transaction: it is sent only if that transaction commits.

A second queuing under the same dedupe key inserts nothing, also when two sweeps race (the database's
unique key decides, through INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from crm.extensions import db
from crm.mail.compose import CalendarPart, build_message, message_id_for, parse_address
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.timeutil import utcnow


def queue(
    dedupe_key: str,
    *,
    kind: str,
    to: list[str] | str,
    subject: str,
    text: str,
    html: str,
    user_id: int | None = None,
    calendar: CalendarPart | None = None,
    now: datetime | None = None,
) -> bool:
    """Add one message to the outbox unless one with this key exists; True when this call added it."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise ValueError("a message needs at least one recipient")
    now = now or utcnow()
    sender = current_app.config["MAIL_FROM"]
    message_id = message_id_for(dedupe_key, sender)
    message = build_message(
        sender=sender, to=recipients, subject=subject, text=text, html=html,
        message_id=message_id, date=now, calendar=calendar, reply_to=current_app.config.get("MAIL_REPLY_TO"),
    )
    values = {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "status": OutboxStatus.PENDING,
        "recipients": ",".join(parse_address(address).addr_spec for address in recipients),
        "subject": " ".join(subject.split())[:300],
        "message_id": message_id,
        "raw": message.as_bytes(),
        "user_id": user_id,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
    }
    dialect = db.session.get_bind(OutboxMessage).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    # RETURNING tells on every database whether a row went in; rowcount does not (-1 here on PostgreSQL).
    return db.session.execute(statement).scalar_one_or_none() is not None

