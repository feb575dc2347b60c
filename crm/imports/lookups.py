"""The tables an import reads and writes, and lookups of many values at once (a few `IN` queries)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import String, bindparam, select
from sqlalchemy.types import NullType

from crm.audit.models import AuditEntry
from crm.companies.models import Company, CompanyContact, CompanySni, ContactPerson, Tag
from crm.extensions import db

LOOKUP_CHUNK = 1000  # values per IN (...) when prefetching

companies_table = Company.__table__
sni_table = CompanySni.__table__
contacts_table = ContactPerson.__table__
links_table = CompanyContact.__table__
tags_table = Tag.__table__
audit_table = AuditEntry.__table__


def chunks(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def inline_in(column, values: list[Any]):
    """`column IN (...)` with the values written into the statement rather than bound.

    psycopg prepares a statement it has run five times, and PostgreSQL may then plan
    `IN ($1, ..., $1000)` generically, comparing every row with the whole list: a second per
    batch instead of milliseconds. Inline values are planned as constants. They are validated
    keys (numbers, folded names, e-mail addresses, ids) quoted by SQLAlchemy's literal rendering.
    """
    value_type = String() if isinstance(column.type, NullType) else column.type
    return column.in_(bindparam("wanted", values, expanding=True, literal_execute=True, type_=value_type))


def rows_where(table, column, values: Iterable[Any], columns=None, where=None) -> list[dict[str, Any]]:
    """Every row whose `column` is in `values` (and meets `where`), fetched LOOKUP_CHUNK values at a time."""
    found: list[dict[str, Any]] = []
    for chunk in chunks(sorted(set(values)), LOOKUP_CHUNK):
        query = select(*(columns or [table])).where(inline_in(column, chunk))
        found.extend(dicts(query if where is None else query.where(where)))
    return found


def dicts(query) -> list[dict[str, Any]]:
    """The query's rows as plain dicts (much cheaper than RowMapping for thousands of rows)."""
    result = db.session.execute(query)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]
