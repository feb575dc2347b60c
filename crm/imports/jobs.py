"""Running an import job: queued by the web app, claimed and run by the scheduler process (or the CLI).

A claim is one conditional UPDATE (queued → running, with a fresh claim token and a lease), so two
processes never run the same job. While the job runs, a thread renews the lease on a connection of
its own. The next sweep (`fail_abandoned`) takes back a running job whose lease has run out.

Chunks. The import writes IMPORT_CHUNK_ROWS valid rows per transaction. On SQLite a transaction holds
the database's only write lock, and one transaction for a 20,000-row file held it for seconds: other
writers in the scheduler (the outbox recording what the relay answered) waited past their busy
timeout. A chunk holds it for a fraction of a second, and the lease is renewed between chunks.

Nothing lost, nothing twice. The rows are planned once, before the first chunk, and the plan is stored
beside the upload (`crm.imports.staging`); every chunk's transaction also moves the job's
`rows_written` on and stores what the rest needs (`resume_state`), only while the claim is still this
process's. So a chunk and the record of it are committed together or not at all, and a job that
stopped goes on at the first row not saved, with the same plan: a kill between or inside chunks, or
an error in one, loses that chunk's transaction only. The sweep queues an abandoned job that has saved
rows again (up to RESUME_ATTEMPTS runs), so the scheduler finishes it by itself; one that saved nothing
fails as before. A job that failed with rows saved says how many on its status page, is not mapped
again (its plan is fixed) and goes on when it is tried again. The last chunk marks the job done.
Rows already saved are in the register while the rest is written, as the status page says.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, or_, select, update

from crm import worker as workers
from crm.audit.mixins import current_actor, system_actor
from crm.auth.models import Role, User
from crm.extensions import db
from crm.imports.files import ProgressFile, plan_path, progress_path, remove_files
from crm.imports.lease import Claim, LeaseKeeper
from crm.imports.lookups import audit_table
from crm.imports.models import ImportJob, ImportStatus
from crm.imports.planning import plan_job
from crm.imports.staging import WritePlan, load_plan, save_plan
from crm.imports.writer import ImportResult, ImportWriter
from crm.timeutil import utcnow

log = logging.getLogger(__name__)

RESTARTABLE = (ImportStatus.UPLOADED, ImportStatus.FAILED)
STOPPED = _l("Importen avbröts (processen som körde den stannade). Inget har sparats.")
RESUME_ATTEMPTS = 5  # runs of one job the sweep queues again by itself when a process stopped mid-way


class ImportRefused(Exception):
    """The file has rows with errors and the user did not ask to skip them."""

    def __init__(self, error_rows: int):
        super().__init__(f"{error_rows} rows with errors")
        self.error_rows = error_rows


class ImportNotStartable(Exception):
    """The job is already queued, running or done."""


class ImportPaused(Exception):
    """The scheduler is stopping (or lost its lock) between two chunks: the job is queued to go on later."""


class ClaimLost(Exception):
    """The job is no longer this process's to finish: its lease ran out and a sweep failed it."""


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
    """Take back the running jobs whose lease has run out (their process stopped); commits. One with saved rows
    is queued again to go on where it stopped (until RESUME_ATTEMPTS runs), the others fail. Returns their ids."""
    abandoned = (ImportJob.status == ImportStatus.RUNNING) & or_(
        ImportJob.lease_expires_at.is_(None), ImportJob.lease_expires_at < now
    )
    found = db.session.execute(select(ImportJob).where(abandoned)).scalars().all()
    if not found:
        db.session.rollback()
        return []
    progress_files = {job.id: ProgressFile(progress_path(job)) for job in found}
    taken: dict[int, ImportStatus] = {}
    for job in found:
        if job.rows_written and job.attempts < RESUME_ATTEMPTS:
            values: dict = {"status": ImportStatus.QUEUED}
        else:
            values = {"status": ImportStatus.FAILED, "error": _stopped_message(job), "finished_at": now}
        result = db.session.execute(
            update(ImportJob)
            .where(ImportJob.id == job.id, abandoned)
            .values(claim_token=None, lease_expires_at=None, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            taken[job.id] = values["status"]
    db.session.commit()
    for job_id, status in sorted(taken.items()):
        progress_files[job_id].remove()
        if status == ImportStatus.QUEUED:
            log.warning("Import job %s was running in a process that stopped; queued to go on", job_id)
        else:
            log.warning("Import job %s was running in a process that stopped; marked failed", job_id)
    return sorted(taken)


def _stopped_message(job: ImportJob) -> str:
    if not job.rows_written:
        return _message(STOPPED)
    return _message(_l("Importen avbröts (processen som körde den stannade) efter %(done)d av %(total)d rader. "
                       "De sparade raderna finns kvar; Försök igen importerar resten.",
                       done=job.rows_written, total=_valid_total(job)))


def _valid_total(job: ImportJob) -> int:
    return int((job.resume_state or {}).get("rows", job.total_rows))


# --- Running ------------------------------------------------------------------------------------


def _message(message) -> str:
    """A message as stored on the job: in the app's default language, for everyone who opens it."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "sv")):
        return str(message)


def _failure_message(error: Exception, done: int = 0, total: int = 0) -> str:
    if isinstance(error, ImportRefused):
        return _message(_l("Filen har rader med fel (%(num)d). Inget har sparats.", num=error.error_rows))
    if isinstance(error, ClaimLost):
        return _message(STOPPED)
    if done:
        return _message(_l("Importen avbröts av ett fel (%(kind)s) efter %(done)d av %(total)d rader. De sparade "
                           "raderna finns kvar; Försök igen importerar resten.",
                           kind=type(error).__name__, done=done, total=total))
    return _message(_l("Importen avbröts av ett fel (%(kind)s). Inget har sparats.", kind=type(error).__name__))


def _mine(claim: Claim):
    return (ImportJob.id == claim.job_id) & (ImportJob.claim_token == claim.token) & (
        ImportJob.status == ImportStatus.RUNNING)


def _take_write_lock(claim: Claim) -> None:
    """SQLite: begin a chunk's transaction with a write of the job's row, so the database's write lock is ours
    from here on (and the claim is checked once more). PostgreSQL locks rows, not the database: the row is
    written at the chunk's end only, so the lease can be renewed meanwhile."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    result = db.session.execute(
        update(ImportJob).where(_mine(claim)).values(error=None).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ClaimLost(claim.job_id)


def _record_chunk(claim: Claim, done: int, total: int, writer: ImportWriter) -> None:
    """In the chunk's transaction: how far the job has come and what the rest needs, while the claim is ours."""
    state = {**writer.saved_state(done), "rows": total}
    result = db.session.execute(
        update(ImportJob)
        .where(_mine(claim))
        .values(rows_written=done, resume_state=state, created_count=writer.result.created,
                updated_count=writer.result.updated)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ClaimLost(claim.job_id)


def _finish(job: ImportJob, claim: Claim, done: int, result: ImportResult) -> None:
    """Mark the job done (only while the claim is still ours) and write the import's summary audit entry."""
    now = utcnow()
    finished = db.session.execute(
        update(ImportJob)
        .where(_mine(claim))
        .values(status=ImportStatus.DONE, created_count=result.created, updated_count=result.updated,
                rows_written=done, resume_state=None, finished_at=now, error=None, claim_token=None,
                lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if finished.rowcount != 1:
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
    job = db.session.get(ImportJob, claim.job_id)
    done, total = (job.rows_written, _valid_total(job)) if job is not None else (0, 0)
    db.session.execute(
        update(ImportJob)
        .where(_mine(claim))
        .values(status=ImportStatus.FAILED, error=_failure_message(error, done, total), finished_at=utcnow(),
                claim_token=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _actor_of(job: ImportJob) -> tuple[int | None, str] | None:
    """Whom the import's audit entries name: the user who queued it, if any."""
    if job.queued_by_id is None:
        return None
    name = db.session.execute(select(User.name).where(User.id == job.queued_by_id)).scalar_one_or_none()
    return (job.queued_by_id, name) if name is not None else None


def _plan(job: ImportJob) -> WritePlan:
    """The rows to write: planned now for a job that has saved nothing (and stored before the first chunk
    commits), else the plan it was started with."""
    if job.rows_written:
        return load_plan(plan_path(job))
    plan = plan_job(job)
    if plan.error_count and not job.skip_errors:
        raise ImportRefused(plan.error_count)
    stored = WritePlan.of(plan)
    save_plan(plan_path(job), stored)
    return stored


def _execute(claim: Claim, progress: ProgressFile) -> ImportResult:
    """Import a claimed job a chunk per transaction, each committed with the job's progress (see above)."""
    job = db.session.get(ImportJob, claim.job_id)
    if job is None or job.status != ImportStatus.RUNNING or job.claim_token != claim.token:
        raise ClaimLost(claim.job_id)
    actor = _actor_of(job)
    token = system_actor.set(actor) if actor else None
    try:
        progress.write("checking", 0, job.total_rows)
        plan = _plan(job)
        done, rows, size = job.rows_written, plan.valid_rows, max(1, current_app.config["IMPORT_CHUNK_ROWS"])
        writer = ImportWriter(plan, done, job.resume_state, job_id=job.id)
        db.session.commit()  # end the reads: each chunk is a transaction of its own that begins with a write
        progress.write("writing", done, len(rows))
        while True:
            _take_write_lock(claim)
            chunk = rows[done:done + size]
            writer.write(chunk)
            done += len(chunk)
            if done < len(rows):
                _record_chunk(claim, done, len(rows), writer)
            else:
                _finish(job, claim, done, writer.result)
            db.session.commit()
            progress.write("writing", done, len(rows))
            if done >= len(rows):
                break
            if not workers.current().may_act():
                _pause(claim)
                raise ImportPaused(claim.job_id)
    finally:
        if token is not None:
            system_actor.reset(token)
    remove_files(job)
    return writer.result


def _pause(claim: Claim) -> None:
    """Queue a job again that stops between chunks, so the next run goes on at once, not after its lease."""
    db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == claim.job_id, ImportJob.claim_token == claim.token,
               ImportJob.status == ImportStatus.RUNNING)
        .values(status=ImportStatus.QUEUED, claim_token=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.info("Import job %s paused between chunks (the scheduler is stopping); queued to go on", claim.job_id)


def run(claim: Claim) -> ImportResult:
    """Run a claimed job while a thread keeps its lease; on failure nothing is written and the job is failed."""
    progress = ProgressFile(progress_path(db.session.get(ImportJob, claim.job_id)))
    try:
        with LeaseKeeper(db.engine, claim, current_app.config["IMPORT_LEASE_SECONDS"]):
            try:
                result = _execute(claim, progress)
            except ImportPaused:
                raise
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
