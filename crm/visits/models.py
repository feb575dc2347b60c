"""Company visits, the yearly visit plan and follow-ups."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Column, Enum, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.mixins import Audited
from crm.dbtypes import UTCDateTime
from crm.extensions import db
from crm.timeutil import utcnow

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import Company, ContactPerson, Topic
    from crm.meetings.models import Interaction


def _values(enum_class):
    return [member.value for member in enum_class]


def _enum(enum_class, length: int = 20):
    return Enum(enum_class, native_enum=False, length=length, values_callable=_values)


def new_uid() -> str:
    """A calendar UID, made once when the record is created and never recomputed."""
    return f"{uuid.uuid4()}@naringsliv-crm"


class VisitKind(enum.StrEnum):
    POLITICIAN = "politikerbesok"
    OFFICIAL = "tjanstemannabesok"
    WELCOME = "valkomstbesok"
    FOLLOW_UP = "uppfoljningsbesok"


class VisitStatus(enum.StrEnum):
    PROPOSED = "foreslagen"
    BOOKED = "bokad"
    DONE = "genomford"
    CANCELLED = "installd"


class FollowUpStatus(enum.StrEnum):
    OPEN = "oppen"
    IN_PROGRESS = "pagar"
    DONE = "klar"
    NOT_DONE = "ej_atgardad"


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


class VisitPlan(Audited, db.Model):
    """The year's visit target, decided by the tillväxtutskott."""

    __tablename__ = "visit_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    target: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Visit(Audited, db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_company_id", "company_id"),
        Index("ix_visits_year_status", "year", "status"),
        Index("ix_visits_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[VisitKind] = mapped_column(_enum(VisitKind), default=VisitKind.POLITICIAN)
    status: Mapped[VisitStatus] = mapped_column(_enum(VisitStatus), default=VisitStatus.PROPOSED)
    year: Mapped[int]
    counts_towards_target: Mapped[bool] = mapped_column(default=True)
    starts_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    ends_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    place: Mapped[Optional[str]] = mapped_column(String(300))
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


class FollowUp(Audited, db.Model):
    """Something the unit owes a company, raised from a visit, a meeting or the company page."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("ix_follow_ups_company_id", "company_id"),
        Index("ix_follow_ups_visit_id", "visit_id"),
        Index("ix_follow_ups_assignee_status_due", "assignee_id", "status", "due_date"),
        Index("ix_follow_ups_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    visit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    interaction_id: Mapped[Optional[int]] = mapped_column(ForeignKey("interactions.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[Optional[int]] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_date: Mapped[Optional[date]]
    status: Mapped[FollowUpStatus] = mapped_column(_enum(FollowUpStatus), default=FollowUpStatus.OPEN)
    not_done_reason: Mapped[Optional[str]] = mapped_column(String(500))
    feedback_on: Mapped[Optional[date]]
    feedback_how: Mapped[Optional[str]] = mapped_column(String(300))
    visible_to_politicians: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    company: Mapped[Company] = relationship("Company")
    visit: Mapped[Optional[Visit]] = relationship(back_populates="follow_ups")
    interaction: Mapped[Optional[Interaction]] = relationship("Interaction")
    topic: Mapped[Optional[Topic]] = relationship("Topic")
    assignee: Mapped[Optional[User]] = relationship("User", foreign_keys=[assignee_id])
    created_by: Mapped[Optional[User]] = relationship("User", foreign_keys=[created_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)


class RegisterCount(db.Model):
    """The active register's companies per group of one spread dimension, counted by a scheduled job.

    The plan page compares the year's visited companies with these rows instead of counting every active
    company on each request. `grp` is '' for companies where the fact is not known (NULL would not be unique).
    """

    __tablename__ = "register_counts"
    __table_args__ = (UniqueConstraint("dimension", "grp", name="uq_register_counts_dimension_grp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(10))
    grp: Mapped[str] = mapped_column(String(100))
    companies: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StoredSuggestion(db.Model):
    """One ranked suggestion of whom to visit, for a plan year and audience, as the scheduled job last ranked them.

    Ranking every active company takes a few hundred milliseconds at 100,000 companies, so the job ranks the
    current and the next year; the plan pages read these rows and leave out, as they read them, the companies
    that have since got a visit that year or stopped being active. `reasons` holds the Reason values, comma
    separated, and `division` the first two digits of the primary SNI code.
    """

    __tablename__ = "stored_suggestions"
    __table_args__ = (
        UniqueConstraint("year", "politician_view", "rank", name="uq_stored_suggestions_year_view_rank"),
        Index("ix_stored_suggestions_company_id", "company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    politician_view: Mapped[bool]  # ranked on the follow-ups visible to politicians only
    rank: Mapped[int]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    score: Mapped[int]
    reasons: Mapped[str] = mapped_column(String(200))
    last_visit_year: Mapped[Optional[int]]
    division: Mapped[Optional[str]] = mapped_column(String(2))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
