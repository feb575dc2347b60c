"""A real scheduler process killed with SIGKILL in the middle of an import, and the one that comes after it.

That a failed job can be queued again and then succeeds is shown in test_jobs.py; here the point is
that a process that dies mid-write leaves no row behind and that the next scheduler notices.
"""

from __future__ import annotations

import os
import signal

from sqlalchemy import func, select

from crm.companies.models import Company, ContactPerson
from crm.extensions import db
from crm.imports import files, jobs
from crm.imports.models import ImportJob, ImportStatus
from tests.imports.helpers import csv_bytes, upload_job
from tests.scheduler.support import process_env, start_flask, stop, wait_until
from tests.support.factories import valid_org_number

ROWS = 20_000
STOPPED = "Importen avbröts (processen som körde den stannade). Inget har sparats."


def job_row(job_id: int) -> ImportJob:
    db.session.rollback()  # a fresh look at what the other processes committed
    return db.session.get(ImportJob, job_id)


def count(model) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def big_file() -> bytes:
    rows = [["Organisationsnummer", "Företagsnamn", "Kontaktperson", "E-post"]]
    rows += [[valid_org_number(n), f"Stor {n} AB", f"Person {n}", f"p{n}@stor.se"] for n in range(1, ROWS + 1)]
    return csv_bytes(rows)


def test_a_scheduler_killed_mid_import_writes_nothing_and_the_next_fails_the_job(app, migrated, tmp_path,
                                                                               import_folder):
    job = upload_job(big_file())
    assert jobs.queue(job.id, False, None)
    db.session.commit()
    progress = files.ProgressFile(files.progress_path(job))
    env = process_env(migrated, tmp_path, CRM_IMPORT_FOLDER=str(import_folder), CRM_SCHEDULER_IMPORT_SECONDS="1",
                      CRM_IMPORT_LEASE_SECONDS="3")

    first = start_flask(["scheduler", "run"], env, tmp_path / "first.out")
    try:
        # Kill it once at least one batch of 1,000 rows is in the database, in the import's open transaction.
        wait_until(lambda: (seen := progress.read()) and seen["phase"] == "writing" and seen["done"] >= 1000, 180,
                   interval=0.05, message="the import to be writing (see first.out)")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    assert first.returncode == -signal.SIGKILL
    killed = job_row(job.id)
    assert killed.status == ImportStatus.RUNNING  # it did not get to finish; the row says so until a sweep
    assert (count(Company), count(ContactPerson)) == (0, 0)

    second = start_flask(["scheduler", "run"], env, tmp_path / "second.out")
    try:
        wait_until(lambda: job_row(job.id).status == ImportStatus.FAILED, 120,
                   message="the job to be failed (see second.out)")
        failed = job_row(job.id)
        assert failed.error == STOPPED and failed.claim_token is None
        assert (count(Company), count(ContactPerson)) == (0, 0)
        assert files.has_file(failed) and progress.read() is None  # kept for "Försök igen"
    finally:
        stop(second)
