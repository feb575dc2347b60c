"""Company visits: the visit, its participants, contacts, topics and notes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.mixins import Audited
from crm.calendar.identity import SHOWN_IN_CALENDARS, new_uid
from crm.dbtypes import Labelled, UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import Company, ContactPerson, Topic
    from crm.followups.models import FollowUp


class VisitKind(Labelled):
    POLITICIAN = "politikerbesok"
    OFFICIAL = "tjanstemannabesok"
    WELCOME = "valkomstbesok"
    FOLLOW_UP = "uppfoljningsbesok"


VisitKind.set_labels({
    VisitKind.POLITICIAN: _l("Politikerbesök"),
    VisitKind.OFFICIAL: _l("Tjänstemannabesök"),
    VisitKind.WELCOME: _l("Välkomstbesök"),
    VisitKind.FOLLOW_UP: _l("Uppföljningsbesök"),
})


class VisitStatus(Labelled):
    PROPOSED = "foreslagen"
    BOOKED = "bokad"
    DONE = "genomford"
    CANCELLED = "installd"


VisitStatus.set_labels({
    VisitStatus.PROPOSED: _l("Föreslaget"),
    VisitStatus.BOOKED: _l("Bokat"),
    VisitStatus.DONE: _l("Genomfört"),
    VisitStatus.CANCELLED: _l("Inställt"),
})


visit_participants = Table(
    "visit_participants",
    db.metadata,
    Column("visit_id", ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_visit_participants_user_id", "user_id"),
)

visit_contacts = Table(
    "visit_contacts",
    db.metadata,
    Column("visit_id", ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contact_persons.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_visit_contacts_contact_id", "contact_id"),
)

visit_topics = Table(
    "visit_topics",
    db.metadata,
    Column("visit_id", ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="RESTRICT"), primary_key=True),
)


class Visit(Audited, db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_company_id", "company_id"),
        Index("ix_visits_year_status", "year", "status"),
        Index("ix_visits_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), info=SHOWN_IN_CALENDARS)
    kind: Mapped[VisitKind] = mapped_column(str_enum(VisitKind), default=VisitKind.POLITICIAN, info=SHOWN_IN_CALENDARS)
    status: Mapped[VisitStatus] = mapped_column(
        str_enum(VisitStatus), default=VisitStatus.PROPOSED, info=SHOWN_IN_CALENDARS
    )
    year: Mapped[int]
    counts_towards_target: Mapped[bool] = mapped_column(default=True)
    # The columns marked SHOWN_IN_CALENDARS are what a calendar shows: a change to one raises the SEQUENCE.
    starts_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), info=SHOWN_IN_CALENDARS)
    ends_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), info=SHOWN_IN_CALENDARS)
    place: Mapped[Optional[str]] = mapped_column(String(300), info=SHOWN_IN_CALENDARS)
    purpose: Mapped[str] = mapped_column(Text, default="")
    satisfied_with: Mapped[str] = mapped_column(Text, default="")
    less_satisfied_with: Mapped[str] = mapped_column(Text, default="")
    feedback_preference: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[Optional[str]] = mapped_column(String(500))
    suggestion_reason: Mapped[Optional[str]] = mapped_column(String(300))
    # Calendar identity: the UID never changes; SEQUENCE rises with every change that matters.
    uid: Mapped[str] = mapped_column(String(120), unique=True, default=new_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Who marked the visit genomförd, and when: set together by the service that does it.
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    company: Mapped[Company] = relationship("Company")
    created_by: Mapped[Optional[User]] = relationship("User", foreign_keys=[created_by_id])
    completed_by: Mapped[Optional[User]] = relationship("User", foreign_keys=[completed_by_id])
    participants: Mapped[list[User]] = relationship(
        "User", secondary=visit_participants, order_by="User.name.collate('sv')"
    )
    contacts: Mapped[list[ContactPerson]] = relationship("ContactPerson", secondary=visit_contacts)
    topics: Mapped[list[Topic]] = relationship("Topic", secondary=visit_topics, order_by="Topic.position")
    notes: Mapped[list[VisitNote]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitNote.created_at"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(back_populates="visit", order_by="FollowUp.due_date")


class VisitNote(Audited, db.Model):
    """A participant's own note on a visit (politicians write theirs here)."""

    __tablename__ = "visit_notes"
    __table_args__ = (Index("ix_visit_notes_visit_id", "visit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="notes")
    author: Mapped[Optional[User]] = relationship("User")
