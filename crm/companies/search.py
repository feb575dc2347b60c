"""The company list's search, filters and sort, as one `select()` that views paginate and export."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, and_, any_, asc, column, desc, exists, func, or_, select, table, union

from crm.companies.models import Company, CompanyContact, CompanySni, ContactPerson, Tag, company_tags
from crm.extensions import db
from crm.text import fold, name_key

SORTS = {
    "namn": Company.name_key,
    "orgnr": Company.org_number,
    "kommundel": Company.district,
    "storlek": Company.size_class,
    "andrad": Company.updated_at,
}


@dataclass
class CompanyFilters:
    q: str = ""
    sni_section: str = ""
    size_class: str = ""
    district: str = ""
    tag: str = ""
    owner_id: str = ""
    status: str = ""
    sort: str = "namn"
    order: str = "asc"

    @classmethod
    def from_args(cls, args) -> CompanyFilters:
        values = {f.name: (args.get(f.name) or "").strip() for f in fields(cls)}
        filters = cls(**{k: v for k, v in values.items() if v})
        if filters.sort not in SORTS:
            filters.sort = "namn"
        if filters.order not in ("asc", "desc"):
            filters.order = "asc"
        return filters

    def as_args(self, **overrides: Any) -> dict[str, str]:
        """The non-default values, for links that keep the current filters."""
        defaults = CompanyFilters()
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(overrides)
        return {k: v for k, v in values.items() if v and v != getattr(defaults, k)}

    @property
    def active(self) -> bool:
        return bool(self.as_args(sort="namn", order="asc"))


# SQLite's FTS5 trigram tables over the folded columns (migration 0006), kept in sync by triggers.
# Their rowid is the company's or the contact person's id. PostgreSQL has pg_trgm GIN indexes instead,
# which serve the LIKE '%term%' itself.
company_name_search = table("company_name_search", column("rowid"), column("company_name_search"))
contact_person_search = table("contact_person_search", column("rowid"), column("contact_person_search"))

# A trigram index can find a term of three characters or more; shorter ones are searched with LIKE.
TRIGRAM = 3


def _on_sqlite() -> bool:
    return db.session.get_bind(mapper=Company).dialect.name == "sqlite"


def _id_in(column, ids):
    """`column IN ids`, planned the way round that suits a search: find the few ids, then look them up."""
    if _on_sqlite():
        return column.in_(ids)
    # PostgreSQL cannot estimate how many rows a trigram LIKE finds and would scan a whole table to join
    # the matches; `= ANY(ARRAY(subquery))` collects the ids first and then probes the index with them.
    return column == any_(func.array(ids.scalar_subquery()))


def _phrase(term: str, column_name: str | None = None) -> str:
    """An FTS5 phrase: on a trigram table it matches wherever `term` occurs, as LIKE '%term%' does."""
    quoted = '"' + term.replace('"', '""') + '"'
    return f"{{{column_name}}} : {quoted}" if column_name else quoted


def _phrasable(term: str) -> bool:
    """Whether a phrase finds what LIKE '%term%' finds: long enough and without LIKE wildcards."""
    return len(term) >= TRIGRAM and "%" not in term and "_" not in term


def _companies_named(words: list[str]) -> Select:
    """Ids of companies whose name_key contains every word."""
    if not _on_sqlite():
        return select(Company.id).where(*(Company.name_key.like(f"%{word}%") for word in words))
    long_words = [word for word in words if _phrasable(word)]
    short_words = [word for word in words if not _phrasable(word)]
    query = select(Company.id).where(*(Company.name_key.like(f"%{word}%") for word in short_words))
    if long_words:
        found = select(company_name_search.c.rowid).where(
            company_name_search.c.company_name_search.match(" AND ".join(map(_phrase, long_words)))
        )
        query = query.where(Company.id.in_(found))
    return query


def _contacts_matching(folded: str, email: str) -> Select:
    """Ids of contact persons whose folded name or e-mail address contains the term."""
    name_pattern, email_pattern = f"%{folded}%", f"%{email}%"
    if not (_on_sqlite() and _phrasable(folded) and _phrasable(email)):
        return select(ContactPerson.id).where(
            or_(ContactPerson.name_key.like(name_pattern), ContactPerson.email.like(email_pattern))
        )
    return select(contact_person_search.c.rowid).where(
        contact_person_search.c.contact_person_search.match(
            f"{_phrase(folded, 'name_key')} OR {_phrase(email, 'email')}"
        )
    )


def _search_condition(q: str):
    """Companies found by organisation number, name, a contact person's name or e-mail, or a tag."""
    # Each way of matching is a set of company ids; one IN over their union lets both databases use
    # an index for every part instead of testing each company row against an OR.
    found = []
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 4 and len(digits) >= len(q.replace(" ", "").replace("-", "")) - 2:
        if len(digits) == 12:
            digits = digits[2:]
        formatted = f"{digits[:6]}-{digits[6:]}" if len(digits) > 6 else digits
        # A whole number is looked up in the unique index; LIKE 'prefix%' can use no index on either database.
        whole = len(formatted) == len("NNNNNN-NNNN")
        found.append(
            select(Company.id).where(
                Company.org_number == formatted if whole else Company.org_number.like(f"{formatted}%")
            )
        )
    folded = fold(q)
    if folded:
        found.append(_companies_named((name_key(q) or folded).split()))
        found.append(
            select(CompanyContact.company_id).where(
                _id_in(CompanyContact.contact_id, _contacts_matching(folded, q.lower()))
            )
        )
        found.append(
            select(company_tags.c.company_id).where(
                company_tags.c.tag_id.in_(select(Tag.id).where(func.lower(Tag.name) == q.lower()))
            )
        )
    return _id_in(Company.id, union(*found)) if found else None


def _sni_section_condition(section: str):
    from crm.companies.sni import divisions_in

    divisions = divisions_in(section)
    if not divisions:
        return Company.id.is_(None)
    # Uncorrelated: the section's companies are looked up once in the (division, company_id) index,
    # not by a probe per division for every company row.
    return Company.id.in_(select(CompanySni.company_id).where(CompanySni.division.in_(divisions)))


def district_names() -> list[str]:
    """Every district in use, in order: one seek in ix_companies_district per district.

    SELECT DISTINCT would read all 100,000 index entries for a few dozen names; this walks from each
    district straight to the next (a loose index scan, which neither database does by itself).
    """
    walk = select(func.min(Company.district).label("name")).cte("districts", recursive=True)
    following = (
        select(Company.district).where(Company.district > walk.c.name).order_by(Company.district).limit(1)
    )
    walk = walk.union_all(select(following.scalar_subquery()).where(walk.c.name.is_not(None)))
    return list(db.session.scalars(select(walk.c.name).where(walk.c.name.is_not(None)).order_by(walk.c.name)))


class SearchPagination(SelectPagination):
    """A page of search results counted in the same statement, with count(*) OVER ().

    A search must collect all its matches to sort them anyway, so the count comes with the page
    instead of a second statement that searches again. Past the last page no row carries the count,
    and it is asked for on its own.
    """

    def _query_items(self) -> list[Company]:
        counted = self._query_args["select"].add_columns(func.count().over().label("total"))
        rows = self._query_args["session"].execute(counted.limit(self.per_page).offset(self._query_offset)).all()
        self._counted = rows[0].total if rows else None
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        return self._counted if self._counted is not None else super()._query_count()


def company_query(filters: CompanyFilters) -> Select:
    """Companies matching `filters`, sorted; the caller decides loading options and paging."""
    query = select(Company)
    conditions = []
    if filters.q:
        condition = _search_condition(filters.q)
        if condition is not None:
            conditions.append(condition)
    if filters.sni_section:
        conditions.append(_sni_section_condition(filters.sni_section))
    if filters.size_class:
        conditions.append(Company.size_class == filters.size_class)
    if filters.district:
        conditions.append(Company.district == filters.district)
    if filters.tag:
        conditions.append(
            exists().where(company_tags.c.company_id == Company.id, company_tags.c.tag_id == Tag.id,
                           Tag.name == filters.tag)
        )
    if filters.owner_id.isdigit():
        conditions.append(Company.owner_id == int(filters.owner_id))
    if filters.status:
        conditions.append(Company.status == filters.status)
    if conditions:
        query = query.where(and_(*conditions))
    column = SORTS[filters.sort]
    direction = desc if filters.order == "desc" else asc
    return query.order_by(direction(column).nulls_last(), direction(Company.id))
