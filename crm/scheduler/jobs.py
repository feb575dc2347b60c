"""The scheduler's jobs: module-level functions with fixed ids, each a sweep of what is due.

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
function called outside the scheduler, e.g. by hand in a shell, records the time it was called.

The job functions need the Flask app; `bind()` stores it here before the scheduler starts.
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete, text, update
from sqlalchemy.exc import IntegrityError

from crm.extensions import db
from crm.scheduler.models import SchedulerHeartbeat, SchedulerRun
from crm.timeutil import as_utc, utcnow

logger = logging.getLogger("crm.scheduler")

HEARTBEAT = "heartbeat"
DELIVER_OUTBOX = "deliver_outbox"
SWEEP_REMINDERS = "sweep_reminders"
PRUNE_RUNS = "prune_runs"
PURGE_DIETARY = "purge_dietary_needs"
ANALYZE_DATABASE = "analyze_database"
COUNT_REGISTER = "count_register"
RUN_IMPORTS = "run_imports"
JOB_IDS = (HEARTBEAT, DELIVER_OUTBOX, SWEEP_REMINDERS, PRUNE_RUNS, PURGE_DIETARY, ANALYZE_DATABASE, COUNT_REGISTER,
           RUN_IMPORTS)

HEARTBEAT_ROW_ID = 1
RUNS_KEPT = timedelta(days=14)
ERROR_MAX_CHARS = 20_000

# The tick a job function is running for; set by the runner's executor around each call.
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


# --- the jobs ------------------------------------------------------------------------------------


def heartbeat() -> None:
    """Every SCHEDULER_HEARTBEAT_SECONDS: tell the web app this scheduler is alive."""
    _run(HEARTBEAT, _beat)


def deliver_outbox() -> None:
    """Every SCHEDULER_OUTBOX_SECONDS: send what is due in the outbox."""

    def work() -> None:
        from crm.mail.delivery import deliver_due

        deliver_due()

    _run(DELIVER_OUTBOX, work)


def sweep_reminders() -> None:
    """Every SCHEDULER_SWEEP_SECONDS: queue the reminders that are due (including any missed while down)."""

    def work() -> None:
        from crm.reminders.sweep import sweep_reminders as sweep

        sweep(utcnow())

    _run(SWEEP_REMINDERS, work)


def prune_runs() -> None:
    """Daily at 03:15 Stockholm time: forget runs older than 14 days."""

    def work() -> None:
        db.session.execute(delete(SchedulerRun).where(SchedulerRun.scheduled_for < utcnow() - RUNS_KEPT))

    _run(PRUNE_RUNS, work)


def purge_dietary_needs() -> None:
    """Daily at 03:20 Stockholm time: dietary needs (health data) of events that are over are deleted."""

    def work() -> None:
        from crm.events.services import purge_dietary_needs as purge

        purge(utcnow())

    _run(PURGE_DIETARY, work)


def analyze_database() -> None:
    """Daily at 03:30 Stockholm time: refresh the query planner's statistics (SQLite never does it by itself)."""
    _run(ANALYZE_DATABASE, refresh_planner_statistics)


def refresh_planner_statistics() -> None:
    """ANALYZE the whole database, so the planner knows e.g. that most companies are active (the caller commits)."""
    db.session.execute(text("ANALYZE"))


def count_register() -> None:
    """Every SCHEDULER_REGISTER_COUNT_SECONDS: count the active register per group for the visit plan's spread,
    then rank the suggestions of whom to visit for this year and the next."""

    def work() -> None:
        from crm.plan.services import refresh_plan_figures

        refresh_plan_figures(utcnow())

    _run(COUNT_REGISTER, work)


def run_imports() -> None:
    """Every SCHEDULER_IMPORT_SECONDS: fail the imports whose process stopped, then run the oldest queued one."""

    def work() -> None:
        from crm.imports.tasks import run_queued_imports

        run_queued_imports()

    _run(RUN_IMPORTS, work)


# --- shared machinery ----------------------------------------------------------------------------


def write_heartbeat(now: datetime | None = None) -> None:
    """Upsert the heartbeat row for this process (the caller commits)."""
    now = now or utcnow()
    row = db.session.get(SchedulerHeartbeat, HEARTBEAT_ROW_ID)
    if row is None:
        row = SchedulerHeartbeat(id=HEARTBEAT_ROW_ID)
        db.session.add(row)
    row.beat_at = now
    row.started_at = STARTED_AT or now
    row.host = _host()
    row.pid = os.getpid()


def _beat() -> None:
    if _lock_held is not None and not _lock_held():
        if _on_lock_lost is not None:
            _on_lock_lost()
        raise LockLost("Schemaläggarens lås mot databasen har förlorats; schemaläggaren stannar.")
    write_heartbeat()


def _run(job_id: str, work: Callable[[], None]) -> None:
    if APP is None:
        raise RuntimeError("crm.scheduler.jobs.bind(app) must be called before a job runs.")
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
    run = SchedulerRun(
        job_id=job_id, scheduled_for=scheduled_for, started_at=utcnow(), host=_host(), pid=os.getpid()
    )
    db.session.add(run)
    try:
        db.session.flush()
        run_id = run.id
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
