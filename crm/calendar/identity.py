"""A calendar item's identity, the same rule for every record that is one (visits, events).

The UID is made once, with the record, and never changes. SEQUENCE rises by one in the same flush
(so the same transaction) as any change to what a calendar client shows (RFC 5545 3.8.7.4),
whichever code makes the change, and it never falls. A model marks the columns a calendar shows
where it declares them, and registers the rule once:

    place: Mapped[str] = mapped_column(String(300), info=SHOWN_IN_CALENDARS)
    ...
    keep_calendar_identity(Visit, also=company_replaced)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import event, inspect

SHOWN_IN_CALENDARS = {"calendar": True}  # `info` of a column whose change is a new revision


class CalendarIdentityError(ValueError):
    """Code tried to change a calendar item's UID or lower its SEQUENCE."""


def new_uid() -> str:
    """A calendar UID, made once when the record is created and never recomputed."""
    return f"{uuid.uuid4()}@naringsliv-crm"


def changed(target, key: str) -> bool:
    """Whether the attribute `key` of `target` holds another value than it was loaded with."""
    history = inspect(target).attrs[key].history
    if not history.has_changes():
        return False
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    return old != new


def revision_columns(model: type) -> tuple[str, ...]:
    """The attributes of `model` whose columns are marked SHOWN_IN_CALENDARS, in table order."""
    return tuple(column.key for column in model.__table__.columns if column.info.get("calendar"))


def keep_calendar_identity(model: type, *, also: Callable[[object], bool] | None = None) -> None:
    """Guard `model`'s `uid` and raise its `sequence` when a column marked SHOWN_IN_CALENDARS (or `also`) changes.

    A SEQUENCE the code raised itself in the same flush (e.g. an explicit re-send) is kept as it is.
    """
    columns = revision_columns(model)
    what = model.__name__.lower()

    @event.listens_for(model, "before_update")
    def _keep(mapper, connection, target) -> None:
        if changed(target, "uid"):
            raise CalendarIdentityError(f"a {what}'s UID never changes")
        sequence = inspect(target).attrs["sequence"].history
        if sequence.deleted and sequence.added and sequence.added[0] < sequence.deleted[0]:
            raise CalendarIdentityError(f"a {what}'s SEQUENCE never falls")
        explicit = bool(sequence.added) and bool(sequence.deleted) and sequence.added[0] > sequence.deleted[0]
        if not explicit and (any(changed(target, key) for key in columns) or (also is not None and also(target))):
            target.sequence = (target.sequence or 0) + 1
