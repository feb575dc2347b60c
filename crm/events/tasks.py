"""The events' scheduled work (run by crm.scheduler, which commits)."""

from __future__ import annotations

from crm.events import registration
from crm.timeutil import utcnow

# The dietary needs' purge runs from crm.retention.tasks, which logs it in the gallringslogg.


def purge_unconfirmed_registrations() -> None:
    """Delete open registrations never confirmed within a week, and old rate-limit rows."""
    registration.purge_unconfirmed(utcnow())
