"""Double bookings: the visits and events a user already takes part in at a given time.

Each feature that puts users in a calendar registers a provider with `@busy_provider`: given user ids and
a time, it returns a SELECT of the feature's items that overlap it, one row per item and user, with the
columns of `BUSY_COLUMNS`. `find_conflicts` asks all providers in one statement (a UNION ALL joined to the
users), so the check costs one query however many users and features there are. Features register from
below: visits and events both depend on this module, never on each other through it.

Two times overlap when each starts before the other ends; an item that ends when the other starts is no
conflict (a 09:00–10:00 visit and a 10:00 breakfast can both be kept).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, String, and_, cast, literal, not_, select, union_all

from crm.auth.models import User
from crm.errors import RuleRefused
from crm.extensions import db
from crm.timeutil import as_utc

BUSY_COLUMNS = ("kind", "item_id", "title", "starts_at", "ends_at", "user_id")

Provider = Callable[[Collection[int], datetime, datetime], Select]
_providers: list[Provider] = []


def busy_provider(provider: Provider) -> Provider:
    """Register a feature's provider of busy times (see the module docstring)."""
    _providers.append(provider)
    return provider


def kind_literal(kind: str) -> ColumnElement:
    """The provider's kind as the first column of its SELECT."""
    return cast(literal(kind), String(10)).label("kind")


def overlaps(starts_at_column, ends_at_column, starts_at: datetime, ends_at: datetime) -> ColumnElement:
    """SQL condition: the stored time overlaps [starts_at, ends_at); touching ends are no overlap."""
    return and_(starts_at_column < ends_at, ends_at_column > starts_at)


@dataclass(frozen=True)
class Conflict:
    """One user already busy with one visit or event (plain values: safe to show after a rollback)."""

    user_id: int
    user_name: str
    kind: str  # "visit" or "event"
    item_id: int
    title: str
    starts_at: datetime  # aware UTC
    ends_at: datetime  # aware UTC


def find_conflicts(
    user_ids: Collection[int], starts_at: datetime, ends_at: datetime, skip: tuple[str, int] | None = None
) -> list[Conflict]:
    """Everything the users already take part in that overlaps the time, `skip` (kind, id) left out; one query."""
    user_ids = {user_id for user_id in user_ids if user_id is not None}
    if not user_ids or not _providers:
        return []
    busy = union_all(*(provider(user_ids, starts_at, ends_at) for provider in _providers)).subquery("busy")
    query = select(busy, User.name).join(User, User.id == busy.c.user_id)
    if skip is not None:
        query = query.where(not_(and_(busy.c.kind == skip[0], busy.c.item_id == skip[1])))
    query = query.order_by(busy.c.starts_at, User.name, busy.c.kind, busy.c.item_id)
    return [
        Conflict(
            user_id=row.user_id, user_name=row.name, kind=row.kind, item_id=row.item_id, title=row.title,
            starts_at=as_utc(row.starts_at), ends_at=as_utc(row.ends_at),
        )
        for row in db.session.execute(query)
    ]


class ParticipantsBusy(RuleRefused):
    """Someone taking part already has a visit or an event then; saving anyway needs the user's say-so."""

    message = _l("Någon som deltar har redan ett besök eller en träff vid den tiden.")

    def __init__(self, conflicts: list[Conflict]):
        super().__init__()
        self.conflicts = conflicts


def refuse_double_booking(
    user_ids: Collection[int], starts_at: datetime, ends_at: datetime, skip: tuple[str, int] | None = None
) -> None:
    """Raise ParticipantsBusy, listing the conflicts, if any of the users is already busy then."""
    found = find_conflicts(user_ids, starts_at, ends_at, skip)
    if found:
        raise ParticipantsBusy(found)
