"""The visits a user takes part in, as busy times for the double-booking check (crm.conflicts)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Select, select

from crm.companies.models import Company
from crm.conflicts import busy_provider, kind_literal, overlaps
from crm.visits.models import Visit, VisitStatus, visit_participants

KIND = "visit"


@busy_provider
def visits_taken_part_in(user_ids: Collection[int], starts_at: datetime, ends_at: datetime) -> Select:
    """Visits that are not cancelled, with a time overlapping the given one, one row per participant asked about."""
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
            overlaps(Visit.starts_at, Visit.ends_at, starts_at, ends_at),
        )
    )
