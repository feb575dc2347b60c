"""The events a user organises, as busy times for the double-booking check (crm.conflicts).

The organizer is the one user an event has: the person who runs it (invitees are contact persons).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Select, select

from crm.conflicts import busy_provider, kind_literal, overlaps
from crm.events.models import Event, EventStatus

KIND = "event"


@busy_provider
def events_organised(user_ids: Collection[int], starts_at: datetime, ends_at: datetime) -> Select:
    """Events that are not cancelled, organised by one of the users, overlapping the given time."""
    return select(
        kind_literal(KIND),
        Event.id.label("item_id"),
        Event.title.label("title"),
        Event.starts_at.label("starts_at"),
        Event.ends_at.label("ends_at"),
        Event.organizer_id.label("user_id"),
    ).where(
        Event.organizer_id.in_(user_ids),
        Event.status != EventStatus.CANCELLED,
        overlaps(Event.starts_at, Event.ends_at, starts_at, ends_at),
    )
