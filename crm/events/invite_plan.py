"""Who may be invited to an event: the picked contacts sorted into those invited and those left out, and why.

The outbox's gate (crm.mail.gate) drops every invitation to an address that must not get mail to people: a
contact's own objection, another address the inbox knows for a person who objected, a Reklamspärr company's
generic address. The plan asks the gate too (one query for the whole batch), so such a contact is left out
here, with the reason, instead of getting an invitation recorded as sent that no mail ever carried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from crm.companies.models import Company, ContactPerson
from crm.events.calendar import organizer_address
from crm.events.models import Event, EventKind, Invitation
from crm.extensions import db
from crm.mail import gate
from crm.mail.compose import Unsendable, is_sendable, recipient
from crm.text import has_control_characters

log = logging.getLogger(__name__)

# Which opt-out an event's invitation respects (ContactPerson.may_receive).
MAILING_KIND = {
    EventKind.BREAKFAST: "breakfasts",
    EventKind.PROCUREMENT_INFO: "procurement",
    EventKind.THEME: "networks",
    EventKind.NETWORK_MEETING: "networks",
    EventKind.WORKSHOP: "networks",
}

# Why the gate blocks an address the contact's own record does not explain.
AD_BLOCKED = _l("Adressen är ett företags allmänna adress med reklamspärr")
OBJECTED_ELSEWHERE = _l("Adressen hör till en person som har invänt mot utskick")
# The outbox dropped the invitation when the plan had let it through (crm.events.invitations takes it back).
OBJECTED_OR_AD_BLOCKED = _l("Adressen får inga utskick (invändning eller reklamspärr)")


@dataclass(frozen=True)
class Exclusion:
    contact: ContactPerson
    reason: str
    unsendable: bool = False  # the name or address cannot be written into a message: the record needs fixing


@dataclass
class InvitePlan:
    """Picked contacts sorted into those who get an invitation and those left out, with the reason."""

    invite: list[ContactPerson] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)


def exclusion_reason(contact: ContactPerson, kind: EventKind, organizer_email: str | None = None) -> str | None:
    if contact.objection:
        return str(_l("Har invänt mot utskick"))
    if not contact.email:
        return str(_l("Saknar e-postadress"))
    if not is_sendable(contact.email):
        return str(_l("E-postadressen går inte att skicka till (tecken som å, ä, ö före @)"))
    if organizer_email is None:
        organizer_email = organizer_address()[1]
    if contact.email.strip().lower() == organizer_email.lower():
        # The ORGANIZER itself: a REQUEST to it would land as an invitation from itself to itself.
        return str(_l("Är enhetens egen adress (arrangören)"))
    mailing = MAILING_KIND[EventKind(kind)]
    if not contact.may_receive(mailing):
        return {
            "breakfasts": str(_l("Har avböjt utskick om frukostmöten")),
            "procurement": str(_l("Har avböjt utskick om upphandlingsinformation")),
            "networks": str(_l("Har avböjt utskick om nätverk")),
        }[mailing]
    return None


def unsendable_reason(contact: ContactPerson) -> str | None:
    """Why the contact's name and address cannot go into a message as they are stored, or None.

    Control characters are removed where names and addresses are typed or imported; one stored before
    that is reported here, so the record is fixed, rather than invited under a name made up for it.
    """
    if not contact.email:
        return None
    if has_control_characters(contact.name) or has_control_characters(contact.email):
        return str(_l("Namnet eller e-postadressen innehåller osynliga styrtecken. Rätta kontaktpersonen."))
    try:
        recipient(contact.name, contact.email)
    except Unsendable:
        return str(_l("Namnet och e-postadressen går inte att skriva i ett mejl. Rätta kontaktpersonen."))
    return None


def plan_invitations(event: Event, contacts: Iterable[ContactPerson]) -> InvitePlan:
    already = {
        contact_id
        for contact_id in db.session.scalars(
            select(Invitation.contact_id).where(Invitation.event_id == event.id, Invitation.uninvited_at.is_(None))
        )
    }
    plan = InvitePlan()
    organizer_email = organizer_address()[1]
    seen: set[int] = set()
    sorted_out: list[ContactPerson | Exclusion] = []  # in the order picked; a contact here may still be gated
    for contact in contacts:
        if contact.id in seen:
            continue
        seen.add(contact.id)
        if contact.id in already:
            sorted_out.append(Exclusion(contact, str(_l("Redan inbjuden"))))
            continue
        unsendable = unsendable_reason(contact) if not contact.objection else None
        if unsendable:
            log.warning("event %s: contact %s not invited, name or address cannot go into a message",
                        event.id, contact.id)
            sorted_out.append(Exclusion(contact, unsendable, unsendable=True))
            continue
        reason = exclusion_reason(contact, event.kind, organizer_email)
        sorted_out.append(Exclusion(contact, reason) if reason else contact)
    gated = gate_reasons([item.email for item in sorted_out if isinstance(item, ContactPerson)])
    for item in sorted_out:
        if isinstance(item, Exclusion):
            plan.excluded.append(item)
        elif gate.normal(item.email) in gated:
            plan.excluded.append(Exclusion(item, gated[gate.normal(item.email)]))
        else:
            plan.invite.append(item)
    return plan


def gate_reasons(addresses: list[str]) -> dict[str, str]:
    """The addresses (trimmed, lower case) the outbox's gate would drop, each with why in plain Swedish.

    One query asks the gate for the whole batch; only when it blocks some address does a second one tell a
    Reklamspärr company's generic address from another address of a person who objected.
    """
    blocked = gate.blocked(addresses)
    if not blocked:
        return {}
    address = func.lower(func.trim(Company.email))
    ad_blocked = set(db.session.scalars(
        select(address).where(Company.ad_block.is_(True), address.in_(sorted(blocked))).distinct()
    ))
    return {item: str(AD_BLOCKED if item in ad_blocked else OBJECTED_ELSEWHERE) for item in blocked}
