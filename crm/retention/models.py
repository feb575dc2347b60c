"""The gallring plan: one rule per kind of record, the nightly proposal an admin approves, and the
gallringslogg, which says what kind, how many, by which rule, when and who approved it: never whom."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.mixins import Audited
from crm.dbtypes import Labelled, UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow

if TYPE_CHECKING:
    from crm.auth.models import User


class RetentionRule(Audited, db.Model):
    """The plan's rule for one kind of record (the kinds and their units are in crm.retention.kinds):
    `keep` ("bevaras"), or gallras `amount` units after the kind's event."""

    __tablename__ = "retention_rules"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    keep: Mapped[bool] = mapped_column(default=False)
    amount: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def id(self) -> str:
        """The audit log names a record by its id; a rule's is its kind."""
        return self.kind


class ProposalStatus(Labelled):
    PROPOSED = "proposed"  # waiting for an admin
    APPROVED = "approved"  # approved; the next run of the job deletes
    DONE = "done"
    SUPERSEDED = "superseded"  # a newer proposal replaced it before anyone approved it


ProposalStatus.set_labels({
    ProposalStatus.PROPOSED: _l("Väntar på godkännande"),
    ProposalStatus.APPROVED: _l("Godkänt, gallras i natt"),
    ProposalStatus.DONE: _l("Gallrat"),
    ProposalStatus.SUPERSEDED: _l("Ersatt av ett nyare förslag"),
})


class RetentionProposal(db.Model):
    """What the nightly job found due, row by row, until an admin approves it."""

    __tablename__ = "retention_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus, 12), default=ProposalStatus.PROPOSED)
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    executed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    approved_by: Mapped[Optional[User]] = relationship("User")


class RetentionItem(db.Model):
    """One row a proposal would delete: its kind and id. Approval deletes exactly these, nothing more."""

    __tablename__ = "retention_items"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("retention_proposals.id", ondelete="CASCADE"),
                                             primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class RetentionLogEntry(db.Model):
    """The gallringslogg: one line per kind and run, without personal data. Kept; never gallrad itself."""

    __tablename__ = "retention_log"
    __table_args__ = (Index("ix_retention_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(200))  # the rule as it read then, e.g. "gallras 90 dagar efter sändning"
    count: Mapped[int] = mapped_column(Integer)
    proposal_id: Mapped[Optional[int]] = mapped_column(Integer)
    proposed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # The approving admin's name as it was (the municipality's own staff, not a data subject); "automatiskt"
    # for the rules that run without approval (dietary needs).
    approved_by: Mapped[str] = mapped_column(String(200))
