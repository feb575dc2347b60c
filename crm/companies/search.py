"""The company list's search, filters and sort, as one `select()` that views paginate and export."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Select, and_, asc, desc, exists, func, or_, select

from crm.companies.models import Company, CompanyContact, CompanySni, ContactPerson, Tag, company_tags
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


def _search_condition(q: str):
    conditions = []
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 4 and len(digits) >= len(q.replace(" ", "").replace("-", "")) - 2:
        if len(digits) == 12:
            digits = digits[2:]
        formatted = f"{digits[:6]}-{digits[6:]}" if len(digits) > 6 else digits
        conditions.append(Company.org_number.like(f"{formatted}%"))
    folded = fold(q)
    if folded:
        words = (name_key(q) or folded).split()
        conditions.append(and_(*(Company.name_key.like(f"%{word}%") for word in words)))
        contact_match = or_(ContactPerson.name_key.like(f"%{folded}%"), ContactPerson.email.like(f"%{q.lower()}%"))
        # Uncorrelated IN subqueries: the contacts and tags are searched once, not once per company row.
        conditions.append(
            Company.id.in_(
                select(CompanyContact.company_id)
                .join(ContactPerson, ContactPerson.id == CompanyContact.contact_id)
                .where(contact_match)
            )
        )
        conditions.append(
            Company.id.in_(
                select(company_tags.c.company_id)
                .join(Tag, Tag.id == company_tags.c.tag_id)
                .where(func.lower(Tag.name) == q.lower())
            )
        )
    return or_(*conditions) if conditions else None


def _sni_section_condition(section: str):
    from crm.companies.sni import divisions_in

    divisions = divisions_in(section)
    if not divisions:
        return Company.id.is_(None)
    return exists().where(
        CompanySni.company_id == Company.id, or_(*(CompanySni.code.like(f"{d}%") for d in divisions))
    )


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
