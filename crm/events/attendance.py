"""Attendance at an event: ticking who came, walk-ins, and closing attendance (the rest are no-shows)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crm.companies.models import Company, CompanyContact, ContactPerson
from crm.events import invitations
from crm.events.models import Attendance, Event, EventStatus, Invitation
from crm.events.services import AttendanceNotOpen, EventIsCancelled
from crm.extensions import db
from crm.timeutil import utcnow


def mark_attendance(invitation: Invitation, attendance: Attendance | None, now: datetime | None = None) -> None:
    event = invitation.event
    if event.status == EventStatus.CANCELLED:
        raise EventIsCancelled()
    invitation.attendance = Attendance(attendance) if attendance else None
    begun = event.starts_at <= (now or utcnow())
    if attendance and begun and event.status in (EventStatus.PLANNED, EventStatus.INVITED):
        event.status = EventStatus.HELD


def add_walk_in(event: Event, name: str, email: str | None, now: datetime | None = None,
                company: Company | None = None) -> Invitation:
    """Someone who came without an invitation: found by e-mail among the contacts, or added as a new contact.

    With a company, the contact is linked to it (unless already linked).
    """
    if event.status == EventStatus.CANCELLED:
        raise EventIsCancelled()
    now = now or utcnow()
    email = (email or "").strip().lower() or None
    contact = None
    if email:
        contact = db.session.scalar(
            select(ContactPerson).where(ContactPerson.email == email).order_by(ContactPerson.id).limit(1)
        )
    if contact is None:
        contact = ContactPerson(name=name.strip(), email=email)
        db.session.add(contact)
        db.session.flush()
    if company is not None and db.session.scalar(
        select(CompanyContact.id).where(CompanyContact.contact_id == contact.id,
                                        CompanyContact.company_id == company.id).limit(1)
    ) is None:
        db.session.add(CompanyContact(company_id=company.id, contact_id=contact.id))
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.event_id == event.id, Invitation.contact_id == contact.id)
    )
    if invitation is None:
        invitation = Invitation(event=event, contact=contact, name=contact.name, email=contact.email,
                                rsvp_key=invitations.new_key(), walk_in=True)
        db.session.add(invitation)
    invitation.uninvited_at = None
    mark_attendance(invitation, Attendance.ATTENDED, now)
    db.session.flush()
    return invitation


def close_attendance(event: Event, now: datetime | None = None) -> int:
    """After the event has begun: everyone with a place who was not ticked is a no-show. Returns how many."""
    if event.status == EventStatus.CANCELLED:
        raise EventIsCancelled()
    if event.starts_at > (now or utcnow()):
        raise AttendanceNotOpen()
    count = 0
    for invitation in invitations.active_invitations(event):
        if invitation.has_place and invitation.attendance is None:
            invitation.attendance = Attendance.NO_SHOW
            count += 1
    if event.status in (EventStatus.PLANNED, EventStatus.INVITED):
        event.status = EventStatus.HELD
    db.session.flush()
    return count
