"""A real scheduler process killed with SIGKILL in the middle of an import, and the one that comes after it.

The import commits a chunk of rows at a time with the job's progress. The point here: a process that
dies mid-import leaves only whole chunks behind, each recorded on the job, and the next scheduler
notices, goes on where the first stopped and finishes the file with every row once.
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


def test_a_scheduler_killed_mid_import_leaves_whole_chunks_and_the_next_finishes_it(app, migrated, tmp_path,
                                                                                     import_folder):
    job = upload_job(big_file())
    assert jobs.queue(job.id, False, None)
    db.session.commit()
    progress = files.ProgressFile(files.progress_path(job))
    env = process_env(migrated, tmp_path, CRM_IMPORT_FOLDER=str(import_folder), CRM_SCHEDULER_IMPORT_SECONDS="1",
                      CRM_IMPORT_LEASE_SECONDS="3", CRM_IMPORT_CHUNK_ROWS="400")

    first = start_flask(["scheduler", "run"], env, tmp_path / "first.out")
    try:
        # Kill it once a few chunks are committed, while it writes the next ones.
        wait_until(lambda: (seen := progress.read()) and seen["phase"] == "writing" and seen["done"] >= 1200, 180,
                   interval=0.05, message="the import to be writing (see first.out)")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    assert first.returncode == -signal.SIGKILL
    killed = job_row(job.id)
    assert killed.status == ImportStatus.RUNNING  # it did not get to finish; the row says so until a sweep
    saved = killed.rows_written
    assert 1200 <= saved < ROWS and saved % 400 == 0  # whole chunks of CRM_IMPORT_CHUNK_ROWS, and only those
    assert count(Company) == count(ContactPerson) == saved

    second = start_flask(["scheduler", "run"], env, tmp_path / "second.out")
    try:
        wait_until(lambda: job_row(job.id).status == ImportStatus.DONE, 240,
                   message="the job to be resumed and done (see second.out)")
    finally:
        stop(second)
    done = job_row(job.id)
    assert (done.created_count, done.rows_written, done.attempts) == (ROWS, ROWS, 2)
    assert count(Company) == count(ContactPerson) == ROWS
    distinct = db.session.execute(select(func.count(func.distinct(Company.org_number)))).scalar_one()
    assert distinct == ROWS  # every row once
    assert not files.has_file(done) and not files.plan_path(done).exists() and progress.read() is None
