"""When a visit is fully closed: done, no open follow-ups, and the company has had feedback on each."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, exists, or_

from crm.followups.models import FollowUp, FollowUpStatus
from crm.visits.models import Visit, VisitStatus

OPEN_STATUSES = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)


def has_loose_ends():
    """SQL condition: the visit has a follow-up still open or one the company has had no feedback on."""
    return exists().where(
        FollowUp.visit_id == Visit.id,
        or_(FollowUp.status.in_(OPEN_STATUSES), FollowUp.feedback_on.is_(None)),
    )


def done_but_not_closed():
    """SQL condition for done visits that are not yet fully closed."""
    return and_(Visit.status == VisitStatus.DONE, has_loose_ends())


def loose_ends(follow_ups: Iterable[FollowUp]) -> list[FollowUp]:
    """The follow-ups that keep a done visit from being fully closed: still open, or no feedback yet."""
    return [f for f in follow_ups if f.is_open or f.feedback_on is None]


def is_fully_closed(visit: Visit) -> bool:
    """The same rule for a loaded visit (its follow_ups loaded)."""
    if visit.status != VisitStatus.DONE:
        return False
    return not loose_ends(visit.follow_ups)
