"""Audit every create, update and delete of a model that mixes in `Audited`.

Mapper events collect the entries of a flush and the end of that flush writes them in one executemany
INSERT on the same connection, so they commit or roll back with the change (1 000 new rows: one
statement, not 1 000).
"""

from __future__ import annotations

import contextvars
from datetime import date, datetime
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, object_session

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


def plain_value(value: Any) -> Any:
    """A value as JSON can hold it, as audit entries store values."""
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
    connection.execute(insert(AuditEntry.__table__).values(**_entry(action, entity, entity_id, changes, actor)))


def _entry(action: str, entity: str, entity_id: Any, changes: dict | None = None,
           actor: tuple[int | None, str] | None = None) -> dict[str, Any]:
    user_id, actor_name = actor or current_actor()
    return {
        "at": utcnow(),
        "user_id": user_id,
        "actor": actor_name,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "changes": changes,
    }


class Audited:
    """Mixin: the model's creates, updates and deletes land in the audit log."""

    __audit_exclude__: frozenset[str] = frozenset()


_audited_keys_by_class: dict[type, list[str]] = {}


def _audited_keys(target) -> list[str]:
    """The column attributes an entry records, in the order of the instance's attributes (once per class)."""
    cls = type(target)
    keys = _audited_keys_by_class.get(cls)
    if keys is None:
        state = inspect(target)
        keys = [attr.key for attr in state.attrs
                if attr.key in state.mapper.columns and attr.key not in cls.__audit_exclude__ and attr.key != "id"]
        _audited_keys_by_class[cls] = keys
    return keys


def _column_values(target) -> dict[str, Any]:
    return {key: plain_value(getattr(target, key)) for key in _audited_keys(target)}


def record_created(connection, targets: list) -> None:
    """The "create" entries for rows inserted without the unit of work (a bulk INSERT), in one statement."""
    entries = [_entry("create", _entity_name(target), target.id, _column_values(target)) for target in targets]
    if entries:
        connection.execute(insert(AuditEntry.__table__), entries)


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
                changes[attr.key] = [plain_value(old), plain_value(new)]
    return changes


def _entity_name(target) -> str:
    return type(target).__name__


@event.listens_for(Audited, "before_mapper_configured", propagate=True)
def _load_old_values(mapper, class_) -> None:
    """Load a column's old value before it is overwritten, so an update records old and new."""
    for prop in mapper.column_attrs:
        prop.active_history = True


# --- Collected per flush, written at its end -------------------------------------------------------

_PENDING = "audit_pending"


def _collect(connection, target, action: str, changes: dict | None = None) -> None:
    """Keep the entry for the end of this flush; outside a session flush it is written at once."""
    entry = _entry(action, _entity_name(target), target.id, changes)
    session = object_session(target)
    if session is None:
        connection.execute(insert(AuditEntry.__table__).values(**entry))
        return
    session.info.setdefault(_PENDING, []).append((connection, entry))


@event.listens_for(Session, "before_flush")
def _forget_unwritten(session, flush_context, instances) -> None:
    """A flush that failed took its changes with it: its entries must not land with the next one."""
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_flush")
def _write_collected(session, flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    by_connection: dict[Any, list[dict[str, Any]]] = {}
    for connection, entry in pending:
        by_connection.setdefault(connection, []).append(entry)
    for connection, entries in by_connection.items():
        connection.execute(insert(AuditEntry.__table__), entries)


@event.listens_for(Session, "after_soft_rollback")
def _drop_collected(session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Audited, "after_insert", propagate=True)
def _after_insert(mapper, connection, target) -> None:
    _collect(connection, target, "create", _column_values(target))


@event.listens_for(Audited, "after_update", propagate=True)
def _after_update(mapper, connection, target) -> None:
    changes = _changed_values(target)
    if changes:
        _collect(connection, target, "update", changes)


@event.listens_for(Audited, "after_delete", propagate=True)
def _after_delete(mapper, connection, target) -> None:
    _collect(connection, target, "delete")
