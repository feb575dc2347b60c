"""The gallring's scheduled work (run by crm.scheduler).

Every night: first an approved proposal is carried out (one committed transaction per kind, one log line
per kind), then a new proposal is made of what is due now, for an admin to approve. Nothing is deleted
before an approval. The dietary needs' purge runs here too, so that it is logged as automatic.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crm.events import services as event_services
from crm.extensions import db
from crm.retention import execution, proposals
from crm.retention.kinds import AUTOMATIC as AUTOMATIC_PURGES
from crm.retention.kinds import DIETARY_NEEDS
from crm.retention.models import ProposalStatus, RetentionLogEntry, RetentionProposal
from crm.timeutil import utcnow
from crm.worker import current as current_worker

AUTOMATIC = "automatiskt"


def run_gallring(now: datetime | None = None) -> None:
    """Carry out what was approved, then propose what is due (the run commits the proposal)."""
    now = now or utcnow()
    approved = db.session.scalars(select(RetentionProposal).where(
        RetentionProposal.status == ProposalStatus.APPROVED).order_by(RetentionProposal.id)).all()
    for proposal in approved:
        if not execution.execute(proposal, now):
            return  # stopped between kinds: the rest waits for the next night, with no new proposal meanwhile
    if not current_worker().may_act():
        return
    proposals.make_proposal(now)


def purge_dietary_needs(now: datetime | None = None) -> int:
    """Dietary needs 24 hours after the event (crm.events.services), logged as automatic when some went."""
    now = now or utcnow()
    count = event_services.purge_dietary_needs(now)
    if count:
        purge = next(purge for purge in AUTOMATIC_PURGES if purge.key == DIETARY_NEEDS)
        db.session.add(RetentionLogEntry(at=now, kind=purge.key, rule=str(purge.text), count=count,
                                         approved_by=AUTOMATIC))
    return count
