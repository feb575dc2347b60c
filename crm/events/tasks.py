"""The events' scheduled work (run by crm.scheduler, which commits)."""

from __future__ import annotations

from crm.events import services
from crm.timeutil import utcnow


def purge_dietary_needs() -> None:
    """Delete the dietary needs (health data) of events that are over."""
    services.purge_dietary_needs(utcnow())
