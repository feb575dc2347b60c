"""A whole registerutdrag: for a contact person, or for a sole trader's company (its number is a personnummer).

The number of queries does not grow with the data: each section is one query (with its loads), and the notes
that only mention the person are four.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from crm.companies.models import Company, ContactPerson
from crm.extensions import db
from crm.privacy import report_events as events
from crm.privacy import report_notes as notes
from crm.privacy.models import AccessRequest
from crm.privacy.report import (
    Report,
    Section,
    audit_entries,
    audit_section,
    company_contacts_section,
    company_links_section,
    company_section,
    information,
    now,
    origin_section,
    person_section,
    set_dates,
)


class UnknownMention(ValueError):
    """A chosen note that is not one of those the search found."""


def _chosen(found: list[notes.Mention], chosen: list[str] | None) -> list[notes.Mention]:
    if not chosen:
        return []
    by_key = {mention.key: mention for mention in found}
    unknown = [key for key in chosen if key not in by_key]
    if unknown:
        raise UnknownMention(", ".join(unknown))
    wanted = set(chosen)
    return [mention for mention in found if mention.key in wanted]


def _request_ids(condition) -> list[int]:
    return list(db.session.scalars(select(AccessRequest.id).where(condition)))


def contact_report(contact: ContactPerson, chosen: list[str] | None = None) -> Report:
    """Everything held about a contact person. `chosen`: the keys of the mentioning notes to include."""
    texts, retention = information()
    if contact.erased_at is not None:
        return Report("contact", contact.id, contact.name, True, now(), [person_section(contact)], texts, retention)
    known = events.known_addresses(contact.id)
    addresses = events.addresses_of(contact, known)
    meetings = notes.linked_meetings(contact.id)
    visits = notes.linked_visits(contact.id)
    follow_ups = notes.linked_follow_ups({row.id for row in meetings}, {row.id for row in visits})
    memberships = events.memberships(contact.id)
    entries = audit_entries([
        ("ContactPerson", [contact.id]),
        ("CompanyContact", [link.id for link in contact.company_links]),
        ("NetworkMembership", [row.id for row in memberships]),
        ("AccessRequest", _request_ids(AccessRequest.contact_id == contact.id)),
    ])
    opt_out_dates = set_dates(entries, "ContactPerson", contact.id,
                              (*(name for name, _heading in events.OPT_OUTS), "objection"))
    sections = [
        person_section(contact),
        company_links_section(contact),
        events.known_addresses_section(known),
        events.mailings_section(contact, opt_out_dates),
        notes.meetings_section(meetings),
        notes.visits_section(visits),
        notes.visit_notes_section(visits),
        notes.follow_ups_section(follow_ups),
        events.invitations_section(events.invitations(contact.id, addresses)),
        events.registrations_section(events.registrations(contact.id, addresses)),
        events.memberships_section(memberships),
        events.mails_section(events.mails(addresses)),
        audit_section(entries),
        origin_section(contact, entries),
    ]
    found = notes.mentions(
        notes.search_terms(contact.name, *addresses),
        meeting_ids={row.id for row in meetings}, visit_ids={row.id for row in visits},
        follow_up_ids={row.id for row in follow_ups})
    return Report("contact", contact.id, contact.name, False, now(), sections, texts, retention,
                  mentions=found, chosen=_chosen(found, chosen))


def company_report(company: Company, chosen: list[str] | None = None) -> Report:
    """Everything held about a sole trader's company: its record, its notes, visits and follow-ups, its mail."""
    texts, retention = information()
    meetings = notes.company_meetings(company.id)
    visits = notes.company_visits(company.id)
    follow_ups = notes.company_follow_ups(company.id)
    addresses = [company.email.lower()] if company.email else []
    entries = audit_entries([
        ("Company", [company.id]),
        ("CompanyContact", [link.id for link in company.contact_links]),
        ("AccessRequest", _request_ids(AccessRequest.company_id == company.id)),
    ])
    sections: list[Section] = [
        company_section(company),
        company_contacts_section(company),
        notes.meetings_section(meetings),
        notes.visits_section(visits),
        notes.visit_notes_section(visits),
        notes.follow_ups_section(follow_ups),
        events.mails_section(events.mails(addresses)),
        audit_section(entries),
        origin_section(company, entries),
    ]
    found = notes.mentions(
        notes.search_terms(company.org_number, company.org_number.replace("-", "") if company.org_number else None,
                           *addresses),
        meeting_ids={row.id for row in meetings}, visit_ids={row.id for row in visits},
        follow_up_ids={row.id for row in follow_ups})
    return Report("company", company.id, company.name, False, now(), sections, texts, retention,
                  mentions=found, chosen=_chosen(found, chosen))


def subject_label(report: Report) -> str:
    return _("kontaktperson") if report.subject == "contact" else _("enskild firma")
