"""The company list's search, filters and sort, as one `select()` that views paginate and export."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, and_, any_, asc, case, column, desc, exists, false, func, or_, select, table, true, union
from sqlalchemy.orm import selectinload

from crm.companies.models import Company, CompanyContact, CompanySni, ContactPerson, Tag, company_tags
from crm.companies.search_scope import (
    FULL,
    VISIBLE_PERSONNUMMER_DIGITS,
    SearchScope,
    clean_search,
    containing,
    search_refusal,
    starting_with,
)
from crm.dbtypes import swedish
from crm.extensions import db
from crm.text import fold, has_swedish_letters, name_key, same_words, swedish_fold

SORTS = {
    "namn": swedish(Company.name),
    "orgnr": Company.org_number,
    "kommundel": swedish(Company.district),
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
        values = {f.name: clean_search(args.get(f.name)) for f in fields(cls)}
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

    @property
    def refusal(self) -> str | None:
        """Why the search is not run (too long), in Swedish; None when it is."""
        return search_refusal(self.q) if self.q else None


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
    """Whether a phrase finds what LIKE '%term%' (wildcards escaped) finds: long enough for a trigram."""
    return len(term) >= TRIGRAM


def _swedish_lower(column):
    """`column` in lower case, Å, Ä and Ö too: SQLite's lower() (and a C-locale PostgreSQL's) knows only ASCII."""
    lowered = func.lower(column)
    for upper, lower in zip("ÅÄÖ", "åäö", strict=True):
        lowered = func.replace(lowered, upper, lower)
    return lowered


def as_typed(column, words: list[str]):
    """`column` holds every word as typed: case aside, but an å, ä or ö is not an a or o there."""
    return and_(true(), *(_swedish_lower(column).contains(word, autoescape=True) for word in words))


def typed_swedish_words(q: str) -> list[str]:
    """The words of a search with an å, ä or ö in them: those letters must match as typed ('trä' is no 'tra')."""
    return [word for word in swedish_fold(q).split() if has_swedish_letters(word)]


def _companies_named(words: list[str], typed: list[str] = ()) -> Select:
    """Ids of companies whose name_key contains every word and whose name holds the `typed` words as typed.

    The folded words find the candidates through the trigram index; the typed ones then sort out
    'Trädgård' from 'Centralen' among those few rows.
    """
    if not _on_sqlite():
        query = select(Company.id).where(*(containing(Company.name_key, word) for word in words))
        return query.where(as_typed(Company.name, typed)) if typed else query
    long_words = [word for word in words if _phrasable(word)]
    short_words = [word for word in words if not _phrasable(word)]
    query = select(Company.id).where(*(containing(Company.name_key, word) for word in short_words))
    if typed:
        query = query.where(as_typed(Company.name, typed))
    if long_words:
        found = select(company_name_search.c.rowid).where(
            company_name_search.c.company_name_search.match(" AND ".join(map(_phrase, long_words)))
        )
        query = query.where(Company.id.in_(found))
    return query


def _contacts_matching(folded: str, email: str | None, typed: list[str] = ()) -> Select:
    """Ids of contact persons whose folded name (holding the `typed` words as typed) or e-mail contains the term.

    `email` None searches the names alone (for a viewer who is not shown e-mail addresses).
    """
    terms = [term for term in (folded, email) if term is not None]
    if not (_on_sqlite() and all(map(_phrasable, terms))):
        by_email = [containing(ContactPerson.email, email)] if email is not None else []
        found = select(ContactPerson.id).where(or_(containing(ContactPerson.name_key, folded), *by_email))
    else:
        phrases = [_phrase(folded, "name_key")] + ([_phrase(email, "email")] if email is not None else [])
        found = select(contact_person_search.c.rowid).where(
            contact_person_search.c.contact_person_search.match(" OR ".join(phrases))
        )
    if not typed:
        return found
    typed_email = [containing(ContactPerson.email, email)] if email is not None else []
    return select(ContactPerson.id).where(
        ContactPerson.id.in_(found),
        or_(as_typed(ContactPerson.name, typed), *typed_email),
    )


def _tags_named(q: str) -> list[int]:
    """Ids of the tags a search names, compared as names are: 'besoksnaring' finds Besöksnäring.

    The tags are a short list the unit keeps; they are compared here rather than in SQL, where
    neither database folds accents.
    """
    return [tag_id for tag_id, name in db.session.execute(select(Tag.id, Tag.name)) if same_words(name, q)]


def _sole_trader():
    """The number is a personnummer: its third digit begins a month (0 or 1), as in `looks_like_personnummer`."""
    return func.substr(Company.org_number, 3, 1).in_(("0", "1"))


def _org_number_condition(q: str, scope: SearchScope):
    """Companies whose organisation number starts with the digits typed, or None when `q` is no number.

    Without `scope.personal_numbers`, a number reaching past a personnummer's birth date finds no sole
    trader, so its hidden digits cannot be probed one at a time.
    """
    digits = re.sub(r"\D", "", q)
    # A masked number as the list shows it ('640823-****') is searched as its birth date.
    if len(digits) < 4 or len(digits) < len(re.sub(r"[\s*-]", "", q)) - 2:
        return None
    if len(digits) == 12:
        digits = digits[2:]
    formatted = f"{digits[:6]}-{digits[6:]}" if len(digits) > 6 else digits
    # A whole number is looked up in the unique index; LIKE 'prefix%' can use no index on either database.
    whole = len(formatted) == len("NNNNNN-NNNN")
    condition = Company.org_number == formatted if whole else starting_with(Company.org_number, formatted)
    if not scope.personal_numbers and len(digits) > VISIBLE_PERSONNUMMER_DIGITS:
        condition = and_(condition, ~_sole_trader())
    return condition


def _search_condition(q: str, scope: SearchScope = FULL):
    """Companies found by organisation number, name, a contact person's name or e-mail, or a tag.

    `scope` says what the viewer may search on (see crm.companies.search_scope).
    """
    # Each way of matching is a set of company ids; one IN over their union lets both databases use
    # an index for every part instead of testing each company row against an OR.
    found = []
    by_number = _org_number_condition(q, scope)
    if by_number is not None:
        found.append(select(Company.id).where(by_number))
    folded = fold(q)
    if folded:
        typed = typed_swedish_words(q)
        email = q.lower() if scope.contact_details else None
        found.append(_companies_named((name_key(q) or folded).split(), typed))
        found.append(
            select(CompanyContact.company_id).where(
                _id_in(CompanyContact.contact_id, _contacts_matching(folded, email, typed))
            )
        )
        tag_ids = _tags_named(q)
        if tag_ids:
            found.append(select(company_tags.c.company_id).where(company_tags.c.tag_id.in_(tag_ids)))
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
    """Every district in use, in Swedish order: one seek in ix_companies_district_sv per district.

    SELECT DISTINCT would read all 100,000 index entries for a few dozen names; this walks from each
    district straight to the next (a loose index scan, which neither database does by itself).
    """
    district = swedish(Company.district)  # in Swedish order, through ix_companies_district_sv
    walk = select(func.min(district).label("name")).cte("districts", recursive=True)
    following = select(Company.district).where(district > walk.c.name).order_by(district).limit(1)
    walk = walk.union_all(select(following.scalar_subquery()).where(walk.c.name.is_not(None)))
    return list(db.session.scalars(select(walk.c.name).where(walk.c.name.is_not(None)).order_by(swedish(walk.c.name))))


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


def company_query(filters: CompanyFilters, scope: SearchScope = FULL) -> Select:
    """Companies matching `filters`, sorted; the caller decides loading options and paging.

    `scope` is what the viewer may search on: `SearchScope.of(user)`. A search too long to run finds nothing.
    """
    query = select(Company)
    conditions = []
    if filters.q:
        condition = false() if filters.refusal else _search_condition(filters.q, scope)
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
    if filters.owner_id.isascii() and filters.owner_id.isdigit() and len(filters.owner_id) < 10:  # fits an int
        conditions.append(Company.owner_id == int(filters.owner_id))
    if filters.status:
        conditions.append(Company.status == filters.status)
    if conditions:
        query = query.where(and_(*conditions))
    column = SORTS[filters.sort]
    if filters.sort == "orgnr" and not scope.personal_numbers:
        # Sole traders in the order of what is shown of them (the birth date), not of their hidden digits.
        column = case((_sole_trader(), func.substr(Company.org_number, 1, VISIBLE_PERSONNUMMER_DIGITS)),
                      else_=Company.org_number)
    direction = desc if filters.order == "desc" else asc
    words = swedish_fold(filters.q).split() if filters.q and filters.sort == "namn" else []
    if words:
        # Sorted by name, a search lists the names that hold what was typed, as typed, before those
        # found only with accents folded: 'Trapets' before 'Träteknik' for "tra".
        query = query.order_by(case((as_typed(Company.name, words), 0), else_=1))
    # A name is never NULL; NULLS LAST there would keep PostgreSQL from reading a descending list backwards
    # from the index.
    ordered = direction(column) if filters.sort == "namn" else direction(column).nulls_last()
    return query.order_by(ordered, direction(Company.id))


# --- Contact persons ---------------------------------------------------------------------------


def contact_query(q: str, scope: SearchScope = FULL):
    """Contact persons whose name, e-mail (if `scope` allows) or company's name holds `q`; none if too long."""
    query = select(ContactPerson).options(
        selectinload(ContactPerson.company_links).selectinload(CompanyContact.company)
    )
    q = clean_search(q)
    if q and search_refusal(q):
        query = query.where(false())
    elif q:
        folded = fold(q)
        typed = typed_swedish_words(q)  # an å, ä or ö typed must be there as typed
        by_email = [containing(ContactPerson.email, q.lower())] if scope.contact_details else []
        query = query.where(
            or_(
                and_(containing(ContactPerson.name_key, folded), as_typed(ContactPerson.name, typed)),
                *by_email,
                exists().where(
                    CompanyContact.contact_id == ContactPerson.id,
                    CompanyContact.company_id == Company.id,
                    containing(Company.name_key, folded),
                    as_typed(Company.name, typed),
                ),
            )
        )
    return query.order_by(swedish(ContactPerson.name), ContactPerson.id)


FIND_LIMIT = 20


def find_contacts(q: str, limit: int = FIND_LIMIT, scope: SearchScope = FULL) -> list[ContactPerson]:
    """Contact persons whose name or e-mail address (if `scope` allows) holds `q`, through the search indexes.

    Nothing for a search with no letters or digits, or one too long to run.
    """
    q = clean_search(q)
    if not fold(q) or search_refusal(q):
        return []
    email = q.lower() if scope.contact_details else None
    query = (
        select(ContactPerson)
        .where(_id_in(ContactPerson.id, _contacts_matching(fold(q), email)))
        .options(selectinload(ContactPerson.company_links).selectinload(CompanyContact.company))
        .order_by(swedish(ContactPerson.name), ContactPerson.id)
        .limit(limit + 1)
    )
    return list(db.session.execute(query).scalars())
