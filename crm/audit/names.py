"""What the audit log calls each record, in the reader's language, and where the record's page is.

The audit log sits below every feature, so it knows none of their models: each kind of record is
registered with `@record_type(...)` by a module above them all (`crm.auditlog.record_names`), with a function
that names many records of that kind in one query. A page of the log costs one query per kind of
record on it, and one more per kind for records that no longer exist, whose last logged name is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.extensions import db


@dataclass(frozen=True)
class Named:
    """A record as the log shows it: its name and, while it exists, the address of its page."""

    name: str
    url: str | None = None


Namer = Callable[[Sequence[int]], dict[int, Named]]


@dataclass(frozen=True)
class RecordType:
    entity: str  # the model's class name, as entries store it
    label: object  # a lazy string: "Företag", "Kontaktperson" …
    names: Namer
    name_field: str | None  # the column whose last logged value names a record that is gone


_types: dict[str, RecordType] = {}


def record_type(entity: str, label, *, name_field: str | None = "name") -> Callable[[Namer], Namer]:
    """Register how records of `entity` are named: the function gets ids and returns those that exist."""

    def register(names: Namer) -> Namer:
        _types[entity] = RecordType(entity, label, names, name_field)
        return names

    return register


def label_of(entity: str) -> str:
    """The kind of record in the reader's language ("Företag"), or the stored name if it is not registered."""
    kind = _types.get(entity)
    return str(kind.label) if kind else entity


def known_entities() -> list[str]:
    return list(_types)


def _ids(entries: Iterable[AuditEntry]) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.entity in _types and entry.entity_id.isdigit():
            wanted.setdefault(entry.entity, set()).add(int(entry.entity_id))
    return wanted


def _last_logged_names(entity: str, field: str, ids: set[int]) -> dict[int, str]:
    """The latest value of `field` the log holds for each of the records, from their create and update entries."""
    rows = db.session.execute(
        select(AuditEntry.entity_id, AuditEntry.action, AuditEntry.changes)
        .where(
            AuditEntry.entity == entity,
            AuditEntry.entity_id.in_([str(record_id) for record_id in ids]),
            AuditEntry.action.in_(("create", "update")),
        )
        .order_by(AuditEntry.id)
    )
    names: dict[int, str] = {}
    for entity_id, action, changes in rows:
        value = (changes or {}).get(field)
        if action == "update" and isinstance(value, list) and len(value) == 2:
            value = value[1]
        if isinstance(value, str) and value:
            names[int(entity_id)] = value
    return names


def name_entries(entries: Sequence[AuditEntry]) -> dict[int, Named]:
    """Each entry's record, named, keyed by the entry's id; a record that is gone shows its last logged name."""
    found: dict[tuple[str, int], Named] = {}
    for entity, ids in _ids(entries).items():
        kind = _types[entity]
        named = kind.names(sorted(ids))
        found.update({(entity, record_id): value for record_id, value in named.items()})
        gone = ids - set(named)
        if gone and kind.name_field:
            for record_id, name in _last_logged_names(entity, kind.name_field, gone).items():
                found[(entity, record_id)] = Named(_("%(name)s (borttagen)", name=name))
    result = {}
    for entry in entries:
        if not entry.entity_id.isdigit():  # not one record (a range of days, say): the entry's id says what it was
            continue
        key = (entry.entity, int(entry.entity_id))
        if entry.entity in _types:
            result[entry.id] = found.get(key, Named(_("(borttagen)")))
    return result
