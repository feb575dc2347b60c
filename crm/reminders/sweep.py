"""The reminder sweep the scheduler runs every minute: today's digests and the visit reminders now due.

Everything is decided from the database and `now`, nothing from when the last sweep ran, so a
sweep after downtime makes what fell due meanwhile (within the limits crm.reminders.digest and
crm.reminders.visit_reminders describe), and running two sweeps at once queues each message once.
Mails are rendered first, then each user's claim and mail are committed on their own: one failure
is logged and counted and the others still go out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from crm.extensions import db
from crm.mail.outbox import queue
from crm.reminders import digest, visit_reminders
from crm.timeutil import as_utc, local

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    digests: int = 0  # digests queued
    empty_digests: int = 0  # days claimed with nothing to say (no mail)
    visit_reminders: int = 0  # visit reminders queued
    failures: int = 0  # users or reminders that failed and were rolled back

    @property
    def queued(self) -> int:
        return self.digests + self.visit_reminders


@dataclass(frozen=True)
class _Mail:
    key: str
    kind: str
    user_id: int
    to: str
    subject: str
    text: str
    html: str

    def add_to_outbox(self, now: datetime) -> bool:
        return queue(self.key, kind=self.kind, to=self.to, subject=self.subject, text=self.text, html=self.html,
                     user_id=self.user_id, now=now)


def sweep_reminders(now: datetime) -> SweepReport:
    """Queue the digests and visit reminders due at `now` (an aware datetime); see the module docstring."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = as_utc(now)
    report = SweepReport()
    for phase in (_digests, _visit_reminders):
        try:
            phase(now, report)
        except Exception:  # e.g. the database went away: the other phase still gets its chance
            db.session.rollback()
            log.exception("reminder sweep: %s failed", phase.__name__.strip("_"))
            report.failures += 1
    return report


def _digests(now: datetime, report: SweepReport) -> None:
    today = local(now).date()
    users = digest.due_users(now)
    if not users:
        db.session.rollback()
        return
    contents = digest.contents(users, now)
    prepared: list[tuple[int, _Mail | None]] = []
    for user in users:
        try:
            content = contents[user.id]
            mail = None
            if not content.is_empty:
                subject, text, html = digest.render_digest(user, content, today)
                mail = _Mail(digest.dedupe_key(user.id, today), digest.KIND, user.id, user.email, subject, text, html)
            prepared.append((user.id, mail))
        except Exception:
            log.exception("digest for user %s could not be made", user.id)
            report.failures += 1
    db.session.rollback()  # end the read; each claim below is a transaction of its own
    for user_id, mail in prepared:
        _commit_digest(user_id, mail, today, now, report)


def _commit_digest(user_id: int, mail: _Mail | None, today: date, now: datetime, report: SweepReport) -> None:
    try:
        if not digest.claim_day(user_id, today):
            db.session.rollback()
            return
        if mail is None:
            report.empty_digests += 1
        elif mail.add_to_outbox(now):
            report.digests += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("digest for user %s could not be queued", user_id)
        report.failures += 1


def _visit_reminders(now: datetime, report: SweepReport) -> None:
    prepared: list[_Mail] = []
    for key, visit, user in visit_reminders.pending(now):
        try:
            subject, text, html = visit_reminders.render_reminder(visit, user, now)
            prepared.append(_Mail(key, visit_reminders.KIND, user.id, user.email, subject, text, html))
        except Exception:
            log.exception("reminder %s could not be made", key)
            report.failures += 1
    db.session.rollback()
    for mail in prepared:
        try:
            if mail.add_to_outbox(now):
                report.visit_reminders += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("reminder %s could not be queued", mail.key)
            report.failures += 1
