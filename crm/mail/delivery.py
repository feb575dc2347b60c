"""Deliver what the outbox holds, so that a crash leaves at most one message in doubt.

A delivery run, by the worker of this process (crm.worker):
1. claims a batch of due messages: status `claimed`, tagged with the worker's holder, with a lease;
2. opens the transport. A relay that cannot be reached is the connection's fault, not the messages':
   the batch goes back to the queue with the reason, and no message is charged an attempt;
3. for each message, while the worker may act (it holds the scheduler's lock and was not told to
   stop): marks it `sending` and commits, just before handing it to the server, then hands it over
   and writes the outcome (sent, partial, failed, retried later, dead) as soon as the server answers.
   Both writes apply only while the claim is still this worker's, so a scheduler that lost its lock
   cannot overwrite what the next one does. A write that fails (SQLite busy, PostgreSQL restarting)
   is tried again with growing pauses, never by sending again;
4. gives back at once every message it claimed but did not attempt (stopped, lock lost, relay down).

A crash between marking and recording leaves that one message `sending`: in doubt, since the relay
may have taken it. It is sent again, as the same bytes with the same Message-ID, once its lease runs
out (MAIL_FINAL_TIMEOUT + 2 x MAIL_TIMEOUT: by then the old attempt is over whoever made it), or at
once when the next scheduler knows the previous one is gone (SQLite's file lock proves it) or the
relay drops repeats of a Message-ID (MAIL_RELAY_DEDUPLICATES). A relay that takes a message but
answers after the timeout is in doubt the same way (RFC 1047). Temporary refusals (4xx, a dropped
connection) are retried with growing pauses up to MAIL_MAX_ATTEMPTS, then the message is `dead`; a
permanent refusal (5xx) makes it `failed`; refused for some recipients only, it is `partial` and
never sent again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.exc import DBAPIError

from crm import worker as workers
from crm.extensions import db
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.mail.transport import Outcome, eml_name, file_directory, transport_for
from crm.timeutil import utcnow

__all__ = ["claim", "deliver_due", "eml_name", "file_directory", "fresh_start", "recover", "retry", "retry_delay"]

logger = logging.getLogger("crm.mail")


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    partial: int = 0
    retried: int = 0
    failed: int = 0
    dead: int = 0
    postponed: int = 0  # given back unattempted: the relay could not be reached (no attempt charged)

    def count(self, status: OutboxStatus, retry: bool) -> None:
        if retry:
            self.retried += 1
        elif status == OutboxStatus.DEAD:
            self.dead += 1
        else:
            setattr(self, status.value, getattr(self, status.value) + 1)


_table = OutboxMessage.__table__
_col = _table.c


def in_doubt_seconds(config) -> int:
    """How long an attempt can last at most: after that, a message still `sending` was abandoned."""
    return config["MAIL_CONNECT_TIMEOUT"] + config["MAIL_FINAL_TIMEOUT"] + 2 * config["MAIL_TIMEOUT"]


# --- Claiming and giving back ------------------------------------------------------------------


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status.in_([OutboxStatus.CLAIMED, OutboxStatus.SENDING]), OutboxMessage.lease_until < now),
    )


def claim(now: datetime, limit: int, holder: str | None = None) -> list[int]:
    """Take up to `limit` due messages for this run and commit the claim; no other run gets them.

    One conditional UPDATE of the first due ids, RETURNING those it took. On PostgreSQL the ids are
    chosen FOR UPDATE SKIP LOCKED in a materialised CTE, so two runs at once take disjoint messages
    without waiting (as a plain IN subquery the planner may scan it again per row, each scan skipping
    the rows just updated, and claim far more than `limit`). SQLite runs one writing statement at a
    time; the condition is checked again on each row either way.
    """
    holder = holder or workers.current().holder
    lease_until = now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    candidates = select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    if db.session.get_bind(OutboxMessage).dialect.name == "postgresql":
        picked = candidates.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        chosen = OutboxMessage.id == picked.c.id
    else:
        chosen = OutboxMessage.id.in_(candidates.scalar_subquery())
    claimed = db.session.scalars(
        update(OutboxMessage).where(chosen, _due(now))
        .values(status=OutboxStatus.CLAIMED, lease_until=lease_until, claimed_by=holder)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


# Back to the queue: what this worker claimed and never attempted. NULL keeps a column as it is.
_RELEASE = (
    update(_table)
    .where(_col.id.in_(bindparam("ids", expanding=True)), _col.claimed_by == bindparam("holder"),
           _col.status == OutboxStatus.CLAIMED.value)
    .values(status=OutboxStatus.PENDING.value, claimed_by=None, lease_until=None,
            next_attempt_at=func.coalesce(bindparam("retry_at", type_=_col.next_attempt_at.type),
                                          _col.next_attempt_at),
            last_error=func.coalesce(bindparam("error", type_=_col.last_error.type), _col.last_error))
)


def _release(ids: list[int], holder: str, *, retry_at: datetime | None = None, error: str | None = None) -> int:
    return _committed(_RELEASE, {"ids": ids, "holder": holder, "retry_at": retry_at, "error": error}, "ge tillbaka")


def recover(holder: str, *, predecessor_gone: bool, now: datetime | None = None) -> tuple[int, int]:
    """When a scheduler takes the lock: claims of any earlier worker go back to the queue at once.

    Messages in doubt (`sending`) are made due at once when the earlier worker is known to be gone or
    the relay drops repeated Message-IDs; otherwise they wait out their lease. Returns (released, due now).
    """
    now = now or utcnow()
    released = db.session.execute(
        update(_table).where(_col.status == OutboxStatus.CLAIMED.value,
                             or_(_col.claimed_by.is_(None), _col.claimed_by != holder))
        .values(status=OutboxStatus.PENDING.value, claimed_by=None, lease_until=None)
    ).rowcount
    hurried = 0
    if predecessor_gone or current_app.config["MAIL_RELAY_DEDUPLICATES"]:
        hurried = db.session.execute(
            update(_table).where(_col.status == OutboxStatus.SENDING.value, _col.lease_until >= now)
            .values(lease_until=now - timedelta(seconds=1))
        ).rowcount
    db.session.commit()
    if released or hurried:
        logger.info("Utkorgen: %s påbörjade meddelanden tillbaka i kön, %s osäkra skickas om nu.", released, hurried)
    return released, hurried


@dataclass(frozen=True)
class ClaimedMessage:
    """What sending needs of a claimed outbox row, read once for the whole run."""

    id: int
    kind: str
    recipients: str
    raw: bytes
    attempts: int

    @property
    def recipient_list(self) -> list[str]:
        return [address for address in self.recipients.split(",") if address]


def _load(ids: list[int]) -> list[ClaimedMessage]:
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipients, OutboxMessage.raw,
               OutboxMessage.attempts).where(OutboxMessage.id.in_(ids))
    ).all()
    db.session.commit()  # end the read: the claim is ours, nothing is held while sending
    by_id = {row.id: ClaimedMessage(*row) for row in rows}
    return [by_id[message_id] for message_id in ids if message_id in by_id]


# --- Writing, one message at a time ------------------------------------------------------------


def _committed(statement, params: dict, what: str) -> int:
    """Execute one write and commit it; the rows it changed.

    A database error (SQLite busy past its timeout, a PostgreSQL connection lost) is met with a
    rollback and another try after a growing pause, for up to MAIL_RESULT_WRITE_SECONDS or until the
    worker must stop; then it is raised, and the message stays as it was last written.
    """
    worker = workers.current()
    give_up = time.monotonic() + current_app.config["MAIL_RESULT_WRITE_SECONDS"]
    pause = 0.1
    while True:
        try:
            changed = db.session.execute(statement, params).rowcount
            db.session.commit()
            return changed
        except DBAPIError as error:
            with contextlib.suppress(DBAPIError):
                db.session.rollback()
            stop = worker.stop_deadline
            if time.monotonic() + pause > (give_up if stop is None else min(give_up, stop)):
                raise
            logger.warning("Utkorgen kunde inte %s (%s); försöker igen om %.1f s.", what,
                           str(error.orig).splitlines()[0] if error.orig else type(error).__name__, pause)
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


_MARK_SENDING = (
    update(_table)
    .where(_col.id == bindparam("row_id"), _col.claimed_by == bindparam("holder"),
           _col.status == OutboxStatus.CLAIMED.value)
    .values(status=OutboxStatus.SENDING.value, attempts=_col.attempts + 1,
            lease_until=bindparam("doubt_until", type_=_col.lease_until.type))
)

_RECORD = (
    update(_table)
    .where(_col.id == bindparam("row_id"), _col.claimed_by == bindparam("holder"),
           _col.status == OutboxStatus.SENDING.value)
    .values(
        status=bindparam("new_status", type_=_col.status.type),
        # NULL keeps the column as it is: only a retry moves next_attempt_at, only a delivery sets sent_at.
        next_attempt_at=func.coalesce(bindparam("retry_at", type_=_col.next_attempt_at.type), _col.next_attempt_at),
        sent_at=func.coalesce(bindparam("delivered_at", type_=_col.sent_at.type), _col.sent_at),
        lease_until=None,
        claimed_by=None,
        last_error=bindparam("error", type_=_col.last_error.type),
        refused=bindparam("refused_by", type_=_col.refused.type),
    )
)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... failed attempt, capped."""
    config = current_app.config
    seconds = config["MAIL_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_SECONDS"]))


def _outcome_values(attempts: int, outcome: Outcome, now: datetime, report: DeliveryReport) -> dict:
    """The row's new values for this outcome of its `attempts`-th attempt, counted in the report."""
    retry = False
    retry_at = delivered_at = None
    if outcome.status == OutboxStatus.PENDING:
        if attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            status = OutboxStatus.DEAD
        else:
            status = OutboxStatus.PENDING
            retry_at = now + retry_delay(attempts)
            retry = True
    else:
        status = outcome.status
        if outcome.status in (OutboxStatus.SENT, OutboxStatus.PARTIAL):
            delivered_at = now
    report.count(status, retry)
    return {"new_status": status, "retry_at": retry_at, "delivered_at": delivered_at,
            "error": outcome.error, "refused_by": outcome.refused}


@contextmanager
def _transport(worker: workers.Worker) -> Iterator:
    transport = transport_for(current_app.config, worker)
    try:
        yield transport
    finally:
        transport.close()


def deliver_due(now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """Claim due messages and send them one by one, each marked before and recorded after (see above).

    `now` fixes the clock for the whole run (tests); otherwise each write takes the time it is made.
    """
    worker = workers.current()
    config = current_app.config
    report = DeliveryReport()
    if not worker.may_act():
        return report
    ids = claim(now or utcnow(), limit or config["MAIL_BATCH_SIZE"], worker.holder)
    report.claimed = len(ids)
    if not ids:
        return report
    try:
        with _transport(worker) as transport:
            for message in _load(ids):
                if not worker.may_act():
                    logger.info("Utkorgen: utskicket avbryts (stopp eller förlorat lås); resten tillbaka i kön.")
                    break
                problem = transport.ready()
                if problem:
                    report.postponed = _release(ids, worker.holder, error=problem,
                                                retry_at=(now or utcnow()) + retry_delay(1))
                    logger.warning("Utkorgen: %s; %s meddelanden väntar utan att ett försök räknas.", problem,
                                   report.postponed)
                    break
                stamp = now or utcnow()
                marked = _committed(_MARK_SENDING, {"row_id": message.id, "holder": worker.holder,
                                                    "doubt_until": stamp + timedelta(seconds=in_doubt_seconds(config))},
                                    "markera ett meddelande som påbörjat")
                if not marked:
                    logger.warning("Utkorgen: meddelande %s tillhör inte längre den här körningen; utskicket avbryts.",
                                   message.id)
                    break
                outcome = transport.send(message)
                values = _outcome_values(message.attempts + 1, outcome, now or utcnow(), report)
                if not _committed(_RECORD, {"row_id": message.id, "holder": worker.holder, **values},
                                  "skriva vad e-postservern svarade"):
                    logger.warning("Utkorgen: utfallet för meddelande %s skrevs inte; en annan körning äger det.",
                                   message.id)
    finally:
        try:
            _release(ids, worker.holder)
        except DBAPIError:
            logger.exception("Utkorgen: påbörjade meddelanden kunde inte lämnas tillbaka; de tas igen efter lånetiden.")
    return report


def fresh_start(now: datetime | None = None) -> dict:
    """The column values that send a dead or failed message again: it starts over with fresh attempts."""
    return {"status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": now or utcnow(), "last_error": None,
            "refused": None, "claimed_by": None, "lease_until": None}


def retry(message: OutboxMessage, now: datetime | None = None) -> None:
    """An admin sends a dead or failed message again (one message; `fresh_start` for many)."""
    if message.status not in (OutboxStatus.DEAD, OutboxStatus.FAILED):
        raise ValueError("only dead or failed messages are retried")
    for column, value in fresh_start(now).items():
        setattr(message, column, value)
