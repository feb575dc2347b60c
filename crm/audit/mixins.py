"""Audit every create, update and delete of a model that mixes in `Audited`.

Mapper events write the entry on the same connection, so it commits or rolls back with the change.
"""

from __future__ import annotations

import contextvars
from datetime import date, datetime
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event, insert, inspect

from crm.audit.models import AuditEntry
from crm.timeutil import utcnow

# The actor outside a request (CLI commands, the scheduler): (user id or None, name).
system_actor: contextvars.ContextVar[tuple[int | None, str]] = contextvars.ContextVar(
    "system_actor", default=(None, "system")
)


def current_actor() -> tuple[int | None, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.name
    return system_actor.get()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def record(
    connection,
    action: str,
    entity: str,
    entity_id: Any,
    changes: dict | None = None,
    actor: tuple[int | None, str] | None = None,
) -> None:
    """Write one audit entry on the given connection (the actor defaults to whoever is acting now)."""
    user_id, actor_name = actor or current_actor()
    connection.execute(
        insert(AuditEntry.__table__).values(
            at=utcnow(),
            user_id=user_id,
            actor=actor_name,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            changes=changes,
        )
    )


class Audited:
    """Mixin: the model's creates, updates and deletes land in the audit log."""

    __audit_exclude__: frozenset[str] = frozenset()


def _column_values(target) -> dict[str, Any]:
    state = inspect(target)
    exclude = type(target).__audit_exclude__
    return {
        attr.key: _plain(attr.value)
        for attr in state.attrs
        if attr.key in state.mapper.columns and attr.key not in exclude and attr.key != "id"
    }


def _changed_values(target) -> dict[str, list[Any]]:
    state = inspect(target)
    exclude = type(target).__audit_exclude__
    changes: dict[str, list[Any]] = {}
    for attr in state.attrs:
        if attr.key not in state.mapper.columns or attr.key in exclude:
            continue
        history = attr.load_history()
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[attr.key] = [_plain(old), _plain(new)]
    return changes


def _entity_name(target) -> str:
    return type(target).__name__


@event.listens_for(Audited, "before_mapper_configured", propagate=True)
def _load_old_values(mapper, class_) -> None:
    """Load a column's old value before it is overwritten, so an update records old and new."""
    for prop in mapper.column_attrs:
        prop.active_history = True


@event.listens_for(Audited, "after_insert", propagate=True)
def _after_insert(mapper, connection, target) -> None:
    record(connection, "create", _entity_name(target), target.id, _column_values(target))


@event.listens_for(Audited, "after_update", propagate=True)
def _after_update(mapper, connection, target) -> None:
    changes = _changed_values(target)
    if changes:
        record(connection, "update", _entity_name(target), target.id, changes)


@event.listens_for(Audited, "after_delete", propagate=True)
def _after_delete(mapper, connection, target) -> None:
    record(connection, "delete", _entity_name(target), target.id)
