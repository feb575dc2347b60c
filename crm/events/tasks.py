"""The events' scheduled work (run by crm.scheduler, which commits)."""

from __future__ import annotations

from crm.events import registration, services
from crm.timeutil import utcnow


def purge_dietary_needs() -> None:
    """Delete the dietary needs (health data) of events that are over."""
    services.purge_dietary_needs(utcnow())


def purge_unconfirmed_registrations() -> None:
    """Delete open registrations never confirmed within a week, and old rate-limit rows."""
    registration.purge_unconfirmed(utcnow())
