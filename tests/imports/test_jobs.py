"""Imports as queued jobs: the web app queues, the scheduler's job claims and runs, a stopped run is failed."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.companies.models import Company, CompanyContact, CompanySni, ContactPerson, Tag
from crm.extensions import db
from crm.imports import files, jobs, writer
from crm.imports.models import ImportJob, ImportStatus
from crm.scheduler import jobs as scheduler_jobs
from crm.scheduler.runner import build_scheduler
from crm.timeutil import utcnow
from tests.conftest import login
from tests.imports.helpers import csv_bytes, run_scheduled_imports, upload_job
from tests.support.factories import valid_org_number

STOPPED = "Importen avbröts (processen som körde den stannade). Inget har sparats."


def rows(count: int, start: int = 1) -> list[list[str]]:
    header = [["Organisationsnummer", "Företagsnamn", "Taggar", "Kontaktperson", "E-post"]]
    return header + [[valid_org_number(n), f"Kö {n} AB", "Medtech", f"Person {n}", f"p{n}@ko.se"]
                     for n in range(start, start + count)]


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def job_row(job_id: int) -> ImportJob:
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)


def nothing_written() -> bool:
    """No company, code, tag, contact or link, and no audit entry about any of them or about the import."""
    imported = ("Company", "ContactPerson", "CompanyContact", "Tag", "ImportJob")
    audited = db.session.execute(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.entity.in_(imported))
    ).scalar_one()
    return audited == 0 and all(count(model) == 0 for model in (Company, CompanySni, Tag, ContactPerson,
                                                                CompanyContact))


def confirm(client, job: ImportJob, valid_rows: int):
    return client.post(f"/foretag/import/{job.id}/forhandsgranskning", data={"valid_rows": str(valid_rows)})


def test_confirming_only_queues_the_job(app, client, login_as):
    me = login_as("staff")
    job = upload_job(csv_bytes(rows(3)), created_by_id=me.id)
    threads_before = {thread.ident for thread in threading.enumerate()}
    response = confirm(client, job, 3)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/foretag/import/{job.id}")
    queued = job_row(job.id)
    assert queued.status == ImportStatus.QUEUED
    assert (queued.queued_by_id, queued.skip_errors, queued.claim_token) == (me.id, False, None)
    assert queued.queued_at is not None and queued.started_at is None
    assert {thread.ident for thread in threading.enumerate()} <= threads_before  # no thread started in the web app
    assert count(Company) == 0
    assert "Importen står i kö" in client.get(f"/foretag/import/{job.id}").get_data(as_text=True)
    again = confirm(client, job, 3)  # confirming twice queues once
    assert again.status_code == 302 and job_row(job.id).status == ImportStatus.QUEUED


def test_the_scheduler_runs_queued_imports_oldest_first_as_the_user_who_queued_them(app, client, login_as):
    me = login_as("staff")
    first = upload_job(csv_bytes(rows(2)), filename="forsta.csv", created_by_id=me.id)
    second = upload_job(csv_bytes(rows(2, start=10)), filename="andra.csv", created_by_id=me.id)
    confirm(client, first, 2)
    confirm(client, second, 2)

    run_scheduled_imports(app)
    done = job_row(first.id)
    assert done.status == ImportStatus.DONE and done.created_count == 2 and done.attempts == 1
    assert (done.claim_token, done.lease_expires_at) == (None, None)
    assert done.worker and done.started_at <= done.finished_at
    assert job_row(second.id).status == ImportStatus.QUEUED
    run_scheduled_imports(app)
    assert job_row(second.id).status == ImportStatus.DONE
    assert count(Company) == 4

    summary = db.session.execute(select(AuditEntry).where(AuditEntry.action == "import")).scalars().all()
    assert {(entry.user_id, entry.actor) for entry in summary} == {(me.id, me.name)}
    html = client.get(f"/foretag/import/{first.id}").get_data(as_text=True)
    assert "Importen är klar." in html and "Försök igen" not in html
    run_scheduled_imports(app)  # nothing queued: nothing happens
    assert count(Company) == 4


def test_the_import_job_is_registered_with_its_interval(app, monkeypatch):
    from apscheduler.schedulers.background import BackgroundScheduler

    from config import Config

    scheduler, _ = build_scheduler(app, BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(scheduler_jobs.RUN_IMPORTS)
    finally:
        scheduler.shutdown()
    assert job.func is scheduler_jobs.run_imports
    assert job.trigger.interval == timedelta(seconds=app.config["SCHEDULER_IMPORT_SECONDS"])
    assert Config.SCHEDULER_IMPORT_SECONDS == 5
    monkeypatch.setenv("CRM_SCHEDULER_IMPORT_SECONDS", "2")
    monkeypatch.setenv("CRM_IMPORT_LEASE_SECONDS", "30")
    settings = Config.load()
    assert (settings["SCHEDULER_IMPORT_SECONDS"], settings["IMPORT_LEASE_SECONDS"]) == (2, 30)


def test_one_claim_per_job(app):
    job = upload_job(csv_bytes(rows(1)))
    assert jobs.queue(job.id, False, None)
    db.session.commit()
    claim = jobs.claim_next()
    assert claim is not None and claim.job_id == job.id
    assert jobs.claim_next() is None  # a second scheduler finds nothing to take
    with pytest.raises(jobs.ImportNotStartable):
        jobs.run_import(job.id)  # nor does the command line
    running = job_row(job.id)
    assert running.status == ImportStatus.RUNNING and running.claim_token == claim.token
    assert running.lease_expires_at > utcnow()


def test_a_job_whose_lease_ran_out_is_failed_then_retried_and_done(app, client, users, login_as):
    starter = login_as("staff")
    job = upload_job(csv_bytes(rows(3)), created_by_id=starter.id)
    confirm(client, job, 3)
    claim = jobs.claim_next()  # a scheduler takes the job ... and its process dies without a word
    lease = job_row(job.id).lease_expires_at

    run_scheduled_imports(app)  # the lease still holds: the job is left alone
    assert job_row(job.id).status == ImportStatus.RUNNING
    assert jobs.fail_abandoned(lease + timedelta(seconds=1)) == [job.id]  # the next sweep after the lease
    failed = job_row(job.id)
    assert (failed.status, failed.error, failed.claim_token) == (ImportStatus.FAILED, STOPPED, None)
    assert nothing_written()
    with pytest.raises(jobs.ClaimLost):  # a process that was only slow cannot finish it now
        jobs.run(claim)
    assert job_row(job.id).error == STOPPED and nothing_written()

    html = client.get(f"/foretag/import/{job.id}").get_data(as_text=True)
    assert STOPPED in html and 'role="alert"' in html
    assert f'<form method="post" action="/foretag/import/{job.id}/forsok-igen">' in html
    assert 'name="csrf_token"' in html and ">Försök igen</button>" in html

    retried = client.post(f"/foretag/import/{job.id}/forsok-igen")
    assert retried.status_code == 302 and retried.headers["Location"].endswith(f"/foretag/import/{job.id}")
    again = job_row(job.id)
    assert (again.status, again.error, again.queued_by_id) == (ImportStatus.QUEUED, None, starter.id)
    run_scheduled_imports(app)
    done = job_row(job.id)
    assert (done.status, done.created_count, done.attempts) == (ImportStatus.DONE, 3, 2)
    assert count(Company) == 3


def test_only_the_starter_and_admins_may_retry(app, client, users, factories, login_as):
    starter = users["staff"]
    job = upload_job(csv_bytes(rows(1)), created_by_id=starter.id)
    jobs.queue(job.id, False, starter.id)
    db.session.commit()
    jobs.claim_next()
    jobs.fail_abandoned(utcnow() + timedelta(hours=1))
    colleague = factories.user(role="staff", name="Kollega Karlsson")
    db.session.commit()

    login(client, colleague)
    html = client.get(f"/foretag/import/{job.id}").get_data(as_text=True)
    assert STOPPED in html and "Försök igen" not in html
    assert client.post(f"/foretag/import/{job.id}/forsok-igen").status_code == 403
    assert client.get(f"/foretag/import/{job.id}/forhandsgranskning").status_code == 302  # to the status page
    assert job_row(job.id).status == ImportStatus.FAILED

    client.post("/logga-ut")
    login_as("admin")
    assert client.post(f"/foretag/import/{job.id}/forsok-igen").status_code == 302
    assert job_row(job.id).status == ImportStatus.QUEUED


def test_the_retry_form_needs_its_csrf_token(app, client, users, login_as):
    starter = login_as("staff")
    job = upload_job(csv_bytes(rows(1)), created_by_id=starter.id)
    jobs.queue(job.id, False, starter.id)
    db.session.commit()
    jobs.claim_next()
    jobs.fail_abandoned(utcnow() + timedelta(hours=1))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/foretag/import/{job.id}/forsok-igen")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert job_row(job.id).status == ImportStatus.FAILED


def test_an_error_after_some_chunks_keeps_them_and_the_retry_writes_the_rest_once(app, client, login_as,
                                                                                   monkeypatch, import_folder):
    """The writer raises in its third chunk of 10 rows: two chunks are committed, the third is not; Försök igen
    goes on at row 21 with the plan it started with, and nothing is written twice."""
    me = login_as("staff")
    app.config["IMPORT_CHUNK_ROWS"] = 10
    real_write_chunk = writer.ImportWriter._write_chunk
    written = []

    def write_then_crash(self, chunk):
        real_write_chunk(self, chunk)
        written.extend(chunk)
        if len(written) >= 30:
            raise OSError("disken är full")

    monkeypatch.setattr(writer.ImportWriter, "_write_chunk", write_then_crash)
    job = upload_job(csv_bytes(rows(35)), created_by_id=me.id)
    confirm(client, job, 35)
    run_scheduled_imports(app)

    failed = job_row(job.id)
    assert failed.status == ImportStatus.FAILED and failed.rows_written == 20
    assert failed.error == ("Importen avbröts av ett fel (OSError) efter 20 av 35 rader. De sparade raderna finns "
                            "kvar; Försök igen importerar resten.")
    assert (count(Company), count(ContactPerson), count(CompanyContact), count(Tag)) == (20, 20, 20, 1)
    assert files.has_file(failed) and files.plan_path(failed).is_file() and not files.progress_path(failed).exists()
    page = client.get(f"/foretag/import/{job.id}").get_data(as_text=True)
    assert "20 rader är sparade och finns i registret" in page and "Försök igen" in page
    # Its plan is fixed now: the mapping and preview pages lead back to the status page.
    assert client.get(f"/foretag/import/{job.id}/forhandsgranskning").status_code == 302

    monkeypatch.setattr(writer.ImportWriter, "_write_chunk", real_write_chunk)
    assert client.post(f"/foretag/import/{job.id}/forsok-igen").status_code == 302
    run_scheduled_imports(app)
    done = job_row(job.id)
    assert done.status == ImportStatus.DONE and (done.created_count, done.rows_written) == (35, 35)
    assert (count(Company), count(ContactPerson), count(CompanyContact), count(Tag)) == (35, 35, 35, 1)
    assert count(CompanySni) == 0
    names = db.session.execute(select(Company.name).order_by(Company.id)).scalars().all()
    assert names == [f"Kö {n} AB" for n in range(1, 36)]
    audited = db.session.execute(
        select(AuditEntry.entity, func.count())
        .where(AuditEntry.action == "create", AuditEntry.entity != "User").group_by(AuditEntry.entity)
    ).all()
    assert dict(audited) == {"Company": 35, "ContactPerson": 35, "CompanyContact": 35, "Tag": 1}
    summary = db.session.execute(select(AuditEntry).where(AuditEntry.action == "import")).scalar_one()
    assert summary.changes["created"] == 35 and summary.changes["contacts_created"] == 35
    assert not files.plan_path(done).exists() and done.resume_state is None


def test_a_job_left_running_without_a_lease_is_failed(app):
    """A job the old in-process thread left running when its worker restarted has no lease: the sweep ends it."""
    job = upload_job(csv_bytes(rows(1)))
    job.status = ImportStatus.RUNNING
    db.session.commit()
    run_scheduled_imports(app)
    assert job_row(job.id).status == ImportStatus.FAILED and job_row(job.id).error == STOPPED


def test_the_lease_is_renewed_while_the_import_works(app, monkeypatch):
    app.config["IMPORT_LEASE_SECONDS"] = 2  # renewed every half second
    job = upload_job(csv_bytes(rows(2)))
    jobs.queue(job.id, False, None)
    db.session.commit()
    claim = jobs.claim_next()
    first = job_row(job.id).lease_expires_at
    renewed = threading.Event()
    real_plan = jobs.plan_job

    def slow_plan(job):
        """Planning lasts until the lease keeper has renewed the lease once, as a large file's would."""
        for _attempt in range(300):
            with db.engine.connect() as connection:
                lease = connection.execute(
                    select(ImportJob.lease_expires_at).where(ImportJob.id == claim.job_id)
                ).scalar_one()
            if lease > first:
                renewed.set()
                break
            renewed.wait(0.1)
        return real_plan(job)

    monkeypatch.setattr(jobs, "plan_job", slow_plan)
    jobs.run(claim)
    assert renewed.is_set() and job_row(job.id).status == ImportStatus.DONE
