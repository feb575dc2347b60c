"""Companies whose name is close to a new company's, so a duplicate is noticed before it is saved.

Close means the same name key ('Åbyvik Energi' and 'ÅBYVIK ENERGI AB'), or one name key being the
other's first words ('Åbyvik Energi' and 'Åbyvik Energi Service AB'). One query, served by the
name_key index for equal keys and the keys that begin the new one, and by the trigram search
(FTS5 on SQLite, pg_trgm on PostgreSQL) for the longer ones.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from crm.companies.models import Company
from crm.companies.search import _companies_named, _id_in
from crm.companies.search_scope import starting_with
from crm.extensions import db
from crm.text import name_key

LIMIT = 5
SHORTEST_PREFIX = 4  # a key shorter than this ("ab", "bil") begins too many names to tell anything


def similar_companies(name: str, limit: int = LIMIT) -> list[Company]:
    """At most `limit` companies whose name is close to `name`, the closest (equal key) first."""
    key = name_key(name)
    if not key:
        return []
    words = key.split()
    beginnings = [" ".join(words[:n]) for n in range(1, len(words))]
    keys = [key, *(prefix for prefix in beginnings if len(prefix) >= SHORTEST_PREFIX)]
    conditions = [Company.name_key.in_(keys)]
    if len(key) >= SHORTEST_PREFIX:
        longer = _companies_named([key]).where(starting_with(Company.name_key, f"{key} "))
        conditions.append(_id_in(Company.id, longer))
    query = (
        select(Company)
        .where(or_(*conditions))
        .order_by((Company.name_key != key), Company.name_key, Company.id)
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())
