"""The jobs: recorded runs, errors that do not stop the scheduler, doubled ticks, pruning, the heartbeat."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from crm.extensions import db
from crm.scheduler import jobs, runs
from crm.scheduler.models import HEARTBEAT_ROW_ID, SchedulerHeartbeat, SchedulerRun
from crm.scheduler.runner import MISFIRE_GRACE_SECONDS, build_scheduler
from crm.timeutil import STOCKHOLM, utcnow
from tests.scheduler.support import wait_until


@pytest.fixture
def bound(app):
    runs.bind(app)
    try:
        yield app
    finally:
        runs.unbind()


def finished_runs(job_id: str) -> list[SchedulerRun]:
    db.session.rollback()
    return db.session.execute(
        select(SchedulerRun).where(SchedulerRun.job_id == job_id, SchedulerRun.finished_at.is_not(None))
        .order_by(SchedulerRun.scheduled_for)
    ).scalars().all()


def run_at(job, when: datetime) -> None:
    token = runs.scheduled_for_var.set(when)
    try:
        job()
    finally:
        runs.scheduled_for_var.reset(token)


def test_the_scheduler_is_configured_as_agreed(app):
    scheduler, _ = build_scheduler(app, BackgroundScheduler)
    scheduler.start(paused=True)  # job defaults apply when the jobs are really added, at start
    try:
        found = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown()
    assert set(found) == set(jobs.JOB_IDS)
    assert str(scheduler.timezone) == "Europe/Stockholm"
    for job in found.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == MISFIRE_GRACE_SECONDS
    assert found[jobs.HEARTBEAT].trigger.interval == timedelta(seconds=app.config["SCHEDULER_HEARTBEAT_SECONDS"])
    assert found[jobs.DELIVER_OUTBOX].trigger.interval == timedelta(seconds=app.config["SCHEDULER_OUTBOX_SECONDS"])
    assert found[jobs.SWEEP_REMINDERS].trigger.interval == timedelta(seconds=app.config["SCHEDULER_SWEEP_SECONDS"])
    prune = found[jobs.PRUNE_RUNS].trigger
    after = datetime(2026, 3, 28, 12, 0, tzinfo=STOCKHOLM)  # the night clocks go forward
    assert prune.get_next_fire_time(None, after) == datetime(2026, 3, 29, 3, 15, tzinfo=STOCKHOLM)
    purge = found[jobs.PURGE_DIETARY].trigger
    assert purge.get_next_fire_time(None, after) == datetime(2026, 3, 29, 3, 20, tzinfo=STOCKHOLM)


def test_the_dietary_purge_job_deletes_needs_of_events_that_are_over(bound, factories):
    from crm.events.models import DietaryNeed

    over = factories.event(start=datetime(2026, 1, 9, 7, 30))
    coming = factories.event(start=datetime(2099, 1, 9, 7, 30))
    for event in (over, coming):
        invitation = factories.invitation(event)
        db.session.add(DietaryNeed(invitation=invitation, categories="vegansk"))
    db.session.commit()
    assert utcnow() > over.ends_at
    jobs.purge_dietary_needs()
    db.session.rollback()
    left = db.session.scalars(select(DietaryNeed.invitation_id)).all()
    assert left == [coming.invitations[0].id]


def test_a_failing_job_is_recorded_and_the_scheduler_carries_on(bound, monkeypatch):
    def broken_delivery(*args, **kwargs):
        raise RuntimeError("SMTP-servern svarar inte")

    monkeypatch.setattr("crm.mail.delivery.deliver_due", broken_delivery)
    bound.config.update(SCHEDULER_HEARTBEAT_SECONDS=1, SCHEDULER_OUTBOX_SECONDS=1)
    scheduler, _ = build_scheduler(bound, BackgroundScheduler)
    for job_id in (jobs.SWEEP_REMINDERS, jobs.PRUNE_RUNS, jobs.PURGE_DIETARY):  # not part of this test
        scheduler.remove_job(job_id)
    scheduler.start()
    try:
        wait_until(lambda: len(finished_runs(jobs.DELIVER_OUTBOX)) >= 2, 20, message="two failed deliveries")
        first_failure = finished_runs(jobs.DELIVER_OUTBOX)[0].scheduled_for
        wait_until(lambda: any(run.scheduled_for > first_failure for run in finished_runs(jobs.HEARTBEAT)), 20,
                   message="a heartbeat after the failure")
    finally:
        scheduler.shutdown(wait=True)

    failures = finished_runs(jobs.DELIVER_OUTBOX)
    assert all("RuntimeError: SMTP-servern svarar inte" in run.error for run in failures)
    assert all(run.pid == os.getpid() for run in failures)
    assert failures[1].scheduled_for > failures[0].scheduled_for  # the failing job itself ran again
    beats = finished_runs(jobs.HEARTBEAT)
    assert beats and all(run.error is None for run in beats)
    assert db.session.get(SchedulerHeartbeat, HEARTBEAT_ROW_ID) is not None


def test_a_doubled_tick_fails_loudly_and_does_no_work_twice(bound, monkeypatch, caplog):
    calls = []
    monkeypatch.setattr("crm.mail.delivery.deliver_due", lambda *a, **k: calls.append(1))
    # Alembic's logging set-up (the migrations ran in this process) disables loggers that existed before it.
    monkeypatch.setattr(runs.logger, "disabled", False)
    tick = datetime(2026, 11, 22, 8, 0, 15, tzinfo=UTC)

    run_at(jobs.deliver_outbox, tick)
    with caplog.at_level(logging.ERROR, logger="crm.scheduler"):
        run_at(jobs.deliver_outbox, tick)

    assert calls == [1]
    assert len(finished_runs(jobs.DELIVER_OUTBOX)) == 1
    assert "har redan körts" in caplog.text
    run_at(jobs.deliver_outbox, tick + timedelta(seconds=15))  # the next tick is a run of its own
    assert calls == [1, 1]
    assert [run.scheduled_for for run in finished_runs(jobs.DELIVER_OUTBOX)] == [tick, tick + timedelta(seconds=15)]


def test_the_run_records_the_scheduled_time_not_the_start(bound):
    tick = datetime(2026, 11, 22, 5, 0, 30, tzinfo=UTC)
    run_at(jobs.heartbeat, tick)
    (run,) = finished_runs(jobs.HEARTBEAT)
    assert run.scheduled_for == tick
    assert run.started_at > tick
    assert run.finished_at >= run.started_at
    assert (run.pid, run.error) == (os.getpid(), None)


def test_prune_forgets_runs_older_than_fourteen_days(bound):
    now = utcnow()
    for age in (timedelta(days=15), timedelta(days=14, hours=1), timedelta(days=13), timedelta(hours=2)):
        db.session.add(SchedulerRun(job_id=jobs.HEARTBEAT, scheduled_for=now - age, host="h", pid=1))
    db.session.commit()

    run_at(jobs.prune_runs, now)

    db.session.rollback()
    left = db.session.execute(select(SchedulerRun.job_id, SchedulerRun.scheduled_for)).all()
    ages = sorted(now - when for job_id, when in left if job_id == jobs.HEARTBEAT)
    assert ages == [timedelta(hours=2), timedelta(days=13)]
    assert [job_id for job_id, _ in left].count(jobs.PRUNE_RUNS) == 1


def test_the_heartbeat_upserts_one_row(app):
    started = utcnow() - timedelta(minutes=5)
    runs.bind(app, started_at=started)
    try:
        run_at(jobs.heartbeat, utcnow().replace(microsecond=0))
        db.session.rollback()
        first = db.session.execute(select(SchedulerHeartbeat)).scalar_one()
        first_beat = first.beat_at
        run_at(jobs.heartbeat, utcnow().replace(microsecond=0) + timedelta(seconds=1))
        db.session.rollback()
        again = db.session.execute(select(SchedulerHeartbeat)).scalar_one()
    finally:
        runs.unbind()
    assert (again.id, again.pid, again.started_at) == (HEARTBEAT_ROW_ID, os.getpid(), started)
    assert again.beat_at >= first_beat > started


def test_a_lost_lock_stops_the_scheduler_and_is_recorded(app):
    stopped = []
    runs.bind(app, lock_held=lambda: False, on_lock_lost=lambda: stopped.append(True))
    try:
        run_at(jobs.heartbeat, datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    finally:
        runs.unbind()
    assert stopped == [True]
    (run,) = finished_runs(jobs.HEARTBEAT)
    assert "LockLost" in run.error
    assert db.session.get(SchedulerHeartbeat, HEARTBEAT_ROW_ID) is None  # no heartbeat without the lock


def test_status_shows_the_heartbeat_and_each_jobs_last_run(app):
    now = utcnow()
    db.session.add(SchedulerHeartbeat(id=1, beat_at=now, started_at=now - timedelta(hours=1), host="sched1", pid=4321))
    db.session.add(SchedulerRun(job_id=jobs.HEARTBEAT, scheduled_for=now - timedelta(seconds=60), host="sched1",
                                pid=4321, finished_at=now - timedelta(seconds=60), error="RuntimeError: gammal"))
    db.session.add(SchedulerRun(job_id=jobs.HEARTBEAT, scheduled_for=now, host="sched1", pid=4321, finished_at=now))
    db.session.add(SchedulerRun(job_id=jobs.DELIVER_OUTBOX, scheduled_for=now, host="sched1", pid=4321,
                                finished_at=now, error="Traceback ...\nRuntimeError: SMTP-servern svarar inte\n"))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["scheduler", "status"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "sched1, pid 4321" in lines[0]
    assert not any(line.startswith("Varning") for line in lines)
    heartbeat_line = next(line for line in lines if line.strip().startswith("heartbeat"))
    assert heartbeat_line.endswith(": ok")  # the latest run, not the older failed one
    delivery_line = next(line for line in lines if "deliver_outbox" in line)
    assert delivery_line.endswith("fel: RuntimeError: SMTP-servern svarar inte")
    assert next(line for line in lines if "sweep_reminders" in line).endswith("har inte körts")


def test_status_warns_about_a_missing_or_stale_heartbeat(app):
    runner = app.test_cli_runner()
    assert "aldrig startat" in runner.invoke(args=["scheduler", "status"]).output
    stale = app.config["SCHEDULER_STALE_SECONDS"] + 60
    db.session.add(SchedulerHeartbeat(id=1, beat_at=utcnow() - timedelta(seconds=stale), started_at=utcnow(),
                                      host="sched1", pid=1))
    db.session.commit()
    assert "Varning: hjärtslaget är äldre än" in runner.invoke(args=["scheduler", "status"]).output


def test_the_intervals_come_from_the_environment(monkeypatch):
    from config import Config

    monkeypatch.setenv("CRM_SCHEDULER_REGISTER_COUNT_SECONDS", "120")
    monkeypatch.setenv("CRM_SCHEDULER_SWEEP_SECONDS", "45")
    settings = Config.load()
    assert settings["SCHEDULER_REGISTER_COUNT_SECONDS"] == 120
    assert settings["SCHEDULER_SWEEP_SECONDS"] == 45


def test_the_delivery_settings_come_from_the_environment_and_bad_ones_are_refused(monkeypatch):
    from config import Config

    for name, value in {"MAIL_LEASE_SECONDS": "90", "MAIL_BATCH_SIZE": "20", "MAIL_RETRY_BASE_SECONDS": "30",
                        "MAIL_RETRY_MAX_SECONDS": "7200", "MAIL_MAX_ATTEMPTS": "12", "MAIL_CONNECT_TIMEOUT": "10",
                        "MAIL_TIMEOUT": "15", "MAIL_FINAL_TIMEOUT": "300", "SCHEDULER_STOP_SECONDS": "20"}.items():
        monkeypatch.setenv(f"CRM_{name}", value)
    monkeypatch.setenv("CRM_MAIL_RELAY_DEDUPLICATES", "true")
    settings = Config.load()
    assert (settings["MAIL_LEASE_SECONDS"], settings["MAIL_BATCH_SIZE"], settings["MAIL_RETRY_BASE_SECONDS"],
            settings["MAIL_RETRY_MAX_SECONDS"], settings["MAIL_MAX_ATTEMPTS"], settings["MAIL_CONNECT_TIMEOUT"],
            settings["MAIL_TIMEOUT"], settings["MAIL_FINAL_TIMEOUT"], settings["SCHEDULER_STOP_SECONDS"]) == (
        90, 20, 30, 7200, 12, 10, 15, 300, 20)
    assert settings["MAIL_RELAY_DEDUPLICATES"] is True

    monkeypatch.setenv("CRM_MAIL_FINAL_TIMEOUT", "tio minuter")
    with pytest.raises(RuntimeError, match="CRM_MAIL_FINAL_TIMEOUT must be a whole number"):
        Config.load()


def test_status_says_when_the_scheduler_reconnected_after_losing_the_database(app):
    runs.write_heartbeat()
    db.session.commit()
    assert "återanslöt" not in app.test_cli_runner().invoke(args=["scheduler", "status"]).output

    runs.write_heartbeat(reconnected=True)
    runs.write_heartbeat(reconnected=True)
    db.session.commit()

    output = app.test_cli_runner().invoke(args=["scheduler", "status"]).output
    assert "Databasen har varit borta 2 gång(er) sedan start; schemaläggaren återanslöt senast" in output
