"""The reminders' scheduled work (run by crm.scheduler, which commits)."""

from __future__ import annotations

from crm.reminders import sweep
from crm.timeutil import utcnow


def sweep_reminders() -> None:
    """Queue the reminders that are due, including any missed while the scheduler was down."""
    sweep.sweep_reminders(utcnow())
