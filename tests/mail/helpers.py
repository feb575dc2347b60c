"""Helpers for the mail tests: queue a message, read it back, run work in sessions of its own."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import func, select

from crm.extensions import db
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.mail.outbox import queue

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SUBJECT = "Påminnelse: företagsbesök hos Åbyvik Bygg AB i morgon"
TEXT = "Hej Åsa!\n\nI morgon kl. 09.00 besöker ni Åbyvik Bygg AB på Storgatan 1.\n"
HTML = "<p>Hej Åsa!</p>\n<p>I morgon kl. 09.00 besöker ni <strong>Åbyvik Bygg AB</strong>.</p>\n"


def use_server(app, port: int, *, timeout: int = 5, security: str = "none", ca_file: str | None = None) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_CONNECT_TIMEOUT=timeout, MAIL_TIMEOUT=timeout,
                      MAIL_SECURITY=security, MAIL_CA_FILE=ca_file)


def queue_message(key: str, *, to: str | list[str] = "Åsa Öberg <asa@example.se>", now: datetime = NOW,
                  **fields) -> bool:
    fields.setdefault("kind", "visit-reminder")
    fields.setdefault("subject", SUBJECT)
    fields.setdefault("text", TEXT)
    fields.setdefault("html", HTML)
    return queue(key, to=to, now=now, **fields)


def add_message(key: str, *, status: OutboxStatus = OutboxStatus.PENDING, now: datetime = NOW, **columns) -> int:
    """A committed outbox row in any state, for the pages."""
    queue_message(key, now=now, subject=columns.pop("subject", f"Meddelande {key}"),
                  to=columns.pop("to", "Åsa Öberg <asa@example.se>"))
    message = by_key(key)
    message.status = status
    for name, value in columns.items():
        setattr(message, name, value)
    db.session.commit()
    return message.id


def by_key(key: str) -> OutboxMessage:
    db.session.expire_all()
    return db.session.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).scalar_one()


def outbox_count() -> int:
    return db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()


def in_own_sessions(app, *works: Callable) -> list:
    """Run each function at the same time in a thread with its own app context, so its own session.

    Returns their results in order; an exception in any of them is raised here.
    """

    def run(work: Callable):
        with app.app_context():
            try:
                return work()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(works)) as pool:
        futures = [pool.submit(run, work) for work in works]
        return [future.result(timeout=30) for future in futures]


def without_boundaries(raw: bytes) -> bytes:
    """A message's bytes with its MIME boundaries (random each time a message is made) numbered instead."""
    for number, boundary in enumerate(re.findall(rb'boundary="([^"]+)"', raw)):
        raw = raw.replace(boundary, b"BOUNDARY-%d" % number)
    return raw
