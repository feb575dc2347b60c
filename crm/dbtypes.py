"""Column types shared by every feature."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, DateTime, Enum
from sqlalchemy.types import TypeDecorator


class Labelled(enum.StrEnum):
    """A StrEnum whose members carry a translated `.label`.

    The labels are declared once, beside the class, as lazy strings (translated when read):

        VisitKind.set_labels({VisitKind.POLITICIAN: _l("Politikerbesök"), ...})
    """

    @classmethod
    def set_labels(cls, labels: Mapping) -> None:
        missing = set(cls) - set(labels)
        if missing:
            raise ValueError(f"{cls.__name__} has no label for {sorted(missing)}")
        cls._labels = dict(labels)

    @property
    def label(self) -> str:
        return str(type(self)._labels[self])


def _values(enum_class) -> list[str]:
    return [member.value for member in enum_class]


def str_enum(enum_class, length: int = 20) -> Enum:
    """A StrEnum column stored as its values ('bokad', not 'BOOKED') in a VARCHAR, with no database enum type."""
    return Enum(enum_class, native_enum=False, length=length, values_callable=_values)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database (SQLite has no time zones of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def swedish(column: ColumnElement[str]) -> ColumnElement[str]:
    """`column` in Swedish order (Å, Ä, Ö after Z), for ORDER BY.

    Both databases name the collation "sv": SQLite's is registered on every connection
    (crm/database.py), PostgreSQL's is an ICU collation created by migration 0012. The indexes
    of that migration serve an ORDER BY written this way.
    """
    return column.collate("sv")
