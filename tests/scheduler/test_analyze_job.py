"""The nightly ANALYZE: the planner's statistics, which SQLite never gathers by itself."""

from __future__ import annotations

from datetime import datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, text

from crm.extensions import db
from crm.scheduler import jobs, runs
from crm.scheduler.models import SchedulerRun
from crm.scheduler.runner import build_scheduler
from crm.timeutil import STOCKHOLM


@pytest.fixture
def bound(app):
    runs.bind(app)
    try:
        yield app
    finally:
        runs.unbind()


def test_the_analyze_job_runs_nightly(app):
    scheduler, _ = build_scheduler(app, BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        trigger = scheduler.get_job(jobs.ANALYZE_DATABASE).trigger
    finally:
        scheduler.shutdown()
    after = datetime(2026, 3, 28, 12, 0, tzinfo=STOCKHOLM)  # the night clocks go forward
    assert trigger.get_next_fire_time(None, after) == datetime(2026, 3, 29, 3, 30, tzinfo=STOCKHOLM)


def test_the_analyze_job_gathers_statistics(bound, factories):
    for n in range(3):
        factories.company(name=f"Statistik {n} AB")
    db.session.commit()
    jobs.analyze_database()
    db.session.rollback()
    run = db.session.execute(select(SchedulerRun).where(SchedulerRun.job_id == jobs.ANALYZE_DATABASE)).scalar_one()
    assert run.finished_at is not None and run.error is None
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'companies'"))
    else:
        assert db.session.scalar(text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'companies'"))
