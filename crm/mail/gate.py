"""The gate no mail to a person who must not get it passes: every "people" message (crm.mail.kinds) is
checked here when it is queued, whatever path queued it.

crm.mail is a low layer and knows nothing of contacts or companies. The features that do register
*sources* here when they are imported: a source returns a SELECT of one column, the addresses (in any
case) that must not get mail to people — a contact person's who objected (GDPR art. 21), the other
addresses the inbox knows for that person, a Reklamspärr company's generic address. `blocked` asks all
sources in one query (a UNION) for the addresses of one `queue_many` call, so 1 000 invitations cost one
query, not 1 000.

Addresses are compared trimmed and in lower case (on SQLite `lower()` folds ASCII letters only; addresses
are stored folded by the models, so this matters only for an address typed in capitals outside ASCII).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Select, func, select, union_all

from crm.extensions import db

BlockedSource = Callable[[], Select]

_sources: list[BlockedSource] = []

# Addresses per query; one queue_many call of 1 000 invitations is one query (SQLite allows 32 766 parameters).
CHUNK = 10_000


class NoGate(RuntimeError):
    """Mail to people was queued before any feature told the gate who must not get it."""


def blocked_source(source: BlockedSource) -> BlockedSource:
    """Register a source of addresses that must not get mail to people (used as a decorator)."""
    if source not in _sources:
        _sources.append(source)
    return source


def sources() -> list[BlockedSource]:
    return list(_sources)


def normal(address: str) -> str:
    return address.strip().lower()


def blocked(addresses: Iterable[str]) -> set[str]:
    """Which of these addresses (returned trimmed and lower-cased) must not get mail to people."""
    wanted = sorted({normal(address) for address in addresses if address})
    if not wanted:
        return set()
    if not _sources:
        raise NoGate("no source of blocked addresses is registered: mail to people cannot be checked")
    union = union_all(*(source() for source in _sources)).subquery()
    address = func.lower(func.trim(union.c[0]))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(db.session.scalars(
            select(address).where(address.in_(wanted[start:start + CHUNK])).distinct()
        ))
    return found
