"""One recorded run of a job: the claim, the work in an app context of its own, the outcome; and the heartbeat.

Every run is recorded as a SchedulerRun row keyed by (job id, scheduled time). The row is inserted and
committed *before* the job's work starts, so the unique key is a claim: a tick that some other process
already ran fails loudly (an error in the log) and its work is not done a second time. The work then
runs in an app context of its own; it is committed, or rolled back with the error written to the run's
row and to the log. Nothing a job raises reaches APScheduler, so one failing job never stops the
others. The session is removed at the end of every run.

Where the scheduled time comes from: APScheduler hands each run's scheduled times to its executor,
not to the job function. The runner's executor (`crm.scheduler.runner.ScheduledTimeExecutor`) puts
the time in `scheduled_for_var` around exactly that run, so the recorded time is the trigger's own
tick, not the moment the thread happened to start. (A listener on EVENT_JOB_SUBMITTED would not do:
it is called after the job has been handed to the thread pool, so it can race with the job.) A job
called outside the scheduler, e.g. by hand in a shell, records the time it was called.

The jobs need the Flask app; `bind()` stores it here before the scheduler starts.
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime

from flask import Flask
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from crm.extensions import db
from crm.scheduler.models import HEARTBEAT_ROW_ID, SchedulerHeartbeat, SchedulerRun
from crm.timeutil import as_utc, utcnow

logger = logging.getLogger("crm.scheduler")

ERROR_MAX_CHARS = 20_000

# The tick a job is running for; set by the runner's executor around each call.
scheduled_for_var: ContextVar[datetime] = ContextVar("scheduled_for")

# Set by `bind()` before the scheduler starts.
APP: Flask | None = None
STARTED_AT: datetime | None = None
_lock_held: Callable[[], bool] | None = None
_on_lock_lost: Callable[[], None] | None = None


class LockLost(RuntimeError):
    """The process no longer holds the scheduler lock; another scheduler may take over."""


def bind(
    app: Flask,
    *,
    started_at: datetime | None = None,
    lock_held: Callable[[], bool] | None = None,
    on_lock_lost: Callable[[], None] | None = None,
) -> None:
    """Give the jobs their app (and, in the scheduler process, the lock to check and what to do if it is lost)."""
    global APP, STARTED_AT, _lock_held, _on_lock_lost
    APP = app
    STARTED_AT = started_at or utcnow()
    _lock_held = lock_held
    _on_lock_lost = on_lock_lost


def unbind() -> None:
    global APP, STARTED_AT, _lock_held, _on_lock_lost
    APP = STARTED_AT = _lock_held = _on_lock_lost = None


def _host() -> str:
    return socket.gethostname()[:255]


# --- the heartbeat -------------------------------------------------------------------------------


def write_heartbeat(now: datetime | None = None, *, reconnected: bool = False) -> None:
    """Upsert the heartbeat row for this process (the caller commits); `reconnected` after a lost database."""
    now = now or utcnow()
    row = db.session.get(SchedulerHeartbeat, HEARTBEAT_ROW_ID)
    if row is None:
        row = SchedulerHeartbeat(id=HEARTBEAT_ROW_ID, reconnects=0)
        db.session.add(row)
    ours = row.host == _host() and row.pid == os.getpid()
    row.beat_at = now
    row.started_at = STARTED_AT or now
    row.host = _host()
    row.pid = os.getpid()
    if not ours:
        row.reconnected_at, row.reconnects = None, 0
    if reconnected:
        row.reconnected_at = now
        row.reconnects = (row.reconnects or 0) + 1


def beat() -> None:
    """Tell the web app this scheduler is alive, as long as it still holds the lock (the run commits)."""
    if _lock_held is not None and not _lock_held():
        if _on_lock_lost is not None:
            _on_lock_lost()
        raise LockLost("Schemaläggarens lås mot databasen har förlorats; schemaläggaren stannar.")
    write_heartbeat()


# --- a recorded run ------------------------------------------------------------------------------


def run(job_id: str, work: Callable[[], object]) -> None:
    """Claim the tick, do the work and commit it, record the outcome; nothing the work raises escapes."""
    if APP is None:
        raise RuntimeError("crm.scheduler.runs.bind(app) must be called before a job runs.")
    scheduled_for = as_utc(scheduled_for_var.get(None) or utcnow())
    with APP.app_context():
        try:
            run_id = _claim(job_id, scheduled_for)
            if run_id is None:
                return
            error = None
            try:
                work()
                db.session.commit()
            except Exception:
                db.session.rollback()
                error = traceback.format_exc()[-ERROR_MAX_CHARS:]
                logger.exception("Jobbet %s (schemalagt %s) misslyckades", job_id, scheduled_for.isoformat())
            _finish(run_id, error)
        finally:
            db.session.remove()


def _claim(job_id: str, scheduled_for: datetime) -> int | None:
    """Record the run before doing the work; None when the tick was already run (or nothing can be recorded)."""
    record = SchedulerRun(
        job_id=job_id, scheduled_for=scheduled_for, started_at=utcnow(), host=_host(), pid=os.getpid()
    )
    db.session.add(record)
    try:
        db.session.flush()
        run_id = record.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        logger.error(
            "Jobbet %s för tidpunkten %s har redan körts av en annan process; körs inte igen.",
            job_id,
            scheduled_for.isoformat(),
        )
        return None
    except Exception:
        db.session.rollback()
        logger.exception("Jobbet %s (schemalagt %s) kunde inte registreras; körs inte.", job_id,
                         scheduled_for.isoformat())
        return None
    return run_id


def _finish(run_id: int, error: str | None) -> None:
    try:
        db.session.execute(
            update(SchedulerRun).where(SchedulerRun.id == run_id).values(finished_at=utcnow(), error=error)
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("Körning %s kunde inte avslutas i databasen", run_id)
