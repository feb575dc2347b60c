"""The outbox's scheduled work (run by crm.scheduler, which commits)."""

from __future__ import annotations

from crm.mail import delivery


def deliver_outbox() -> None:
    """Send what is due in the outbox."""
    delivery.deliver_due()
