"""The events a user organises, as busy times for the double-booking check (crm.conflicts).

The organizer is the one user an event has: the person who runs it (invitees are contact persons).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, select

from crm.conflicts import Overlapping, busy_provider, kind_literal
from crm.events.models import Event, EventStatus

KIND = "event"


@busy_provider
def events_organised(user_ids: Collection[int], overlapping: Overlapping) -> Select:
    """Events that are not cancelled, organised by one of the users, overlapping the times asked about."""
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
        overlapping(Event.starts_at, Event.ends_at),
    )
