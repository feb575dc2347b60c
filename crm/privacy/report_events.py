"""The registerutdrag's events and mail: invitations with answers, attendance and dietary data while it is held,
open registrations by their address, network memberships, the other addresses the inbox knows, the mails the
outbox sent to the person's addresses, and the opt-outs and objection with their dates."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from crm.companies.models import ContactPerson
from crm.events.models import Invitation
from crm.events.registration_models import Registration
from crm.extensions import db
from crm.inbox.models import KnownAddress
from crm.mail.models import OutboxMessage
from crm.networks.models import NetworkMembership
from crm.privacy.report import Section

try:  # the outbox's kinds with their Swedish labels
    from crm.mail.kinds import label as _kind_label
except ImportError:  # pragma: no cover - an outbox without labelled kinds shows the stored kind
    def _kind_label(kind: str) -> str:
        return kind


def mail_kind_label(kind: str) -> str:
    try:
        return str(_kind_label(kind))
    except Exception:  # noqa: BLE001 - an unknown old kind shows as stored
        return kind


def known_addresses(contact_id: int) -> list[KnownAddress]:
    return list(db.session.scalars(
        select(KnownAddress).where(KnownAddress.contact_id == contact_id).order_by(KnownAddress.created_at)))


def known_addresses_section(rows: list[KnownAddress]) -> Section:
    section = Section("known_addresses", _("Andra e-postadresser vi känner till"),
                      [("email", _("E-postadress")), ("created_at", _("Sparad"))],
                      empty=_("Inga andra adresser."))
    for row in rows:
        section.add(email=row.email, created_at=row.created_at)
    return section


def _address_match(column, addresses: list[str]):
    return func.lower(column).in_(addresses) if addresses else None


def invitations(contact_id: int | None, addresses: list[str]) -> list[Invitation]:
    conditions = [Invitation.contact_id == contact_id] if contact_id else []
    if addresses:
        conditions.append(_address_match(Invitation.email, addresses))
    if not conditions:
        return []
    return list(db.session.scalars(
        select(Invitation).where(or_(*conditions))
        .options(selectinload(Invitation.event), selectinload(Invitation.dietary_need))
        .order_by(Invitation.created_at, Invitation.id)))


def invitations_section(rows: list[Invitation]) -> Section:
    section = Section("invitations", _("Inbjudningar, svar och närvaro"),
                      [("id", _("Id")), ("event", _("Träff")), ("starts_at", _("Tid")), ("name", _("Namn")),
                       ("email", _("E-postadress")), ("invited_at", _("Inbjuden")), ("answer", _("Svar")),
                       ("answered_at", _("Svarade")), ("waitlisted_at", _("På väntelistan sedan")),
                       ("attendance", _("Närvaro")), ("walk_in", _("Kom utan anmälan")),
                       ("uninvited_at", _("Inbjudan återtagen")), ("reminded_at", _("Påmind")),
                       ("dietary", _("Specialkost")), ("dietary_other", _("Specialkost, annat"))],
                      empty=_("Inga inbjudningar."))
    for row in rows:
        need = row.dietary_need
        section.add(id=row.id, event=row.event.title, starts_at=row.event.starts_at, name=row.name, email=row.email,
                    invited_at=row.invited_at, answer=row.answer, answered_at=row.answered_at,
                    waitlisted_at=row.waitlisted_at, attendance=row.attendance, walk_in=row.walk_in,
                    uninvited_at=row.uninvited_at, reminded_at=row.reminded_at,
                    dietary=need.categories if need else None, dietary_other=need.other if need else None)
    return section


def registrations(contact_id: int | None, addresses: list[str]) -> list[Registration]:
    conditions = [Registration.contact_id == contact_id] if contact_id else []
    if addresses:
        conditions.append(_address_match(Registration.email, addresses))
    if not conditions:
        return []
    return list(db.session.scalars(
        select(Registration).where(or_(*conditions)).options(selectinload(Registration.event))
        .order_by(Registration.created_at, Registration.id)))


def registrations_section(rows: list[Registration]) -> Section:
    section = Section("registrations", _("Anmälningar via öppen anmälan"),
                      [("id", _("Id")), ("event", _("Träff")), ("name", _("Namn")), ("email", _("E-postadress")),
                       ("company_name", _("Företag")), ("org_number", _("Organisationsnummer")),
                       ("dietary", _("Specialkost")), ("dietary_other", _("Specialkost, annat")),
                       ("created_at", _("Anmäld")), ("confirmed_at", _("Bekräftad")),
                       ("accepted_at", _("Godkänd som kontaktperson"))],
                      empty=_("Inga anmälningar."))
    for row in rows:
        section.add(id=row.id, event=row.event.title, name=row.name, email=row.email, company_name=row.company_name,
                    org_number=row.org_number, dietary=row.dietary, dietary_other=row.dietary_other,
                    created_at=row.created_at, confirmed_at=row.confirmed_at, accepted_at=row.accepted_at)
    return section


def memberships(contact_id: int) -> list[NetworkMembership]:
    return list(db.session.scalars(
        select(NetworkMembership).where(NetworkMembership.contact_id == contact_id)
        .options(selectinload(NetworkMembership.network), selectinload(NetworkMembership.company))
        .order_by(NetworkMembership.starts_on, NetworkMembership.id)))


def memberships_section(rows: list[NetworkMembership]) -> Section:
    section = Section("networks", _("Medlemskap i nätverk"),
                      [("network", _("Nätverk")), ("role", _("Roll")), ("company", _("För företaget")),
                       ("starts_on", _("Från")), ("ends_on", _("Till"))],
                      empty=_("Inga medlemskap."))
    for row in rows:
        section.add(network=row.network.name, role=row.role, company=row.company.name if row.company else None,
                    starts_on=row.starts_on, ends_on=row.ends_on)
    return section


def mails(addresses: list[str]) -> list[OutboxMessage]:
    """The outbox's messages with one of the addresses among their recipients (checked address by address)."""
    if not addresses:
        return []
    wanted = set(addresses)
    candidates = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.recipients)
        .where(or_(*(func.lower(OutboxMessage.recipients).contains(address, autoescape=True)
                     for address in addresses)))).all()
    ids = [row.id for row in candidates
           if wanted & {address.strip().lower() for address in row.recipients.split(",")}]
    if not ids:
        return []
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.created_at, OutboxMessage.id)
        .options(_without_raw())))


def _without_raw():
    from sqlalchemy.orm import defer

    return defer(OutboxMessage.raw)


def mails_section(rows: list[OutboxMessage]) -> Section:
    section = Section("mails", _("E-post vi har skickat till dig"),
                      [("date", _("Datum")), ("subject", _("Ämne")), ("kind", _("Slag")), ("status", _("Status"))],
                      empty=_("Ingen e-post."))
    for row in rows:
        section.add(date=row.sent_at or row.created_at, subject=row.subject, kind=mail_kind_label(row.kind),
                    status=row.status)
    return section


OPT_OUTS = (
    ("opt_out_networks", _l("utskick om nätverk")),
    ("opt_out_breakfasts", _l("inbjudningar till frukostmöten")),
    ("opt_out_procurement", _l("information om upphandlingar")),
)


def mailings_section(contact: ContactPerson, opt_out_dates: dict[str, Any]) -> Section:
    """Each opt-out with the date the entry that set it was written; the objection with its own date and scope."""
    section = Section("mailings", _("Undantag från utskick och invändning"),
                      [("what", _("Vad")), ("value", _("Gäller")), ("since", _("Sedan")), ("note", _("Anteckning"))])
    for name, heading in OPT_OUTS:
        on = getattr(contact, name)
        section.add(what=_("Vill inte ha: %(kind)s", kind=str(heading)), value=on,
                    since=opt_out_dates.get(name) if on else None)
    scope = contact.objection_scope.label if contact.objection and contact.objection_scope else None
    section.add(what=_("Invändning mot behandling (art. 21)") + (f": {scope}" if scope else ""),
                value=contact.objection,
                since=(contact.objection_on or opt_out_dates.get("objection")) if contact.objection else None,
                note=contact.objection_note or None)
    return section


def addresses_of(contact: ContactPerson, known: list[KnownAddress]) -> list[str]:
    addresses = [contact.email.lower()] if contact.email else []
    return addresses + [row.email.lower() for row in known if row.email.lower() not in addresses]
