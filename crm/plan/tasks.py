"""The visit plan's scheduled work (run by crm.scheduler, which commits): the figures the pages only read."""

from __future__ import annotations

from datetime import date, datetime

from crm.plan.spread import refresh_register_counts
from crm.plan.suggestions import refresh_stored
from crm.timeutil import STOCKHOLM, utcnow


def refresh_plan_figures(now: datetime | None = None, today: date | None = None) -> None:
    """Count the active register per group again, then rank and store the suggestions of whom to visit for this
    year and the next on those counts (the caller commits)."""
    now = now or utcnow()
    refresh_register_counts(now)
    refresh_stored(now, today or now.astimezone(STOCKHOLM).date())
