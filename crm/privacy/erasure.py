"""Erasure of a contact person (GDPR art. 17) where no archival duty applies.

What is personal goes: the name is replaced, the addresses, the phone, the objection's note, the other
addresses the inbox learned, dietary data, guest data of open registrations under their addresses, the
outbox's mails to them and their values in the audit entries about them. What is statistics stays: the
links to companies, meetings, visits, invitations, attendance and networks, now pointing at the anonymised
record. Finalised notes are allmänna handlingar and are not touched; `scope()` lists them, and the drafts
and other texts that mention the person, for the handläggare.

`erase()` writes everything with bulk statements (they bypass the `Audited` mixin, which would otherwise
log the old name once more) and one audit entry "erase" with the reason and counts, no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, false, func, or_, select, update

from crm.audit.mixins import record
from crm.audit.models import AuditEntry
from crm.companies.fields import looks_like_personnummer
from crm.companies.models import CompanyContact, ContactPerson
from crm.errors import RuleRefused
from crm.events.models import Attendance, DietaryNeed, Invitation
from crm.events.registration_models import Registration
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.inbox.models import InboxMessage, KnownAddress
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.meetings.models import Interaction, NoteStatus, interaction_contacts
from crm.networks.models import NetworkMembership
from crm.privacy.models import AccessRequest
from crm.text import fold
from crm.timeutil import utcnow
from crm.visits.models import Visit, VisitNote, visit_contacts

ERASED = "[raderat]"
MENTION_LIMIT = 100  # notes listed per kind; more are counted, not listed
# Which values of an audit entry about a related record are the person's (None: every value).
_AUDITED_VALUES: dict[str, frozenset[str] | None] = {
    "ContactPerson": None,
    "Invitation": frozenset({"name", "email"}),
    "AccessRequest": frozenset({"note", "identity_note"}),
}
_UNSENT = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)


class AlreadyErased(RuleRefused):
    message = _l("Kontaktpersonen är redan raderad.")


def erased_name(contact_id: int) -> str:
    """The name an erased contact person gets (Swedish in the database, like every stored name)."""
    return f"Borttagen kontaktperson {contact_id}"


@dataclass
class Mentions:
    """Texts that name the person, found by search, for a person to review."""

    final_notes: list[Interaction] = field(default_factory=list)
    draft_notes: list[Interaction] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)


@dataclass
class ErasureScope:
    """What erasing one contact person removes and keeps: the page shows it, `erase` does exactly it."""

    contact: ContactPerson
    addresses: list[str]
    known_addresses: list[str]
    invitation_ids: list[int]
    registration_ids: list[int]
    dietary_ids: list[int]
    outbox_sent_ids: list[int]
    outbox_unsent_ids: list[int]
    inbox_message_ids: list[int]
    audit_entry_ids: list[int]
    request_ids: list[int]
    open_requests: list[AccessRequest]
    kept: dict[str, int]
    mentions: Mentions

    @property
    def counts(self) -> dict[str, int]:
        """How many of each are removed or anonymised (for the audit entry: numbers, no personal data)."""
        return {
            "known_addresses": len(self.known_addresses),
            "invitations": len(self.invitation_ids),
            "registrations": len(self.registration_ids),
            "dietary_needs": len(self.dietary_ids),
            "outbox_sent": len(self.outbox_sent_ids),
            "outbox_cancelled": len(self.outbox_unsent_ids),
            "inbox_messages": len(self.inbox_message_ids),
            "audit_entries": len(self.audit_entry_ids),
        }


def addresses_of(contact: ContactPerson) -> tuple[list[str], list[str]]:
    """The person's own address (if any) and the other addresses the inbox knows for them, case-folded."""
    known = list(db.session.scalars(
        select(KnownAddress.email).where(KnownAddress.contact_id == contact.id).order_by(KnownAddress.email)
    ))
    own = [contact.email.strip().lower()] if contact.email else []
    every = list(dict.fromkeys(own + [address.strip().lower() for address in known if address]))
    return every, known


def scope(contact: ContactPerson) -> ErasureScope:
    """Everything `erase` will change for this person, and what it keeps."""
    addresses, known = addresses_of(contact)
    invitation_ids = _ids(select(Invitation.id).where(or_(
        Invitation.contact_id == contact.id,
        Invitation.contact_id.is_(None) & func.lower(Invitation.email).in_(addresses or [""]),
    )))
    registrations = _ids(select(Registration.id).where(or_(
        Registration.contact_id == contact.id, func.lower(Registration.email).in_(addresses or [""]),
    )))
    registration_invitations = _ids(select(Registration.invitation_id).where(
        Registration.id.in_(registrations), Registration.invitation_id.is_not(None)))
    invitation_ids = sorted(set(invitation_ids) | set(registration_invitations))
    sent, unsent = _outbox(addresses)
    request_ids = _ids(select(AccessRequest.id).where(AccessRequest.contact_id == contact.id))
    return ErasureScope(
        contact=contact,
        addresses=addresses,
        known_addresses=known,
        invitation_ids=invitation_ids,
        registration_ids=registrations,
        dietary_ids=_ids(select(DietaryNeed.id).where(DietaryNeed.invitation_id.in_(invitation_ids))),
        outbox_sent_ids=sent,
        outbox_unsent_ids=unsent,
        inbox_message_ids=_ids(select(InboxMessage.id).where(or_(
            InboxMessage.invitation_id.in_(invitation_ids),
            func.lower(InboxMessage.sender).in_(addresses or [""]),
            func.lower(InboxMessage.attendee).in_(addresses or [""]),
        ))),
        audit_entry_ids=_audit_entry_ids(contact.id, invitation_ids, request_ids),
        request_ids=request_ids,
        open_requests=list(db.session.scalars(select(AccessRequest).where(
            AccessRequest.contact_id == contact.id, AccessRequest.delivered_on.is_(None)))),
        kept=kept_counts(contact.id),
        mentions=mentions(contact, addresses),
    )


def erase(contact: ContactPerson, reason: str) -> ErasureScope:
    """Erase the person in the caller's transaction (the view commits once); refused when already erased."""
    if contact.erased_at is not None:
        raise AlreadyErased()
    db.session.flush()
    found = scope(contact)
    name = erased_name(contact.id)
    erased = db.session.execute(
        update(ContactPerson).where(ContactPerson.id == contact.id, ContactPerson.erased_at.is_(None)).values(
            name=name, name_key=fold(name), email=None, phone=None, objection_note="", erased_at=utcnow(),
        ),
        execution_options={"synchronize_session": "fetch"},
    )
    if erased.rowcount != 1:  # another admin's erasure got there first: it waits for ours, or ours for it
        raise AlreadyErased()
    db.session.execute(delete(KnownAddress).where(KnownAddress.contact_id == contact.id))
    db.session.execute(delete(DietaryNeed).where(DietaryNeed.id.in_(found.dietary_ids)),
                       execution_options={"synchronize_session": False})
    db.session.execute(
        update(Invitation).where(Invitation.id.in_(found.invitation_ids)).values(name=name, email=None),
        execution_options={"synchronize_session": "fetch"},
    )
    _anonymise_registrations(found.registration_ids, name)
    db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.id.in_(found.outbox_sent_ids + found.outbox_unsent_ids)))
    db.session.execute(update(InboxMessage).where(InboxMessage.id.in_(found.inbox_message_ids)).values(
        sender="", attendee=None, subject="", comment="", note="", raw=b""))
    db.session.execute(update(AccessRequest).where(AccessRequest.id.in_(found.request_ids)).values(
        note="", identity_note=""))
    _scrub_audit_entries(found.audit_entry_ids)
    db.session.expire_all()
    record(db.session.connection(), "erase", "ContactPerson", contact.id,
           {"reason": reason.strip(), "removed": found.counts})
    return found


def kept_counts(contact_id: int) -> dict[str, int]:
    """The links that stay (statistics), counted: the page shows them, the tests compare them."""
    invitations = select(Invitation).where(Invitation.contact_id == contact_id)

    def count(query) -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    return {
        "companies": count(select(CompanyContact.id).where(CompanyContact.contact_id == contact_id)),
        "meetings": count(select(interaction_contacts.c.interaction_id).where(
            interaction_contacts.c.contact_id == contact_id)),
        "visits": count(select(visit_contacts.c.visit_id).where(visit_contacts.c.contact_id == contact_id)),
        "invitations": count(invitations),
        "attended": count(invitations.where(Invitation.attendance == Attendance.ATTENDED)),
        "networks": count(select(NetworkMembership.id).where(NetworkMembership.contact_id == contact_id)),
    }


def mentions(contact: ContactPerson, addresses: list[str]) -> Mentions:
    """Notes linked to the person or naming them (name or address, found by search), for review."""
    terms = [term for term in [(contact.name or "").strip(), *addresses] if len(term) >= 3]
    if contact.erased_at is not None:
        terms = []
    linked = select(interaction_contacts.c.interaction_id).where(interaction_contacts.c.contact_id == contact.id)
    final = select(Interaction).where(Interaction.status == NoteStatus.FINAL, or_(
        Interaction.id.in_(linked), _mentioning(Interaction.note, terms)))
    drafts = select(Interaction).where(Interaction.status == NoteStatus.DRAFT, _mentioning(Interaction.note, terms))
    visit_texts = [Visit.purpose, Visit.summary, Visit.satisfied_with, Visit.less_satisfied_with]
    noted = select(VisitNote.visit_id).where(_mentioning(VisitNote.text, terms))
    visits = select(Visit).where(or_(*[_mentioning(column, terms) for column in visit_texts], Visit.id.in_(noted)))
    follow_ups = select(FollowUp).where(_mentioning(FollowUp.description, terms))
    return Mentions(
        final_notes=_listed(final.order_by(Interaction.occurred_on.desc(), Interaction.id.desc())),
        draft_notes=_listed(drafts.order_by(Interaction.occurred_on.desc(), Interaction.id.desc())),
        visits=_listed(visits.order_by(Visit.id.desc())),
        follow_ups=_listed(follow_ups.order_by(FollowUp.id.desc())),
    )


def _mentioning(column, terms: list[str]):
    """The column contains one of the terms: as written, or in lower case (SQLite folds only ASCII)."""
    if not terms:
        return false()
    return or_(*[condition for term in terms for condition in (
        column.contains(term, autoescape=True), func.lower(column).contains(term.lower(), autoescape=True))])


def _listed(query) -> list:
    return list(db.session.scalars(query.limit(MENTION_LIMIT)))


def _ids(query) -> list[int]:
    return sorted(set(db.session.scalars(query)))


def _outbox(addresses: list[str]) -> tuple[list[int], list[int]]:
    """The outbox rows addressed to any of the addresses: (sent or given up, not yet sent)."""
    if not addresses:
        return [], []
    rows = db.session.execute(select(OutboxMessage.id, OutboxMessage.recipients, OutboxMessage.status).where(
        or_(*[func.lower(OutboxMessage.recipients).contains(address, autoescape=True) for address in addresses])
    ))
    wanted = set(addresses)
    sent: list[int] = []
    unsent: list[int] = []
    for row in rows:
        if wanted & {part.strip().lower() for part in row.recipients.split(",")}:
            (unsent if row.status in _UNSENT else sent).append(row.id)
    return sorted(sent), sorted(unsent)


def _audit_entry_ids(contact_id: int, invitation_ids: list[int], request_ids: list[int]) -> list[int]:
    about = [(AuditEntry.entity == "ContactPerson") & (AuditEntry.entity_id == str(contact_id))]
    if invitation_ids:
        about.append((AuditEntry.entity == "Invitation")
                     & AuditEntry.entity_id.in_([str(i) for i in invitation_ids]))
    if request_ids:
        about.append((AuditEntry.entity == "AccessRequest") & AuditEntry.entity_id.in_([str(i) for i in request_ids]))
    return _ids(select(AuditEntry.id).where(or_(*about), AuditEntry.changes.is_not(None)))


def _scrub_audit_entries(entry_ids: list[int]) -> None:
    """Replace the person's values by "[raderat]"; the action, time, actor and field names stay."""
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.id.in_(entry_ids))):
        fields = _AUDITED_VALUES.get(entry.entity)
        entry.changes = {key: (_scrubbed(value) if fields is None or key in fields else value)
                         for key, value in (entry.changes or {}).items()}
    db.session.flush()


def _scrubbed(value: Any) -> Any:
    if isinstance(value, list):
        return [_scrubbed(part) for part in value]
    return None if value is None else ERASED


def _anonymise_registrations(registration_ids: list[int], name: str) -> None:
    """Open registrations under the person's address keep their event and state, not who signed up."""
    for registration in db.session.scalars(select(Registration).where(Registration.id.in_(registration_ids))):
        registration.name = name
        registration.email = ""
        registration.dietary = ""
        registration.dietary_other = ""
        if looks_like_personnummer(registration.org_number):
            registration.org_number = ""
    db.session.flush()
