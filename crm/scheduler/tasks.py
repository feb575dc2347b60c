"""The scheduler's own housekeeping: forgetting old runs, and the planner's statistics."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, text

from crm.extensions import db
from crm.scheduler.models import SchedulerRun
from crm.timeutil import utcnow

RUNS_KEPT = timedelta(days=14)


def prune_runs() -> None:
    """Forget the runs older than RUNS_KEPT (the caller commits)."""
    db.session.execute(delete(SchedulerRun).where(SchedulerRun.scheduled_for < utcnow() - RUNS_KEPT))


def refresh_planner_statistics() -> None:
    """ANALYZE the whole database, so the planner knows e.g. that most companies are active (the caller commits).

    SQLite never gathers these statistics by itself."""
    db.session.execute(text("ANALYZE"))
