"""Double bookings: the visits and events a user already takes part in at a given time.

Each feature that puts users in a calendar registers a provider with `@busy_provider`: given user ids and
the condition "overlaps one of the times asked about" (a function of the feature's start and end columns),
it returns a SELECT of the feature's items that meet it, one row per item and user, with the columns of
`BUSY_COLUMNS`. `conflicts_by_time` asks all providers in one statement (a UNION ALL joined to the users)
for any number of times at once (an OR of one condition per time), so the check costs one query however
many users, times and features there are: a whole series is checked as cheaply as one event. Features
register from below: visits and events both depend on this module, never on each other through it.

Two times overlap when each starts before the other ends; an item that ends when the other starts is no
conflict (a 09:00–10:00 visit and a 10:00 breakfast can both be kept).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, String, and_, cast, literal, not_, or_, select, union_all

from crm.auth.models import User
from crm.errors import RuleRefused
from crm.extensions import db
from crm.timeutil import as_utc

BUSY_COLUMNS = ("kind", "item_id", "title", "starts_at", "ends_at", "user_id")

Window = tuple[datetime, datetime]  # start and end, aware UTC
Overlapping = Callable[[ColumnElement, ColumnElement], ColumnElement]  # (starts_at column, ends_at column) -> condition
Provider = Callable[[Collection[int], Overlapping], Select]
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


def overlapping_any(windows: Sequence[Window]) -> Overlapping:
    """The condition a provider puts on its columns: the stored time overlaps at least one of `windows`.

    Besides the OR of one condition per window, the whole span is stated once, so an index on the start
    column narrows the rows before the OR is tried on them.
    """

    def condition(starts_at_column, ends_at_column) -> ColumnElement:
        each = [overlaps(starts_at_column, ends_at_column, start, end) for start, end in windows]
        if len(each) == 1:
            return each[0]
        span = overlaps(starts_at_column, ends_at_column, min(start for start, _ in windows),
                        max(end for _, end in windows))
        return and_(span, or_(*each))

    return condition


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
    return conflicts_by_time(user_ids, [(starts_at, ends_at)], [skip] if skip else ())[0]


def _skipping(busy, skip: Iterable[tuple[str, int]]) -> ColumnElement | None:
    """SQL condition leaving out the (kind, id) items of `skip`, or None when there are none."""
    by_kind: dict[str, set[int]] = {}
    for kind, item_id in skip:
        by_kind.setdefault(kind, set()).add(item_id)
    if not by_kind:
        return None
    return not_(or_(*(and_(busy.c.kind == kind, busy.c.item_id.in_(sorted(ids)))
                      for kind, ids in sorted(by_kind.items()))))


def conflicts_by_time(
    user_ids: Collection[int], windows: Sequence[Window], skip: Iterable[tuple[str, int]] = ()
) -> list[list[Conflict]]:
    """For each of `windows`, what the users already take part in that overlaps it, in the windows' order;
    the (kind, id) items in `skip` left out. One query for all the windows together."""
    result: list[list[Conflict]] = [[] for _ in windows]
    user_ids = {user_id for user_id in user_ids if user_id is not None}
    if not user_ids or not windows or not _providers:
        return result
    condition = overlapping_any(windows)
    busy = union_all(*(provider(user_ids, condition) for provider in _providers)).subquery("busy")
    query = select(busy, User.name).join(User, User.id == busy.c.user_id)
    skipping = _skipping(busy, skip)
    if skipping is not None:
        query = query.where(skipping)
    query = query.order_by(busy.c.starts_at, User.name, busy.c.kind, busy.c.item_id)
    for row in db.session.execute(query):
        conflict = Conflict(
            user_id=row.user_id, user_name=row.name, kind=row.kind, item_id=row.item_id, title=row.title,
            starts_at=as_utc(row.starts_at), ends_at=as_utc(row.ends_at),
        )
        for index, (start, end) in enumerate(windows):
            if conflict.starts_at < as_utc(end) and conflict.ends_at > as_utc(start):
                result[index].append(conflict)
    return result


class ParticipantsBusy(RuleRefused):
    """Someone taking part already has a visit or an event then; saving anyway needs the user's say-so."""

    message = _l("Någon som deltar har redan ett besök eller en träff vid den tiden.")

    def __init__(self, conflicts: list[Conflict], by_time: list[list[Conflict]] | None = None):
        super().__init__()
        self.conflicts = conflicts
        self.by_time = by_time if by_time is not None else [conflicts]  # per time asked about, in its order


def refuse_double_booking(
    user_ids: Collection[int], starts_at: datetime, ends_at: datetime, skip: tuple[str, int] | None = None
) -> None:
    """Raise ParticipantsBusy, listing the conflicts, if any of the users is already busy then."""
    found = find_conflicts(user_ids, starts_at, ends_at, skip)
    if found:
        raise ParticipantsBusy(found)


def refuse_double_bookings(
    user_ids: Collection[int], windows: Sequence[Window], skip: Iterable[tuple[str, int]] = ()
) -> None:
    """Raise ParticipantsBusy if any of the users is busy at any of the times (a series); one query."""
    by_time = conflicts_by_time(user_ids, windows, skip)
    if any(by_time):
        raise ParticipantsBusy(list(dict.fromkeys(c for found in by_time for c in found)), by_time)
