"""Running an import job: claim it, write every valid row or none, record the outcome."""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, update

from crm.audit.mixins import current_actor, system_actor
from crm.extensions import db
from crm.imports.files import ProgressFile, progress_path, remove_files
from crm.imports.models import ImportJob, ImportStatus
from crm.imports.services import audit_table, plan_job
from crm.imports.writer import ImportResult, ImportWriter
from crm.timeutil import utcnow

log = logging.getLogger(__name__)


class ImportRefused(Exception):
    """The file has rows with errors and the user did not ask to skip them."""

    def __init__(self, error_rows: int):
        super().__init__(f"{error_rows} rows with errors")
        self.error_rows = error_rows


class ImportNotStartable(Exception):
    """The job is already running or done."""


def claim_job(job_id: int) -> bool:
    """Mark the job running if nobody else has; the caller commits."""
    result = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status.in_([ImportStatus.UPLOADED, ImportStatus.FAILED]))
        .values(status=ImportStatus.RUNNING, error=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _take_write_lock(job: ImportJob) -> None:
    """Start the write transaction with a harmless write, so SQLite's write lock is ours from here on."""
    db.session.execute(
        update(ImportJob).where(ImportJob.id == job.id).values(error=None).execution_options(synchronize_session=False)
    )


def _finish(job: ImportJob, result: ImportResult, user_id: int | None, actor: str) -> None:
    job.status = ImportStatus.DONE
    job.created_count = result.created
    job.updated_count = result.updated
    job.finished_at = utcnow()
    job.error = None
    db.session.execute(
        insert(audit_table).values(
            at=utcnow(), user_id=user_id, actor=actor, action="import", entity="ImportJob", entity_id=str(job.id),
            changes={"file": job.filename, "rows": job.total_rows, **result.as_dict()},
        )
    )


def _failure_message(error: Exception) -> str:
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "sv")):
        if isinstance(error, ImportRefused):
            return str(_l("Filen har rader med fel (%(num)d). Inget har sparats.", num=error.error_rows))
        return str(_l("Importen avbröts av ett fel (%(kind)s). Inget har sparats.", kind=type(error).__name__))


def _mark_failed(job_id: int, error: Exception) -> None:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return
    job.status = ImportStatus.FAILED
    job.error = _failure_message(error)
    job.finished_at = utcnow()
    db.session.commit()


def execute_job(job_id: int, skip_errors: bool = False) -> ImportResult:
    """Import a claimed (running) job in one transaction: every valid row or, on any failure, nothing.

    The job's final status and counts are the transaction's last write, so "klar" and the data
    become visible in the same commit; a failure is recorded afterwards, in a transaction of its own.
    """
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status != ImportStatus.RUNNING:
        raise ImportNotStartable(job_id)
    progress = ProgressFile(progress_path(job))
    try:
        progress.write("checking", 0, job.total_rows)
        plan = plan_job(job)
        if plan.error_count and not skip_errors:
            raise ImportRefused(plan.error_count)
        user_id, actor = current_actor()
        _take_write_lock(job)
        result = ImportWriter(plan, lambda done, total: progress.write("writing", done, total)).run()
        _finish(job, result, user_id, actor)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        try:
            _mark_failed(job_id, error)
        except Exception:
            db.session.rollback()
            log.exception("Could not mark import job %s as failed", job_id)
        raise
    finally:
        progress.remove()
    remove_files(job)
    _count_register()
    return result


def _count_register() -> None:
    """Count the register for the visit plan again now that the import is in; the scheduled job would otherwise."""
    from crm.visits.plan import refresh_plan_figures

    try:
        refresh_plan_figures(utcnow())
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("Could not count the register after an import")


def run_import(job_id: int, skip_errors: bool = False) -> ImportResult:
    """Claim and import a job here and now (the CLI and tests); raises if it is running or done."""
    if not claim_job(job_id):
        db.session.rollback()
        raise ImportNotStartable(job_id)
    db.session.commit()
    return execute_job(job_id, skip_errors)


# --- Background threads ---------------------------------------------------------------------

_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


def start_import(job_id: int, skip_errors: bool, actor: tuple[int | None, str]) -> threading.Thread:
    """Run a claimed job in a daemon thread with its own app context and session."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=_run_in_background, args=(app, job_id, skip_errors, actor), name=f"crm-import-{job_id}", daemon=True
    )
    with _threads_lock:
        _threads[job_id] = thread
    thread.start()
    return thread


def _run_in_background(app: Flask, job_id: int, skip_errors: bool, actor: tuple[int | None, str]) -> None:
    try:
        with app.app_context():
            system_actor.set(actor)
            try:
                execute_job(job_id, skip_errors)
            except ImportRefused:
                log.info("Import job %s refused: rows with errors", job_id)
            except Exception:
                log.exception("Import job %s failed", job_id)
            finally:
                db.session.remove()
    finally:
        with _threads_lock:
            _threads.pop(job_id, None)


def wait_for_import(job_id: int, timeout: float | None = None) -> bool:
    """Block until a background import has finished (for tests and shutdown); True when it has."""
    with _threads_lock:
        thread = _threads.get(job_id)
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()
