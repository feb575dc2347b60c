"""Follow-ups (uppföljningar): what the unit owes a company, raised from a visit, a meeting or the company page."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.mixins import Audited
from crm.dbtypes import Labelled, UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import Company, Topic
    from crm.meetings.models import Interaction
    from crm.visits.models import Visit


class FollowUpStatus(Labelled):
    OPEN = "oppen"
    IN_PROGRESS = "pagar"
    DONE = "klar"
    NOT_DONE = "ej_atgardad"


FollowUpStatus.set_labels({
    FollowUpStatus.OPEN: _l("Öppen"),
    FollowUpStatus.IN_PROGRESS: _l("Pågår"),
    FollowUpStatus.DONE: _l("Klar"),
    FollowUpStatus.NOT_DONE: _l("Ej åtgärdad"),
})


class FollowUp(Audited, db.Model):
    """Something the unit owes a company, raised from a visit, a meeting or the company page."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("ix_follow_ups_company_id", "company_id"),
        Index("ix_follow_ups_visit_id", "visit_id"),
        Index("ix_follow_ups_interaction_id", "interaction_id"),
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
    status: Mapped[FollowUpStatus] = mapped_column(str_enum(FollowUpStatus), default=FollowUpStatus.OPEN)
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
