"""Open registration: an event's public page (`/anmalan/<slug>`), the sign-ups made on it, and the attempts
counted per client address to keep spam out.

A sign-up (Registration) holds only what the form asks. It becomes an invitation (a guest's, no contact
person) when the link in its confirmation mail is followed and the button pressed (double opt-in); one
never confirmed is deleted after UNCONFIRMED_KEPT_DAYS (crm.events.tasks). The confirmation key is stored;
the link carries it with an HMAC under the app's secret (crm.events.registration), as the RSVP links do.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.dbtypes import UTCDateTime
from crm.extensions import db
from crm.timeutil import utcnow

if TYPE_CHECKING:
    from crm.companies.models import Company, ContactPerson
    from crm.events.models import Event, Invitation


class RegistrationPage(db.Model):
    """An event's public registration page; it uses the event's capacity and answer deadline."""

    __tablename__ = "registration_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()


class Registration(db.Model):
    """One sign-up on a registration page: pending until confirmed, then tied to its invitation."""

    __tablename__ = "registrations"
    __table_args__ = (Index("ix_registrations_event_id", "event_id"),
                      Index("ix_registrations_created_at", "created_at"),
                      Index("ix_registrations_invitation_id", "invitation_id"),
                      Index("ix_registrations_contact_id", "contact_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    company_name: Mapped[str] = mapped_column(String(200), default="")
    org_number: Mapped[str] = mapped_column(String(11), default="")
    # Dietary needs (health data) wait here only until confirmation, then move to the invitation's DietaryNeed.
    dietary: Mapped[str] = mapped_column(String(200), default="")
    dietary_other: Mapped[str] = mapped_column(Text, default="")
    confirm_key: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    invitation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    company_id: Mapped[Optional[int]] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    contact_id: Mapped[Optional[int]] = mapped_column(ForeignKey("contact_persons.id", ondelete="SET NULL"))
    accepted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    invitation: Mapped[Optional[Invitation]] = relationship()
    company: Mapped[Optional[Company]] = relationship()
    contact: Mapped[Optional[ContactPerson]] = relationship()


class RegistrationAttempt(db.Model):
    """One submission of a registration form, by client address: the rate limit counts these."""

    __tablename__ = "registration_attempts"
    __table_args__ = (Index("ix_registration_attempts_address_at", "address", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
