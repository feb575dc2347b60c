"""Sweeps racing each other (a scheduler started twice, a slow run overlapping the next): one message per key."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import func, select

from crm.extensions import db
from crm.mail.models import OutboxMessage
from crm.reminders.sweep import sweep_reminders
from tests.reminders.helpers import MONDAY, TUESDAY, at, outbox_keys, wall

SWEEPS = 3
USERS = 6


def sweep_at_once(app, now, sweeps: int = SWEEPS):
    """Run `sweeps` sweeps in threads, each in an app context (and database session) of its own."""
    barrier = threading.Barrier(sweeps)
    reports, errors = [], []

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                reports.append(sweep_reminders(now))
            except BaseException as error:  # reported to the test thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(sweeps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return reports, errors


def test_concurrent_sweeps_queue_each_message_once(app, factories, caplog):
    users = [factories.user(role="staff") for _ in range(USERS)]
    for user in users:
        factories.follow_up(assignee=user, due_date=MONDAY)
    visit = factories.booked_visit(start=wall(TUESDAY, 9), participants=users)
    db.session.commit()
    expected = {f"digest:{user.id}:2026-11-23" for user in users} | {
        f"visit-reminder:{visit.id}:{user.id}:2026-11-24T09:00" for user in users
    }

    with caplog.at_level(logging.ERROR, logger="crm.reminders"):
        reports, errors = sweep_at_once(app, at(MONDAY, 12))

    assert errors == []
    assert [record.getMessage() for record in caplog.records] == []
    assert sum(report.failures for report in reports) == 0
    assert sum(report.digests for report in reports) == USERS
    assert sum(report.visit_reminders for report in reports) == USERS
    keys = outbox_keys()
    assert sorted(keys) == sorted(expected) and len(keys) == len(set(keys))
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2 * USERS

    reports, errors = sweep_at_once(app, at(MONDAY, 12, 1))
    assert errors == [] and sum(report.queued + report.failures for report in reports) == 0
    assert len(outbox_keys()) == 2 * USERS
