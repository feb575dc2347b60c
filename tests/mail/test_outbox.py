"""Queuing happens once per key and with the caller's transaction; a claim belongs to one run only."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from queue import Queue

from sqlalchemy import func, select, text

from crm.companies.models import Company
from crm.extensions import db
from crm.mail.delivery import claim
from crm.mail.models import OutboxMessage, OutboxStatus
from tests.mail.helpers import NOW, SUBJECT, by_key, in_own_sessions, outbox_count, queue_message


def test_queuing_the_same_key_twice_adds_one_row(app):
    assert queue_message("followup-due:7:2026-11-23") is True
    assert queue_message("followup-due:7:2026-11-23", subject="Ett annat ämne") is False
    db.session.commit()
    assert queue_message("followup-due:7:2026-11-23") is False
    db.session.commit()

    assert outbox_count() == 1
    assert by_key("followup-due:7:2026-11-23").subject == SUBJECT


def lock_wait_probe() -> Callable[[], bool]:
    """For this thread's session: a check, to call from another session, that this one is waiting on a lock.

    PostgreSQL shows the wait in pg_locks. On SQLite the driver begins the transaction right before the
    INSERT, which cannot finish while another connection holds the write lock: in a transaction means waiting.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        waiting = text("SELECT EXISTS (SELECT FROM pg_locks WHERE pid = :pid AND NOT granted)")
        return lambda: db.session.execute(waiting, {"pid": pid}).scalar_one()
    connection = db.session.connection().connection.dbapi_connection
    return lambda: connection.in_transaction


def wait_until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the other session never started waiting"
        time.sleep(0.01)


def test_two_sessions_queuing_the_same_key_at_once_add_one_row_without_an_error(app):
    first_inserted = threading.Event()
    second_waits: Queue[Callable[[], bool]] = Queue()

    def first():
        added = queue_message("digest:3:2026-11-23", subject="Först")
        first_inserted.set()
        wait_until(second_waits.get(timeout=10))  # the second session now waits on the first one's uncommitted row
        db.session.commit()
        return added

    def second():
        assert first_inserted.wait(10)
        second_waits.put(lock_wait_probe())
        added = queue_message("digest:3:2026-11-23", subject="Sedan")
        db.session.commit()
        return added

    assert in_own_sessions(app, first, second) == [True, False]
    assert outbox_count() == 1
    assert by_key("digest:3:2026-11-23").subject == "Först"


def test_a_rolled_back_change_takes_its_message_with_it(app, factories):
    factories.company(name="Återkallat AB")
    assert queue_message("assigned:9") is True
    db.session.rollback()

    assert outbox_count() == 0
    assert db.session.execute(select(func.count()).select_from(Company)).scalar_one() == 0


def test_two_runs_claiming_at_once_get_disjoint_messages_covering_all(app):
    for n in range(30):
        queue_message(f"claim:{n}")
    db.session.commit()
    every_id = set(db.session.execute(select(OutboxMessage.id)).scalars())
    start = threading.Barrier(2)

    def run():
        start.wait(10)
        return claim(NOW, 100)

    first, second = in_own_sessions(app, run, run)

    assert set(first).isdisjoint(second)
    assert set(first) | set(second) == every_id
    assert len(first) + len(second) == 30
    db.session.expire_all()
    rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.attempts)).all()
    assert set(rows) == {(OutboxStatus.CLAIMED, 0)}, "each message was claimed exactly once, none attempted yet"


def test_a_claim_takes_only_what_is_due(app):
    queue_message("due:now")
    queue_message("due:later", now=NOW.replace(hour=9))
    db.session.commit()

    assert claim(NOW, 10) == [by_key("due:now").id]
    assert claim(NOW, 10) == [], "a claimed message is not claimed again while its lease holds"
