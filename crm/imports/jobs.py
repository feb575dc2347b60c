"""Running an import job: queued by the web app, claimed and run by the scheduler process (or the CLI).

A claim is one conditional UPDATE (queued → running, with a fresh claim token and a lease), so two
processes never run the same job. While the job runs, a thread renews the lease on a connection of
its own. The import is one transaction whose last write marks the job done, and only while the claim
is still this process's: the data and "klar" become visible in the same commit, and a process that
dies mid-way leaves nothing behind, since the database rolls its open transaction back. The next
sweep (`fail_abandoned`) fails a running job whose lease has run out; it can then be queued again.

SQLite: while the import writes it holds the database's only write lock, so the lease is not renewed
then; but nobody can fail the job meanwhile either, as that too is a write. By the time the lock is
free the job is done, or its process has died and the lease is over for good.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Engine, insert, or_, select, update
from sqlalchemy.orm import Session

from crm.audit.mixins import current_actor, system_actor
from crm.auth.models import Role, User
from crm.extensions import db
from crm.imports.files import ProgressFile, progress_path, remove_files
from crm.imports.lookups import audit_table
from crm.imports.models import ImportJob, ImportStatus
from crm.imports.planning import plan_job
from crm.imports.writer import ImportResult, ImportWriter
from crm.timeutil import utcnow

log = logging.getLogger(__name__)

RESTARTABLE = (ImportStatus.UPLOADED, ImportStatus.FAILED)
STOPPED = _l("Importen avbröts (processen som körde den stannade). Inget har sparats.")


class ImportRefused(Exception):
    """The file has rows with errors and the user did not ask to skip them."""

    def __init__(self, error_rows: int):
        super().__init__(f"{error_rows} rows with errors")
        self.error_rows = error_rows


class ImportNotStartable(Exception):
    """The job is already queued, running or done."""


class ClaimLost(Exception):
    """The job is no longer this process's to finish: its lease ran out and a sweep failed it."""


@dataclass(frozen=True)
class Claim:
    job_id: int
    token: str


# --- Queueing and claiming ----------------------------------------------------------------------


def queue(job_id: int, skip_errors: bool, user_id: int | None) -> bool:
    """Queue an uploaded or failed job for the scheduler, as `user_id`'s; False if it is queued, running
    or done already. The caller commits."""
    result = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status.in_(RESTARTABLE))
        .values(status=ImportStatus.QUEUED, skip_errors=skip_errors, queued_by_id=user_id, queued_at=utcnow(),
                error=None, started_at=None, finished_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def may_restart(job: ImportJob, user: User) -> bool:
    """A failed import is tried again by the one who started it (or uploaded it) and by admins."""
    return user.role == Role.ADMIN or user.id == (job.queued_by_id or job.created_by_id)


def _lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=current_app.config["IMPORT_LEASE_SECONDS"])


def _worker() -> str:
    return f"{socket.gethostname()} {os.getpid()}"[:255]


def _claim(job_id: int, statuses: tuple[ImportStatus, ...], **values) -> Claim | None:
    """Mark the job running for this process if it is still in one of `statuses`, and commit."""
    now = utcnow()
    token = secrets.token_hex(16)
    result = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status.in_(statuses))
        .values(status=ImportStatus.RUNNING, claim_token=token, worker=_worker(), started_at=now,
                lease_expires_at=_lease_end(now), attempts=ImportJob.attempts + 1, error=None, finished_at=None,
                **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return None
    db.session.commit()
    return Claim(job_id, token)


def claim_next() -> Claim | None:
    """The oldest queued job, claimed for this process; None when nothing is queued."""
    queued = (
        select(ImportJob.id)
        .where(ImportJob.status == ImportStatus.QUEUED)
        .order_by(ImportJob.queued_at, ImportJob.id)
        .limit(5)
    )
    for job_id in db.session.execute(queued).scalars().all():
        claim = _claim(job_id, (ImportStatus.QUEUED,))
        if claim is not None:
            return claim
    db.session.rollback()  # end the read
    return None


def fail_abandoned(now: datetime) -> list[int]:
    """Fail the running jobs whose lease has run out (their process stopped); commits. Returns their ids."""
    abandoned = (ImportJob.status == ImportStatus.RUNNING) & or_(
        ImportJob.lease_expires_at.is_(None), ImportJob.lease_expires_at < now
    )
    found = db.session.execute(select(ImportJob).where(abandoned)).scalars().all()
    if not found:
        db.session.rollback()
        return []
    progress_files = {job.id: ProgressFile(progress_path(job)) for job in found}
    failed = db.session.scalars(
        update(ImportJob)
        .where(ImportJob.id.in_(progress_files), abandoned)
        .values(status=ImportStatus.FAILED, error=_message(STOPPED), finished_at=now, claim_token=None,
                lease_expires_at=None)
        .returning(ImportJob.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    for job_id in sorted(failed):
        progress_files[job_id].remove()
        log.warning("Import job %s was running in a process that stopped; marked failed", job_id)
    return sorted(failed)


# --- The lease ------------------------------------------------------------------------------------


class LeaseKeeper:
    """A thread that renews a claimed job's lease every quarter lease, on a connection of its own."""

    def __init__(self, engine: Engine, claim: Claim, lease_seconds: int):
        self.engine = engine
        self.claim = claim
        self.lease = timedelta(seconds=lease_seconds)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew_until_stopped, name=f"crm-import-lease-{claim.job_id}",
                                       daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.thread.join()

    def _renew_until_stopped(self) -> None:
        while not self.stopped.wait(max(self.lease.total_seconds() / 4, 0.5)):
            try:
                with Session(self.engine) as session, session.begin():
                    session.execute(
                        update(ImportJob)
                        .where(ImportJob.id == self.claim.job_id, ImportJob.claim_token == self.claim.token,
                               ImportJob.status == ImportStatus.RUNNING)
                        .values(lease_expires_at=utcnow() + self.lease)
                        .execution_options(synchronize_session=False)
                    )
            except Exception as error:  # SQLite's write lock is the import's own while it writes
                log.debug("Import job %s: lease not renewed this time (%s)", self.claim.job_id, error)


# --- Running ------------------------------------------------------------------------------------


def _message(message) -> str:
    """A message as stored on the job: in the app's default language, for everyone who opens it."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "sv")):
        return str(message)


def _failure_message(error: Exception) -> str:
    if isinstance(error, ImportRefused):
        return _message(_l("Filen har rader med fel (%(num)d). Inget har sparats.", num=error.error_rows))
    if isinstance(error, ClaimLost):
        return _message(STOPPED)
    return _message(_l("Importen avbröts av ett fel (%(kind)s). Inget har sparats.", kind=type(error).__name__))


def _mine(claim: Claim):
    return (ImportJob.id == claim.job_id) & (ImportJob.claim_token == claim.token) & (
        ImportJob.status == ImportStatus.RUNNING)


def _take_write_lock(claim: Claim) -> None:
    """SQLite: begin the write transaction with a write of the job's row, so the database's write lock is ours
    from here on (and the claim is checked once more). PostgreSQL locks rows, not the database: the row is left
    alone until the end, so the lease can still be renewed."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    result = db.session.execute(
        update(ImportJob).where(_mine(claim)).values(error=None).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ClaimLost(claim.job_id)


def _finish(job: ImportJob, claim: Claim, result: ImportResult) -> None:
    """Mark the job done (only while the claim is still ours) and write the import's summary audit entry."""
    now = utcnow()
    done = db.session.execute(
        update(ImportJob)
        .where(_mine(claim))
        .values(status=ImportStatus.DONE, created_count=result.created, updated_count=result.updated,
                finished_at=now, error=None, claim_token=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise ClaimLost(claim.job_id)
    user_id, actor = current_actor()
    db.session.execute(
        insert(audit_table).values(
            at=now, user_id=user_id, actor=actor, action="import", entity="ImportJob", entity_id=str(job.id),
            changes={"file": job.filename, "rows": job.total_rows, **result.as_dict()},
        )
    )


def _mark_failed(claim: Claim, error: Exception) -> None:
    """Record the failure in a transaction of its own, unless a sweep has already taken the job from us."""
    db.session.execute(
        update(ImportJob)
        .where(_mine(claim))
        .values(status=ImportStatus.FAILED, error=_failure_message(error), finished_at=utcnow(), claim_token=None,
                lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _actor_of(job: ImportJob) -> tuple[int | None, str] | None:
    """Whom the import's audit entries name: the user who queued it, if any."""
    if job.queued_by_id is None:
        return None
    name = db.session.execute(select(User.name).where(User.id == job.queued_by_id)).scalar_one_or_none()
    return (job.queued_by_id, name) if name is not None else None


def _execute(claim: Claim, progress: ProgressFile) -> ImportResult:
    """Import a claimed job in one transaction: every valid row or, on any failure, nothing."""
    job = db.session.get(ImportJob, claim.job_id)
    if job is None or job.status != ImportStatus.RUNNING or job.claim_token != claim.token:
        raise ClaimLost(claim.job_id)
    actor = _actor_of(job)
    token = system_actor.set(actor) if actor else None
    try:
        progress.write("checking", 0, job.total_rows)
        plan = plan_job(job)
        if plan.error_count and not job.skip_errors:
            raise ImportRefused(plan.error_count)
        _take_write_lock(claim)
        result = ImportWriter(plan, lambda done, total: progress.write("writing", done, total)).run()
        _finish(job, claim, result)
        db.session.commit()
    finally:
        if token is not None:
            system_actor.reset(token)
    remove_files(job)
    return result


def run(claim: Claim) -> ImportResult:
    """Run a claimed job while a thread keeps its lease; on failure nothing is written and the job is failed."""
    progress = ProgressFile(progress_path(db.session.get(ImportJob, claim.job_id)))
    try:
        with LeaseKeeper(db.engine, claim, current_app.config["IMPORT_LEASE_SECONDS"]):
            try:
                result = _execute(claim, progress)
            except Exception as error:
                db.session.rollback()
                try:
                    _mark_failed(claim, error)
                except Exception:
                    db.session.rollback()
                    log.exception("Could not mark import job %s as failed", claim.job_id)
                raise
    finally:
        progress.remove()
    _count_register()
    return result


def _count_register() -> None:
    """Count the register for the visit plan again now that the import is in; the scheduled job would otherwise."""
    from crm.plan.tasks import refresh_plan_figures

    try:
        refresh_plan_figures(utcnow())
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("Could not count the register after an import")


def run_import(job_id: int, skip_errors: bool = False, user_id: int | None = None) -> ImportResult:
    """Claim an uploaded (or failed) job and import it here and now: the CLI's way, the same run as the
    scheduler's. Raises ImportNotStartable if it is queued, running or done."""
    claim = _claim(job_id, RESTARTABLE, skip_errors=skip_errors, queued_by_id=user_id, queued_at=utcnow())
    if claim is None:
        raise ImportNotStartable(job_id)
    return run(claim)
