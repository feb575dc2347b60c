"""The visits a user takes part in, as busy times for the double-booking check (crm.conflicts)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, select

from crm.companies.models import Company
from crm.conflicts import Overlapping, busy_provider, kind_literal
from crm.visits.models import Visit, VisitStatus, visit_participants

KIND = "visit"


@busy_provider
def visits_taken_part_in(user_ids: Collection[int], overlapping: Overlapping) -> Select:
    """Visits that are not cancelled, overlapping the times asked about, one row per participant asked about."""
    return (
        select(
            kind_literal(KIND),
            Visit.id.label("item_id"),
            Company.name.label("title"),
            Visit.starts_at.label("starts_at"),
            Visit.ends_at.label("ends_at"),
            visit_participants.c.user_id.label("user_id"),
        )
        .join(visit_participants, visit_participants.c.visit_id == Visit.id)
        .join(Company, Company.id == Visit.company_id)
        .where(
            visit_participants.c.user_id.in_(user_ids),
            Visit.status != VisitStatus.CANCELLED,
            overlapping(Visit.starts_at, Visit.ends_at),
        )
    )
