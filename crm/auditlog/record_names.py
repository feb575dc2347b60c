"""How the audit log names every kind of record and links to it: one query per kind for a page of entries.

This module sits above every feature and registers its namers when the audit log page's blueprint is
imported, so the audit trail itself (crm.audit, below them all) never imports a feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_pgettext
from sqlalchemy import select

from crm.audit.names import Named, record_type
from crm.auth.models import User
from crm.companies.models import Company, CompanyContact, ContactPerson, Tag, Topic
from crm.events.models import Event, Invitation
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.mail.models import OutboxMessage
from crm.meetings.models import Interaction
from crm.networks.models import Network, NetworkMembership
from crm.plan.models import VisitPlan
from crm.timeutil import local
from crm.visits.models import Visit, VisitNote

SHORT = 60  # a follow-up is named by the start of its description

# Kinds of record in the singular, in the "record type" context: the menu's "Företag" is "Companies".


def _rows(query, ids: Sequence[int]):
    return db.session.execute(query.where(query.selected_columns[0].in_(ids))).all()


def _day(moment: datetime | None) -> str:
    return local(moment).date().isoformat() if moment else _("utan tid")


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= SHORT else line[: SHORT - 1].rstrip() + "…"


@record_type("Company", lazy_pgettext("record type", "Företag"))
def _companies(ids):
    return {row.id: Named(row.name, url_for("companies.detail", company_id=row.id))
            for row in _rows(select(Company.id, Company.name), ids)}


@record_type("ContactPerson", lazy_pgettext("record type", "Kontaktperson"))
def _contacts(ids):
    return {row.id: Named(row.name, url_for("contacts.detail", contact_id=row.id))
            for row in _rows(select(ContactPerson.id, ContactPerson.name), ids)}


@record_type("CompanyContact", lazy_pgettext("record type", "Kontaktperson hos företag"), name_field=None)
def _contact_links(ids):
    query = (select(CompanyContact.id, CompanyContact.company_id, ContactPerson.name, Company.name.label("company"))
             .join(ContactPerson, ContactPerson.id == CompanyContact.contact_id)
             .join(Company, Company.id == CompanyContact.company_id))
    return {row.id: Named(_("%(name)s hos %(company)s", name=row.name, company=row.company),
                          url_for("companies.detail", company_id=row.company_id))
            for row in _rows(query, ids)}


@record_type("Tag", lazy_pgettext("record type", "Tagg"))
def _tags(ids):
    return {row.id: Named(row.name, url_for("companies.index", tag=row.name))
            for row in _rows(select(Tag.id, Tag.name), ids)}


@record_type("Topic", lazy_pgettext("record type", "Ämne"))
def _topics(ids):
    return {row.id: Named(row.name) for row in _rows(select(Topic.id, Topic.name), ids)}


@record_type("User", lazy_pgettext("record type", "Användare"))
def _users(ids):
    return {row.id: Named(row.name, url_for("auth.edit_user", user_id=row.id))
            for row in _rows(select(User.id, User.name), ids)}


@record_type("Interaction", lazy_pgettext("record type", "Möte"), name_field=None)
def _interactions(ids):
    query = (select(Interaction.id, Interaction.kind, Interaction.occurred_on, Company.name)
             .join(Company, Company.id == Interaction.company_id))
    return {row.id: Named(_("%(kind)s %(date)s hos %(company)s", kind=row.kind.label,
                            date=row.occurred_on.isoformat(), company=row.name),
                          url_for("meetings.detail", interaction_id=row.id))
            for row in _rows(query, ids)}


def _visit_name(starts_at: datetime | None, company: str) -> str:
    return _("Företagsbesök %(date)s hos %(company)s", date=_day(starts_at), company=company)


@record_type("Visit", lazy_pgettext("record type", "Företagsbesök"), name_field=None)
def _visits(ids):
    query = select(Visit.id, Visit.starts_at, Company.name).join(Company, Company.id == Visit.company_id)
    return {row.id: Named(_visit_name(row.starts_at, row.name), url_for("visits.detail", visit_id=row.id))
            for row in _rows(query, ids)}


@record_type("VisitNote", lazy_pgettext("record type", "Anteckning vid företagsbesök"), name_field=None)
def _visit_notes(ids):
    query = (select(VisitNote.id, Visit.id.label("visit_id"), Visit.starts_at, Company.name)
             .join(Visit, Visit.id == VisitNote.visit_id).join(Company, Company.id == Visit.company_id))
    return {row.id: Named(_visit_name(row.starts_at, row.name), url_for("visits.detail", visit_id=row.visit_id))
            for row in _rows(query, ids)}


@record_type("FollowUp", lazy_pgettext("record type", "Uppföljning"), name_field="description")
def _follow_ups(ids):
    query = (select(FollowUp.id, FollowUp.description, Company.name)
             .join(Company, Company.id == FollowUp.company_id))
    return {row.id: Named(_("%(text)s (%(company)s)", text=_short(row.description), company=row.name),
                          url_for("followups.detail", follow_up_id=row.id))
            for row in _rows(query, ids)}


@record_type("VisitPlan", lazy_pgettext("record type", "Besöksplan"), name_field=None)
def _plans(ids):
    return {row.id: Named(_("Besöksplan %(year)d", year=row.year), url_for("plan.show", year=row.year))
            for row in _rows(select(VisitPlan.id, VisitPlan.year), ids)}


@record_type("Network", lazy_pgettext("record type", "Nätverk"))
def _networks(ids):
    return {row.id: Named(row.name, url_for("networks.show", network_id=row.id))
            for row in _rows(select(Network.id, Network.name), ids)}


@record_type("NetworkMembership", lazy_pgettext("record type", "Medlemskap i nätverk"), name_field=None)
def _memberships(ids):
    query = (select(NetworkMembership.id, NetworkMembership.network_id, ContactPerson.name,
                    Network.name.label("network"))
             .join(ContactPerson, ContactPerson.id == NetworkMembership.contact_id)
             .join(Network, Network.id == NetworkMembership.network_id))
    return {row.id: Named(_("%(name)s i %(network)s", name=row.name, network=row.network),
                          url_for("networks.show", network_id=row.network_id))
            for row in _rows(query, ids)}


@record_type("Event", lazy_pgettext("record type", "Evenemang"), name_field="title")
def _events(ids):
    return {row.id: Named(_("%(title)s %(date)s", title=row.title, date=_day(row.starts_at)),
                          url_for("events.show", event_id=row.id))
            for row in _rows(select(Event.id, Event.title, Event.starts_at), ids)}


@record_type("Invitation", lazy_pgettext("record type", "Inbjudan"))
def _invitations(ids):
    query = (select(Invitation.id, Invitation.event_id, Invitation.name, Event.title)
             .join(Event, Event.id == Invitation.event_id))
    return {row.id: Named(_("%(name)s till %(event)s", name=row.name, event=row.title),
                          url_for("events.show", event_id=row.event_id))
            for row in _rows(query, ids)}


@record_type("outbox_message", lazy_pgettext("record type", "Utgående mejl"), name_field=None)
def _outbox(ids):
    return {row.id: Named(row.subject, url_for("outbox.detail", outbox_message_id=row.id))
            for row in _rows(select(OutboxMessage.id, OutboxMessage.subject), ids)}


@record_type("outbox", lazy_pgettext("record type", "Utkorg"), name_field=None)
def _outbox_as_a_whole(ids):
    """Entries about many outbox messages at once ("retry_dead"): their id is the range of days, never a record."""
    return {}
