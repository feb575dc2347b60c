"""A large import commits a chunk of rows at a time, so other writers get the database between chunks.

On SQLite the whole import used to be one transaction holding the database's only write lock, and a
writer in another thread of the scheduler (the outbox recording a delivery) waited past its busy
timeout. Here the import runs in a thread and pauses after each commit until another connection has
written with no patience at all (busy timeout 0 on SQLite, a lock timeout on PostgreSQL) and has seen
the committed rows. With one transaction for the file that write fails, and no rows are seen early.
"""

from __future__ import annotations

import queue
import threading

from sqlalchemy import func, insert, select, text

from crm.companies.models import Company, ContactPerson
from crm.extensions import db
from crm.imports import files, jobs
from crm.imports.lookups import audit_table
from crm.imports.models import ImportJob, ImportStatus
from crm.timeutil import utcnow
from tests.imports.helpers import csv_bytes, upload_job
from tests.support.factories import valid_org_number

ROWS = 3000
CHUNK = 100


def big_file() -> bytes:
    rows = [["Organisationsnummer", "Företagsnamn", "Taggar", "Kontaktperson", "E-post"]]
    rows += [[valid_org_number(n), f"Del {n} AB", "Exportföretag", f"Person {n}", f"p{n}@del.se"]
             for n in range(1, ROWS + 1)]
    return csv_bytes(rows)


def impatient_write(connection) -> tuple[int, int]:
    """One write as a delivery records its result, without waiting for a lock; then what is committed."""
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL lock_timeout = '100ms'"))
        connection.execute(insert(audit_table).values(at=utcnow(), actor="leverans", action="probe",
                                                      entity="OutboxMessage", entity_id="1"))
        companies = connection.execute(select(func.count()).select_from(Company.__table__)).scalar_one()
        written = connection.execute(select(ImportJob.rows_written).where(ImportJob.status.is_not(None))
                                     .order_by(ImportJob.id.desc()).limit(1)).scalar_one()
    return companies, written


def test_another_writer_gets_the_database_after_every_chunk(app, monkeypatch):
    app.config["IMPORT_CHUNK_ROWS"] = CHUNK
    job = upload_job(big_file())
    committed: queue.Queue[int] = queue.Queue()
    go_on = threading.Event()
    real_write = files.ProgressFile.write

    def write_and_wait(self, phase, done=0, total=0):
        """Called after each chunk's commit: let the other writer in before the next chunk."""
        real_write(self, phase, done, total)
        if phase == "writing" and done:
            go_on.clear()
            committed.put(done)
            assert go_on.wait(60), "the other writer never came"

    monkeypatch.setattr(files.ProgressFile, "write", write_and_wait)
    failures: list[BaseException] = []

    def run_import():
        with app.app_context():
            try:
                jobs.run_import(job.id)
            except BaseException as error:  # reported by the test below
                failures.append(error)
                committed.put(-1)

    seen: list[tuple[int, int, int]] = []
    thread = threading.Thread(target=run_import)
    thread.start()
    try:
        with db.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                connection.exec_driver_sql("PRAGMA busy_timeout=0")
                connection.commit()
            try:
                while (done := committed.get(timeout=120)) >= 0:
                    seen.append((done, *impatient_write(connection)))
                    go_on.set()
                    if done == ROWS:
                        break
            finally:
                connection.rollback()
                if sqlite:  # the pooled connection gets its patience back
                    connection.exec_driver_sql("PRAGMA busy_timeout=5000")
                    connection.commit()
    finally:
        go_on.set()
        thread.join(120)
    assert not failures
    # A write and a look between every two chunks: each chunk committed with the job's count of rows saved.
    assert [done for done, _companies, _written in seen] == list(range(CHUNK, ROWS + 1, CHUNK))
    assert all(companies == done == written for done, companies, written in seen)
    db.session.expire_all()
    finished = db.session.get(ImportJob, job.id)
    assert finished.status == ImportStatus.DONE and finished.created_count == ROWS
    assert db.session.execute(select(func.count()).select_from(ContactPerson)).scalar_one() == ROWS
    probes = db.session.execute(
        select(func.count()).select_from(audit_table).where(audit_table.c.action == "probe")
    ).scalar_one()
    assert probes == ROWS // CHUNK


def test_a_scheduler_that_stops_between_chunks_queues_the_import_to_go_on_and_the_next_run_finishes_it(app):
    from crm import worker as workers
    from crm.imports.tasks import run_queued_imports

    app.config["IMPORT_CHUNK_ROWS"] = CHUNK
    job = upload_job(big_file())
    jobs.queue(job.id, skip_errors=False, user_id=None)
    db.session.commit()
    chunks_seen = []

    def lock_held() -> bool:  # asked between chunks; the stop comes after the third
        chunks_seen.append(1)
        return len(chunks_seen) < 3

    workers.install(workers.Worker(lock_held=lock_held))
    try:
        assert run_queued_imports() == job.id
    finally:
        workers.reset()

    db.session.expire_all()
    paused = db.session.get(ImportJob, job.id)
    assert (paused.status, paused.rows_written, paused.claim_token) == (ImportStatus.QUEUED, 3 * CHUNK, None)
    assert db.session.execute(select(func.count()).select_from(Company)).scalar_one() == 3 * CHUNK

    assert run_queued_imports() == job.id, "queued again, so taken at once: no lease to wait out"

    db.session.expire_all()
    finished = db.session.get(ImportJob, job.id)
    assert finished.status == ImportStatus.DONE and finished.created_count == ROWS
    assert db.session.execute(select(func.count()).select_from(Company)).scalar_one() == ROWS
