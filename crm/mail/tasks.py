"""The outbox's scheduled work (run by crm.scheduler, which commits)."""

from __future__ import annotations

from crm.mail import delivery


def deliver_outbox() -> None:
    """Send what is due in the outbox."""
    delivery.deliver_due()


def recover_outbox(holder: str, *, predecessor_gone: bool) -> None:
    """When the scheduler takes its lock: what an earlier run claimed and never attempted goes back at once."""
    delivery.recover(holder, predecessor_gone=predecessor_gone)
