"""Whom to invite: a network's current members, the contacts of companies matching the company-list
filters, or contacts picked one by one; and finding the company a walk-in names.

Each source is a plain query, so the invite page's URL (source and filters in the query string) can be
bookmarked and opened again as a saved selection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import selectinload

from crm.auth.models import Role, User
from crm.companies.models import SIZE_CLASSES, Company, CompanyContact, CompanyStatus, ContactPerson, Tag
from crm.companies.search import CompanyFilters, company_query, district_names
from crm.companies.search_scope import containing
from crm.dbtypes import swedish
from crm.extensions import db
from crm.networks.models import Network
from crm.networks.services import current_members
from crm.text import fold, name_key, swedish_sort_key
from crm.timeutil import stockholm_today

SEARCH_LIMIT = 50




def _with_companies(query: Select) -> Select:
    return query.options(selectinload(ContactPerson.company_links).selectinload(CompanyContact.company))


def _current_link(on: date):
    return or_(CompanyContact.end_date.is_(None), CompanyContact.end_date >= on)


def network_contacts(network: Network, on: date) -> list[ContactPerson]:
    """The network's members on the day, by name."""
    ids = [membership.contact_id for membership in current_members(network, on)]
    if not ids:
        return []
    return list(db.session.scalars(
        _with_companies(select(ContactPerson).where(ContactPerson.id.in_(ids)))
        .order_by(swedish(ContactPerson.name), ContactPerson.id)
    ))


def filter_contacts(filters: CompanyFilters, on: date) -> list[ContactPerson]:
    """The current contact persons of every company the company list would show with these filters."""
    companies = company_query(filters).with_only_columns(Company.id).order_by(None)
    return list(db.session.scalars(
        _with_companies(select(ContactPerson).where(
            exists().where(CompanyContact.contact_id == ContactPerson.id, CompanyContact.company_id.in_(companies),
                           _current_link(on))
        )).order_by(swedish(ContactPerson.name), ContactPerson.id)
    ))


def contacts_by_id(ids: Iterable[int]) -> list[ContactPerson]:
    wanted = sorted({int(contact_id) for contact_id in ids})
    if not wanted:
        return []
    return list(db.session.scalars(
        _with_companies(select(ContactPerson).where(ContactPerson.id.in_(wanted)))
        .order_by(swedish(ContactPerson.name), ContactPerson.id)
    ))


def search_contacts(q: str, limit: int = SEARCH_LIMIT) -> list[ContactPerson]:
    """Contacts whose name or e-mail contains the search words (accents and case ignored; % and _ literally)."""
    folded = fold(q)
    if not folded:
        return []
    email = q.strip().lower()
    return list(db.session.scalars(
        _with_companies(select(ContactPerson).where(
            or_(containing(ContactPerson.name_key, folded), containing(ContactPerson.email, email))
        )).order_by(swedish(ContactPerson.name), ContactPerson.id).limit(limit)
    ))


def company_names(contact: ContactPerson, on: date | None = None) -> str:
    on = on or stockholm_today()
    names = [link.company.name for link in contact.company_links if link.end_date is None or link.end_date >= on]
    return ", ".join(sorted(names, key=swedish_sort_key))


def filter_choices() -> dict:
    """The choices of the company-list filters, for the invite page's filter form."""
    from crm.companies.sni import sections

    districts = district_names()
    owners = db.session.execute(
        select(User.id, User.name).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(swedish(User.name))
    ).all()
    return {
        "sections": sections(),
        "size_classes": SIZE_CLASSES,
        "districts": districts,
        "tags": db.session.scalars(select(Tag.name).order_by(swedish(Tag.name))).all(),
        "owners": owners,
        "statuses": [status.value for status in CompanyStatus],
    }


class CompanyNotFound(ValueError):
    """The text names no company, or several; `message` is for the user."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = str(message)


def find_company(text: str) -> Company | None:
    """The one company a walk-in names: by organisation number, or by name as the register has it."""
    text = (text or "").strip()
    if not text:
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) in (10, 12) and len(digits) >= len(re.sub(r"[\s-]", "", text)):
        digits = digits[-10:]
        found = list(db.session.scalars(
            select(Company).where(Company.org_number == f"{digits[:6]}-{digits[6:]}").limit(2)
        ))
    else:
        key = name_key(text)
        found = list(db.session.scalars(select(Company).where(Company.name_key == key).order_by(Company.id).limit(2)))
    if not found:
        raise CompanyNotFound(_l("Hittade inget företag som heter så. Kontrollera stavningen eller lämna fältet tomt."))
    if len(found) > 1:
        raise CompanyNotFound(_l("Flera företag heter så. Skriv organisationsnumret i stället."))
    return found[0]
