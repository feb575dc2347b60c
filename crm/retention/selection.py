"""What each rule finds due: one SELECT of ids per kind, set-based, so that the proposal stores it with one
INSERT … SELECT and the deletion checks it again in the same way (a row that changed since is no longer due).

Never due, whatever the rule: a company or contact person marked `preserved` ("bevaras"); a company with
finalised meeting notes, or linked to a preserved contact person; a contact person linked to finalised
notes (the notes are allmänna handlingar and keep their links while they stay); rows of a preserved
company or contact person (their notes, invitations); outbox messages not yet sent; imports not finished.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, func, or_, select

from crm.audit.models import AuditEntry
from crm.companies.models import Company, CompanyContact, CompanyStatus, ContactPerson
from crm.events.models import Event, Invitation
from crm.followups.models import FollowUp, FollowUpStatus
from crm.imports.models import ImportJob, ImportStatus
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.meetings.models import Interaction, NoteStatus, interaction_contacts
from crm.networks.models import NetworkMembership
from crm.retention import kinds
from crm.retention.kinds import Unit
from crm.visits.models import Visit, visit_contacts

DONE_MAIL = (OutboxStatus.SENT, OutboxStatus.PARTIAL, OutboxStatus.FAILED, OutboxStatus.DEAD)
OPEN_FOLLOW_UPS = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)
FINISHED_IMPORTS = (ImportStatus.UPLOADED, ImportStatus.DONE, ImportStatus.FAILED)


def cutoff(unit: Unit, amount: int, now: datetime) -> datetime:
    """The moment `amount` units before `now`: a row older than this is due (a 31st or 29 February falls back to
    the month's last day)."""
    if unit is Unit.DAYS:
        return now - timedelta(days=amount)
    months = amount * 12 if unit is Unit.YEARS else amount
    total = now.year * 12 + now.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return now.replace(year=year, month=month, day=min(now.day, calendar.monthrange(year, month)[1]))


def due(kind: str, before: datetime) -> Select:
    """The ids of `kind`'s rows due for gallring, for a rule whose period ended at `before`."""
    return _SELECTS[kind](before)


def _final_note_of_company(company_id) -> exists:
    return exists().where(Interaction.company_id == company_id, Interaction.status == NoteStatus.FINAL)


def companies(before: datetime) -> Select:
    """Companies not active, not preserved, with nothing happening since `before`."""
    day = before.date()
    c = Company.__table__.c
    return select(Company.id).where(
        c.status != CompanyStatus.ACTIVE.value,
        c.preserved.is_(False),
        c.created_at < before,
        c.updated_at < before,
        ~_final_note_of_company(c.id),
        ~exists().where(Interaction.company_id == c.id,
                        or_(Interaction.updated_at >= before, Interaction.occurred_on >= day)),
        ~exists().where(Visit.company_id == c.id,
                        or_(Visit.updated_at >= before, Visit.starts_at >= before)),
        ~exists().where(FollowUp.company_id == c.id,
                        or_(FollowUp.updated_at >= before, FollowUp.status.in_(OPEN_FOLLOW_UPS))),
        ~exists().where(NetworkMembership.company_id == c.id,
                        or_(NetworkMembership.ends_on.is_(None), NetworkMembership.ends_on >= day,
                            NetworkMembership.created_at >= before)),
        ~exists().where(CompanyContact.company_id == c.id, ContactPerson.id == CompanyContact.contact_id,
                        or_(ContactPerson.preserved.is_(True), ContactPerson.updated_at >= before)),
        ~exists().where(CompanyContact.company_id == c.id, Invitation.contact_id == CompanyContact.contact_id,
                        or_(Invitation.created_at >= before, Invitation.answered_at >= before)),
    )


def contacts(before: datetime) -> Select:
    """Contact persons at no company, not preserved, with nothing happening since `before`."""
    day = before.date()
    p = ContactPerson.__table__.c
    ic, vc = interaction_contacts.c, visit_contacts.c
    return select(ContactPerson.id).where(
        p.preserved.is_(False),
        p.created_at < before,
        p.updated_at < before,
        ~exists().where(CompanyContact.contact_id == p.id),
        ~exists().where(ic.contact_id == p.id, Interaction.id == ic.interaction_id,
                        or_(Interaction.status == NoteStatus.FINAL, Interaction.updated_at >= before,
                            Interaction.occurred_on >= day)),
        ~exists().where(vc.contact_id == p.id, Visit.id == vc.visit_id,
                        or_(Visit.updated_at >= before, Visit.starts_at >= before)),
        ~exists().where(Invitation.contact_id == p.id,
                        or_(Invitation.created_at >= before, Invitation.answered_at >= before)),
        ~exists().where(NetworkMembership.contact_id == p.id,
                        or_(NetworkMembership.ends_on.is_(None), NetworkMembership.ends_on >= day,
                            NetworkMembership.created_at >= before)),
    )


def event_invitations(before: datetime) -> Select:
    """Invitations (with answers, attendance, sign-ups) of events that ended before `before`."""
    preserved_contact = exists().where(ContactPerson.id == Invitation.contact_id, ContactPerson.preserved.is_(True))
    return select(Invitation.id).join(Event, Event.id == Invitation.event_id).where(
        Event.ends_at < before, Invitation.created_at < before, ~preserved_contact)


def outbox(before: datetime) -> Select:
    """Messages sent (or given up on) before `before`; never one waiting, claimed or being sent."""
    return select(OutboxMessage.id).where(
        OutboxMessage.status.in_(DONE_MAIL),
        func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < before,
        OutboxMessage.created_at < before,
    )


def import_files(before: datetime) -> Select:
    """Imports, not queued or running, made before `before`, whose file has not been gallrad yet."""
    return select(ImportJob.id).where(
        ImportJob.status.in_(FINISHED_IMPORTS),
        ImportJob.stored_name != "",
        func.coalesce(ImportJob.finished_at, ImportJob.created_at) < before,
        ImportJob.created_at < before,
    )


def _of_preserved_company():
    return exists().where(Company.id == Interaction.company_id, Company.preserved.is_(True))


def draft_notes(before: datetime) -> Select:
    """Notes never finalised, last changed before `before`."""
    return select(Interaction.id).where(
        Interaction.status == NoteStatus.DRAFT, Interaction.updated_at < before, ~_of_preserved_company())


def final_notes(before: datetime) -> Select:
    """Finalised notes of meetings before `before` (only when the plan does not keep them)."""
    return select(Interaction.id).where(
        Interaction.status == NoteStatus.FINAL, Interaction.occurred_on < before.date(),
        Interaction.updated_at < before, ~_of_preserved_company(),
        ~exists().where(and_(interaction_contacts.c.interaction_id == Interaction.id,
                             ContactPerson.id == interaction_contacts.c.contact_id,
                             ContactPerson.preserved.is_(True))),
    )


def audit_log(before: datetime) -> Select:
    return select(AuditEntry.id).where(AuditEntry.at < before)


_SELECTS = {
    kinds.COMPANIES: companies,
    kinds.CONTACTS: contacts,
    kinds.EVENT_INVITATIONS: event_invitations,
    kinds.OUTBOX: outbox,
    kinds.IMPORT_FILES: import_files,
    kinds.DRAFT_NOTES: draft_notes,
    kinds.FINAL_NOTES: final_notes,
    kinds.AUDIT_LOG: audit_log,
}
