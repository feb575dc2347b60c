"""The meeting log: interactions with companies, drafts, finalised notes and their versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, Table, Text, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.mixins import Audited
from crm.dbtypes import Labelled, UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import Company, ContactPerson, Topic


class InteractionKind(Labelled):
    MEETING = "mote"
    PHONE = "telefon"
    EMAIL = "epost"
    ADVICE = "radgivning"
    COORDINATED_ADVICE = "dukat_bord"  # Dukat bord: plan, bygglov and miljö officials at one table
    GUIDE_MEETING = "lotsmote"
    ESTABLISHMENT = "etableringsmote"


InteractionKind.set_labels({
    InteractionKind.MEETING: _l("Möte"),
    InteractionKind.PHONE: _l("Telefon"),
    InteractionKind.EMAIL: _l("E-post"),
    InteractionKind.ADVICE: _l("Rådgivning"),
    InteractionKind.COORDINATED_ADVICE: _l("Dukat bord"),
    InteractionKind.GUIDE_MEETING: _l("Lotsmöte"),
    InteractionKind.ESTABLISHMENT: _l("Etableringsmöte"),
})


class NoteStatus(Labelled):
    DRAFT = "utkast"
    FINAL = "fardigstalld"


NoteStatus.set_labels({NoteStatus.DRAFT: _l("Utkast"), NoteStatus.FINAL: _l("Färdigställd")})


interaction_contacts = Table(
    "interaction_contacts",
    db.metadata,
    Column("interaction_id", ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contact_persons.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_interaction_contacts_contact_id", "contact_id"),
)

interaction_participants = Table(
    "interaction_participants",
    db.metadata,
    Column("interaction_id", ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_interaction_participants_user_id", "user_id"),
)

interaction_topics = Table(
    "interaction_topics",
    db.metadata,
    Column("interaction_id", ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="RESTRICT"), primary_key=True),
)



class Interaction(Audited, db.Model):
    """One logged contact with a company. A finalised one is an allmän handling: never edited,
    only followed by a new version (`supersedes`) that keeps it visible."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_company_occurred", "company_id", "occurred_on"),
        Index("ix_interactions_created_by_id", "created_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[InteractionKind] = mapped_column(
        str_enum(InteractionKind)
    )
    occurred_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[NoteStatus] = mapped_column(
        str_enum(NoteStatus), default=NoteStatus.DRAFT
    )
    version: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("interactions.id", ondelete="RESTRICT"), unique=True
    )
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finalized_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    finalized_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    company: Mapped[Company] = relationship("Company")
    created_by: Mapped[Optional[User]] = relationship("User", foreign_keys=[created_by_id])
    finalized_by: Mapped[Optional[User]] = relationship("User", foreign_keys=[finalized_by_id])
    supersedes: Mapped[Optional[Interaction]] = relationship(
        remote_side=[id], back_populates="superseded_by", foreign_keys=[supersedes_id]
    )
    superseded_by: Mapped[Optional[Interaction]] = relationship(back_populates="supersedes", uselist=False)
    contacts: Mapped[list[ContactPerson]] = relationship("ContactPerson", secondary=interaction_contacts)
    participants: Mapped[list[User]] = relationship("User", secondary=interaction_participants)
    topics: Mapped[list[Topic]] = relationship("Topic", secondary=interaction_topics)

    @property
    def is_final(self) -> bool:
        return self.status == NoteStatus.FINAL


class FinalisedInteractionError(RuntimeError):
    """A write reached a finalised interaction; the services refuse before it gets this far."""


# Changing these on a finalised row is how a new version is linked to it, not an edit.
_LINKS_TO_OTHER_VERSIONS = frozenset({"superseded_by"})


def _was_final(target: Interaction) -> bool:
    history = inspect(target).attrs.status.load_history()
    stored = history.deleted or history.unchanged
    return bool(stored) and stored[0] == NoteStatus.FINAL


@event.listens_for(Interaction, "before_update")
def _refuse_editing_final(mapper, connection, target: Interaction) -> None:
    """A finalised note is an allmän handling: no column or link of it may change."""
    if not _was_final(target):
        return
    changed = [
        attr.key
        for attr in inspect(target).attrs
        if attr.key not in _LINKS_TO_OTHER_VERSIONS and attr.history.has_changes()
    ]
    if changed:
        raise FinalisedInteractionError(f"Interaction {target.id} is finalised; changed: {', '.join(changed)}")


@event.listens_for(Interaction, "before_delete")
def _refuse_deleting_final(mapper, connection, target: Interaction) -> None:
    if _was_final(target):
        raise FinalisedInteractionError(f"Interaction {target.id} is finalised and cannot be deleted")
