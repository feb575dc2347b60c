"""Contact persons' writes: saving a person (with their objection, GDPR art. 21) and linking them to a company
with a role."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from crm.companies.models import Company, CompanyContact, ContactPerson, ObjectionScope
from crm.errors import RuleRefused
from crm.extensions import db
from crm.timeutil import stockholm_today


class ObjectionRefused(RuleRefused):
    field = "objection_scope"


class ObjectionScopeMissing(ObjectionRefused):
    message = _l("Välj vad invändningen gäller.")


class ObjectionInFuture(ObjectionRefused):
    field = "objection_on"
    message = _l("Datumet för invändningen kan inte vara senare än i dag.")


def objection_values(data: dict, today: date) -> dict:
    """The objection's four columns from the form's data: with the box ticked a scope is required, the date
    defaults to today and cannot be later; without it, all four are cleared."""
    if not data.get("objection"):
        return {"objection": False, "objection_on": None, "objection_scope": None, "objection_note": ""}
    scope = data.get("objection_scope")
    if not scope:
        raise ObjectionScopeMissing()
    on = data.get("objection_on") or today
    if on > today:
        raise ObjectionInFuture()
    return {"objection": True, "objection_on": on, "objection_scope": ObjectionScope(scope),
            "objection_note": (data.get("objection_note") or "").strip()}


def save_contact(contact: ContactPerson, data: dict, today: date | None = None) -> ContactPerson:
    """Save the person; an objection's rule refused raises ObjectionRefused before anything is changed."""
    objection = objection_values(data, today or stockholm_today())
    contact.name = data["name"].strip()
    contact.email = data.get("email") or None
    contact.phone = (data.get("phone") or "").strip() or None
    for field in ("opt_out_networks", "opt_out_breakfasts", "opt_out_procurement"):
        setattr(contact, field, bool(data.get(field)))
    for field, value in objection.items():
        if getattr(contact, field) != value:
            setattr(contact, field, value)
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
