"""A database that cannot take writes for a while (another writer holds SQLite's write lock for 12 s, or a
PostgreSQL table lock) delays the recording of what the server answered; it never sends anything twice."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from crm.extensions import db
from crm.mail.delivery import deliver_due
from crm.mail.models import OutboxStatus
from tests.mail.helpers import NOW, by_key, queue_message

HELD_SECONDS = 12


class Locker(threading.Thread):
    """Once the relay has taken `after` messages, holds the database's write lock for HELD_SECONDS."""

    def __init__(self, url, smtp, after: int) -> None:
        super().__init__(daemon=True)
        self.url, self.smtp, self.after = url, smtp, after
        self.held = threading.Event()

    def run(self) -> None:
        while len(self.smtp.messages) < self.after:
            time.sleep(0.005)
        if self.url.get_backend_name() == "sqlite":
            connection = sqlite3.connect(self.url.database, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")  # the write lock, as a long import's transaction holds it
                self.held.set()
                time.sleep(HELD_SECONDS)
                connection.execute("COMMIT")
            finally:
                connection.close()
            return
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                connection.execute(text("LOCK TABLE outbox_messages IN EXCLUSIVE MODE"))
                self.held.set()
                time.sleep(HELD_SECONDS)
        finally:
            engine.dispose()


def test_a_write_lock_held_for_12_seconds_delays_results_and_doubles_nothing(app, smtp, caplog):
    for n in range(8):
        queue_message(f"busy:{n}")
    db.session.commit()
    smtp.data_delay = 0.05
    locker = Locker(db.engine.url, smtp, after=2)
    locker.start()

    with caplog.at_level(logging.WARNING, logger="crm.mail"):
        started = time.monotonic()
        report = deliver_due(NOW)
        took = time.monotonic() - started
    locker.join()

    assert locker.held.is_set()
    assert took >= HELD_SECONDS - 1, "the run went on only once the lock was given back"
    assert report.sent == 8
    ids = [received.message["Message-ID"] for received in smtp.messages]
    assert len(ids) == len(set(ids)) == 8, "each message reached the relay once"
    assert {by_key(f"busy:{n}").status for n in range(8)} == {OutboxStatus.SENT}
    if db.engine.url.get_backend_name() == "sqlite":
        assert "försöker igen" in caplog.text, "SQLite's busy timeout (5 s) ran out and the write was tried again"
