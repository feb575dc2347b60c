"""The scheduler's jobs: a table of fixed ids, each pointing at a feature's scheduled task.

The ids are stored in the database (SchedulerRun.job_id) and must not change. Each task is a
module-level function in its feature's `tasks.py` that does the work and leaves the commit to the
run; calling a Job runs its task once as a recorded run (`crm.scheduler.runs`). Interval jobs name
the config key holding their seconds; daily jobs their time of day in Stockholm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm.auth import tasks as auth_tasks
from crm.events import tasks as event_tasks
from crm.imports import tasks as import_tasks
from crm.inbox import tasks as inbox_tasks
from crm.mail import tasks as mail_tasks
from crm.plan import tasks as plan_tasks
from crm.reminders import tasks as reminder_tasks
from crm.retention import tasks as retention_tasks
from crm.scheduler import runs
from crm.scheduler import tasks as scheduler_tasks

HEARTBEAT = "heartbeat"
DELIVER_OUTBOX = "deliver_outbox"
SWEEP_REMINDERS = "sweep_reminders"
PRUNE_RUNS = "prune_runs"
PURGE_DIETARY = "purge_dietary_needs"
ANALYZE_DATABASE = "analyze_database"
COUNT_REGISTER = "count_register"
RUN_IMPORTS = "run_imports"
PRUNE_SIGN_INS = "prune_sign_ins"
POLL_ORGANIZER_MAILBOX = "poll_organizer_mailbox"
PURGE_REGISTRATIONS = "purge_unconfirmed_registrations"
GALLRING = "gallring"


@dataclass(frozen=True)
class Job:
    id: str
    task: Callable[[], object]
    every: str | None = None  # the config key of the seconds between runs
    daily_at: tuple[int, int] | None = None  # (hour, minute) in Europe/Stockholm; exists every day, DST or not

    def __call__(self) -> None:
        """One recorded run of the task."""
        runs.run(self.id, self.task)


heartbeat = Job(HEARTBEAT, runs.beat, every="SCHEDULER_HEARTBEAT_SECONDS")
deliver_outbox = Job(DELIVER_OUTBOX, mail_tasks.deliver_outbox, every="SCHEDULER_OUTBOX_SECONDS")
sweep_reminders = Job(SWEEP_REMINDERS, reminder_tasks.sweep_reminders, every="SCHEDULER_SWEEP_SECONDS")
prune_runs = Job(PRUNE_RUNS, scheduler_tasks.prune_runs, daily_at=(3, 15))
# Run through crm.retention, which records each purge in the gallringslogg as automatic.
purge_dietary_needs = Job(PURGE_DIETARY, retention_tasks.purge_dietary_needs, daily_at=(3, 20))
analyze_database = Job(ANALYZE_DATABASE, scheduler_tasks.refresh_planner_statistics, daily_at=(3, 30))
count_register = Job(COUNT_REGISTER, plan_tasks.refresh_plan_figures, every="SCHEDULER_REGISTER_COUNT_SECONDS")
run_imports = Job(RUN_IMPORTS, import_tasks.run_queued_imports, every="SCHEDULER_IMPORT_SECONDS")
prune_sign_ins = Job(PRUNE_SIGN_INS, auth_tasks.prune_sign_ins, daily_at=(3, 25))
poll_organizer_mailbox = Job(POLL_ORGANIZER_MAILBOX, inbox_tasks.poll_organizer_mailbox,
                             every="SCHEDULER_INBOX_SECONDS")
purge_registrations = Job(PURGE_REGISTRATIONS, event_tasks.purge_unconfirmed_registrations, daily_at=(3, 35))
# Carry out an approved gallring proposal, then propose what is due (crm.retention).
gallring = Job(GALLRING, retention_tasks.run_gallring, daily_at=(2, 50))

JOBS = (heartbeat, deliver_outbox, sweep_reminders, prune_runs, purge_dietary_needs, analyze_database, count_register,
        run_imports, prune_sign_ins, poll_organizer_mailbox, purge_registrations, gallring)
JOB_IDS = tuple(job.id for job in JOBS)

# Run when a scheduler takes the lock, before any job: each gets the new worker's holder, and whether
# the previous holder is known to be gone (crm.scheduler.lock); the caller commits.
RECOVERY: tuple[Callable[..., object], ...] = (mail_tasks.recover_outbox,)
