"""Who may be invited to an event: the picked contacts sorted into those invited and those left out, and why."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.companies.models import ContactPerson
from crm.events.calendar import organizer_address
from crm.events.models import Event, EventKind, Invitation
from crm.extensions import db
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
    for contact in contacts:
        if contact.id in seen:
            continue
        seen.add(contact.id)
        if contact.id in already:
            plan.excluded.append(Exclusion(contact, str(_l("Redan inbjuden"))))
            continue
        unsendable = unsendable_reason(contact) if not contact.objection else None
        if unsendable:
            log.warning("event %s: contact %s not invited, name or address cannot go into a message",
                        event.id, contact.id)
            plan.excluded.append(Exclusion(contact, unsendable, unsendable=True))
            continue
        reason = exclusion_reason(contact, event.kind, organizer_email)
        if reason:
            plan.excluded.append(Exclusion(contact, reason))
        else:
            plan.invite.append(contact)
    return plan
