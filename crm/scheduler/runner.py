"""The scheduler process (`flask scheduler run`): APScheduler 3.x in the foreground, in-memory jobs.

Start-up order: take the lock (waiting while another scheduler runs), write the heartbeat, start the
scheduler. SIGTERM and SIGINT stop it cleanly: no new runs start, running jobs finish, the lock is
given back. The web app never imports this module; only the CLI command does.

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
import threading
from datetime import UTC, datetime

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import STATE_RUNNING, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from crm.extensions import db
from crm.scheduler import runs
from crm.scheduler.jobs import JOBS, Job
from crm.scheduler.lock import lock_for
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

    def _do_submit_job(self, job, run_times):
        future = self._pool.submit(_run_with_scheduled_time, job, job._jobstore_alias, run_times, self._logger.name)
        future.add_done_callback(lambda f, job_id=job.id: self._done(job_id, f))

    def _done(self, job_id: str, future) -> None:
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


def run(app: Flask) -> int:
    """Run the scheduler until SIGTERM/SIGINT; the process's exit status."""
    stop = threading.Event()
    state: dict = {"scheduler": None, "exit": 0}

    def shut_down_scheduler() -> None:
        scheduler = state["scheduler"]
        if scheduler is not None and scheduler.state == STATE_RUNNING:
            # From another thread: the signal handler may have interrupted the scheduler's own loop.
            threading.Thread(target=scheduler.shutdown, kwargs={"wait": False}, name="scheduler-shutdown").start()

    def on_signal(signum, frame) -> None:
        logger.info("Schemaläggaren stoppas (%s).", signal.Signals(signum).name)
        stop.set()
        shut_down_scheduler()

    def on_started(event) -> None:
        if stop.is_set():  # a signal arrived between taking the lock and starting
            shut_down_scheduler()

    def on_lock_lost() -> None:
        logger.error("Schemaläggarens lås har förlorats; schemaläggaren stannar.")
        state["exit"] = EXIT_LOCK_LOST
        stop.set()
        shut_down_scheduler()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    with app.app_context():
        lock = lock_for(db.engine.url, app.instance_path)
    try:
        if not lock.acquire(stop, app.config["SCHEDULER_LOCK_RETRY_SECONDS"]):
            return 0
        started_at = utcnow()
        runs.bind(app, started_at=started_at, lock_held=lock.still_held, on_lock_lost=on_lock_lost)
        with app.app_context():
            try:
                runs.write_heartbeat(started_at)
                db.session.commit()
            finally:
                db.session.remove()

        scheduler, executor = build_scheduler(app)
        state["scheduler"] = scheduler
        scheduler.add_listener(on_started, EVENT_SCHEDULER_STARTED)
        if stop.is_set():
            return state["exit"]
        logger.info("Schemaläggaren kör (%s, pid %s).", lock.describe(), os.getpid())
        for job in scheduler.get_jobs():
            logger.info("Jobb %s: %s", job.id, job.trigger)
        scheduler.start()  # blocks until shut down
        executor.shutdown(wait=True)  # let running jobs finish before the lock is given back
        logger.info("Schemaläggaren har stannat.")
        return state["exit"]
    finally:
        lock.release()
        runs.unbind()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
