"""The scheduler process (`flask scheduler run`): APScheduler 3.x, in-memory jobs, and a lock held while it runs.

The process works in terms. A term starts when it takes the lock (waiting while another scheduler
runs): it installs a new worker (crm.worker, a new holder for claims), gives back what an earlier
worker claimed and never attempted (the jobs' recovery steps), writes the heartbeat and starts the
jobs. It ends on SIGTERM/SIGINT, or when the lock is lost (the database went away: the heartbeat and
every delivery step check the lock).

Ending a term: no new runs start, the worker is told to stop (a message in flight is finished, at
most until the stop deadline), running jobs get SCHEDULER_STOP_SECONDS in all, then the lock is given
back. After a stop the process exits. After a lost lock it does not: it asks for the lock again with
growing pauses (the database is usually back within seconds of a restart), logs that it reconnected,
and starts a new term. Only if jobs would not finish does it exit with EXIT_LOCK_LOST, to be
restarted by the service manager (the README's unit has Restart=always): threads cannot be stopped
from outside, and a new term must not run beside them.

Interval jobs tick on a fixed grid (whole multiples of their interval counted from TICK_ANCHOR), not
from whenever the process happened to start. Two processes that both ran a job would therefore
record the same (job id, scheduled time), and the unique key on SchedulerRun makes the second fail
loudly instead of hiding the double run. The first run of each interval job comes at the next grid
point after start-up, at most one interval later; the heartbeat is written at once.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, wait
from datetime import UTC, datetime

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from crm import worker as workers
from crm.extensions import db
from crm.scheduler import runs
from crm.scheduler.jobs import JOBS, RECOVERY, Job
from crm.scheduler.lock import SchedulerLock, lock_for
from crm.timeutil import STOCKHOLM, utcnow

logger = logging.getLogger("crm.scheduler")

# How late a run may start and still run. Runs are coalesced, so only the latest due tick is ever
# considered; it is at most one interval old for the interval jobs, which are all far shorter than this.
# For the daily prune it means: a process stalled past 03:20 skips that day, and the next day catches up.
MISFIRE_GRACE_SECONDS = 300

# Interval jobs fire at TICK_ANCHOR + n * interval (see the module docstring).
TICK_ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)

EXIT_LOCK_LOST = 3


class ScheduledTimeExecutor(ThreadPoolExecutor):
    """A thread pool executor that tells each job which scheduled time it is running for.

    APScheduler passes the run times to the executor only; this executor sets
    `crm.scheduler.runs.scheduled_for_var` around each single run (see `crm.scheduler.runs`).
    Submitting and bookkeeping are those of APScheduler's own pool executor.
    """

    def start(self, scheduler, alias):
        super().start(scheduler, alias)
        self.running: set[Future] = set()

    def _do_submit_job(self, job, run_times):
        future = self._pool.submit(_run_with_scheduled_time, job, job._jobstore_alias, run_times, self._logger.name)
        future.job_id = job.id
        self.running.add(future)
        future.add_done_callback(lambda f, job_id=job.id: self._done(job_id, f))

    def wait_for_running(self, timeout: float) -> list[str]:
        """Wait up to `timeout` seconds for the runs in progress; the ids of those still running."""
        pending = wait(list(self.running), timeout=timeout).not_done
        return sorted({getattr(future, "job_id", "?") for future in pending})

    def _done(self, job_id: str, future) -> None:
        self.running.discard(future)
        exc = future.exception()
        if exc is not None:
            self._run_job_error(job_id, exc, exc.__traceback__)
        else:
            self._run_job_success(job_id, future.result())


def _run_with_scheduled_time(job, jobstore_alias, run_times, logger_name):
    events = []
    for run_time in run_times:  # one with coalesce=True; each its own run otherwise
        token = runs.scheduled_for_var.set(run_time)
        try:
            events.extend(run_job(job, jobstore_alias, [run_time], logger_name))
        finally:
            runs.scheduled_for_var.reset(token)
    return events


def trigger_for(job: Job, config):
    """The job's trigger: on the interval grid of its config key, or daily at its Stockholm time."""
    if job.every is not None:
        return IntervalTrigger(seconds=int(config[job.every]), start_date=TICK_ANCHOR, timezone=STOCKHOLM)
    hour, minute = job.daily_at
    return CronTrigger(hour=hour, minute=minute, timezone=STOCKHOLM)


def build_scheduler(app: Flask, scheduler_class: type[BaseScheduler] = BlockingScheduler):
    """The configured scheduler (not started) and its executor."""
    executor = ScheduledTimeExecutor(max_workers=len(JOBS))
    scheduler = scheduler_class(
        timezone=STOCKHOLM,
        jobstores={"default": MemoryJobStore()},
        executors={"default": executor},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
    )
    for job in JOBS:
        scheduler.add_job(job, trigger_for(job, app.config), id=job.id, name=job.id, replace_existing=True)
    return scheduler, executor


class _Term:
    """One spell of holding the lock: see the module docstring."""

    def __init__(self, app: Flask, lock: SchedulerLock, wake: threading.Event) -> None:
        self.app = app
        self.lock = lock
        self.wake = wake
        self.lost = threading.Event()
        self.worker = workers.install(workers.Worker(lock_held=self._lock_held))

    def _lock_held(self) -> bool:
        if self.lost.is_set():
            return False
        if self.lock.still_held():
            return True
        self._on_lock_lost()
        return False

    def _on_lock_lost(self) -> None:
        if not self.lost.is_set():
            logger.error("Schemaläggarens lås mot databasen har förlorats; jobben stannar.")
            self.lost.set()
            self.wake.set()

    def begin(self, started_at, reconnected: bool) -> bool:
        """Recover, beat and start the jobs; False when the database failed on the way (then the term is over)."""
        runs.bind(self.app, started_at=started_at, lock_held=self._lock_held, on_lock_lost=self._on_lock_lost)
        with self.app.app_context():
            try:
                for step in RECOVERY:
                    step(self.worker.holder, predecessor_gone=self.lock.proves_predecessor_gone)
                runs.write_heartbeat(reconnected=reconnected)
                db.session.commit()
            except SQLAlchemyError:
                db.session.rollback()
                logger.exception("Schemaläggaren kunde inte börja mot databasen")
                self._on_lock_lost()
                return False
            finally:
                db.session.remove()
        self.scheduler, self.executor = build_scheduler(self.app, BackgroundScheduler)
        self.scheduler.start()
        logger.info("Schemaläggaren kör (%s, pid %s).", self.lock.describe(), os.getpid())
        return True

    def end(self, started: bool) -> bool:
        """Stop new runs, let the running ones finish within the stop time; False if some would not."""
        stop_seconds = self.app.config["SCHEDULER_STOP_SECONDS"]
        # The message in flight gets most of the time; giving back claims and the lock needs the rest.
        self.worker.request_stop(max(stop_seconds - STOP_MARGIN_SECONDS, 1))
        stuck: list[str] = []
        if started:
            self.scheduler.shutdown(wait=False)
            stuck = self.executor.wait_for_running(max(stop_seconds - 1, 1))
            self.executor.shutdown(wait=False)
        runs.unbind()
        workers.reset()
        if stuck:
            logger.error("Jobb som inte hann avslutas: %s.", ", ".join(stuck))
        return not stuck


RECONNECTED = "Schemaläggaren har återanslutit till databasen efter %.0f s."

# Of SCHEDULER_STOP_SECONDS, what is kept for giving back claims and the lock after the message in flight.
STOP_MARGIN_SECONDS = 5


def run(app: Flask) -> int:
    """Run the scheduler until SIGTERM/SIGINT; the process's exit status."""
    stop = threading.Event()
    wake = threading.Event()  # a stop, or a lost lock: the main thread looks again

    def on_signal(signum, frame) -> None:
        logger.info("Schemaläggaren stoppas (%s).", signal.Signals(signum).name)
        stop.set()
        workers.current().request_stop(max(app.config["SCHEDULER_STOP_SECONDS"] - STOP_MARGIN_SECONDS, 1))
        wake.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    with app.app_context():
        lock = lock_for(db.engine.url, app.instance_path)
    started_at = utcnow()
    lost_at: float | None = None
    try:
        while not stop.is_set():
            if not lock.acquire(stop, app.config["SCHEDULER_LOCK_RETRY_SECONDS"],
                                app.config["SCHEDULER_RECONNECT_MAX_SECONDS"]):
                break
            if lost_at is not None:
                logger.warning(RECONNECTED, time.monotonic() - lost_at)
            term = _Term(app, lock, wake)
            started = term.begin(started_at, reconnected=lost_at is not None)
            if started:
                lost_at = None
            while started and not wake.is_set():
                wake.wait(1.0)
                term._lock_held()  # also between heartbeats, so a lost lock ends the term within a second
            finished = term.end(started)
            lock.release()
            wake.clear()
            if not finished:
                _exit_now(EXIT_LOCK_LOST if not stop.is_set() else 0)
            if not stop.is_set() and lost_at is None:
                lost_at = time.monotonic()
                logger.warning("Schemaläggaren väntar på databasen och försöker ansluta igen.")
        logger.info("Schemaläggaren har stannat.")
        return 0
    finally:
        lock.release()
        runs.unbind()
        workers.reset()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _exit_now(code: int) -> None:
    """Leave although job threads still run (an interpreter exit would wait for them): the last resort."""
    logger.error("Schemaläggaren avslutas med kod %s; tjänstehanteraren startar den igen.", code)
    logging.shutdown()
    sys.stdout.flush()
    os._exit(code)
