"""Contact persons' writes: saving a person and linking them to a company with a role."""

from __future__ import annotations

from datetime import date

from crm.companies.models import Company, CompanyContact, ContactPerson
from crm.extensions import db


def save_contact(contact: ContactPerson, data: dict) -> ContactPerson:
    contact.name = data["name"].strip()
    contact.email = data.get("email") or None
    contact.phone = (data.get("phone") or "").strip() or None
    for field in ("opt_out_networks", "opt_out_breakfasts", "opt_out_procurement", "objection"):
        setattr(contact, field, bool(data.get(field)))
    db.session.add(contact)
    db.session.flush()
    return contact


def link_contact(company: Company, contact: ContactPerson, role: str | None, start: date | None,
                 end: date | None) -> CompanyContact:
    link = CompanyContact(company=company, contact=contact, role=(role or "").strip() or None,
                          start_date=start, end_date=end)
    db.session.add(link)
    db.session.flush()
    return link
