"""What arrived in the organizer mailbox from calendar programs: each message once (keyed on Message-ID),
what it was matched to and what it did, with the raw message for the audit trail; and the other addresses
a contact person answers from, learned when an organizer matches a message by hand."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.dbtypes import Labelled, UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import ContactPerson
    from crm.events.models import Event, Invitation


class InboxStatus(Labelled):
    APPLIED = "tillampat"  # the answer was recorded on the invitation
    STALE = "gammal_sekvens"  # answers an older version of the invitation (SEQUENCE below the event's)
    SUPERSEDED = "aldre_svar"  # a later reply (DTSTAMP) from the same invitee was already applied
    CLOSED = "stangt"  # the invitation can no longer be answered (cancelled, past the deadline, uninvited)
    UNREADABLE = "olasbart"  # a calendar part we cannot use (no UID, an unknown answer)
    UNMATCHED = "omatchat"  # waits for an organizer
    COUNTER = "motforslag"  # a proposal of another time, shown on the event, never applied
    DISMISSED = "avfardat"  # an organizer set it aside


InboxStatus.set_labels({
    InboxStatus.APPLIED: _l("svaret registrerat"),
    InboxStatus.STALE: _l("svar på en äldre version, ignorerat"),
    InboxStatus.SUPERSEDED: _l("ett senare svar gäller, ignorerat"),
    InboxStatus.CLOSED: _l("svaren är stängda, ignorerat"),
    InboxStatus.UNREADABLE: _l("kunde inte läsas"),
    InboxStatus.UNMATCHED: _l("väntar på handläggning"),
    InboxStatus.COUNTER: _l("förslag på ny tid"),
    InboxStatus.DISMISSED: _l("avfärdat"),
})


class InboxMessage(db.Model):
    __tablename__ = "inbox_messages"
    __table_args__ = (
        Index("ix_inbox_messages_status", "status"),
        Index("ix_inbox_messages_invitation_id", "invitation_id"),
        Index("ix_inbox_messages_event_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The message's Message-ID (or "sha256:<hash of the raw bytes>" when it has none): a second delivery is a no-op.
    message_id: Mapped[str] = mapped_column(String(500), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sender: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    method: Mapped[str] = mapped_column(String(20), default="")  # REPLY, COUNTER ...
    uid: Mapped[Optional[str]] = mapped_column(String(255))
    sequence: Mapped[Optional[int]] = mapped_column(Integer)
    dtstamp: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    attendee: Mapped[Optional[str]] = mapped_column(String(254))
    partstat: Mapped[Optional[str]] = mapped_column(String(30))
    status: Mapped[InboxStatus] = mapped_column(str_enum(InboxStatus, 20))
    matched_by: Mapped[str] = mapped_column(String(30), default="")  # attendee, from, alias, hand
    note: Mapped[str] = mapped_column(Text, default="")
    event_id: Mapped[Optional[int]] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    invitation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    proposed_starts_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())  # a COUNTER's new time
    proposed_ends_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    comment: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    handled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    event: Mapped[Optional[Event]] = relationship()
    invitation: Mapped[Optional[Invitation]] = relationship()
    handled_by: Mapped[Optional[User]] = relationship()


class KnownAddress(db.Model):
    """Another address a contact person answers from (a Gmail alias, a forwarding mailbox)."""

    __tablename__ = "contact_known_addresses"
    __table_args__ = (
        UniqueConstraint("contact_id", "email", name="uq_contact_known_addresses_contact_id_email"),
        Index("ix_contact_known_addresses_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact_persons.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))  # case-folded
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contact: Mapped[ContactPerson] = relationship()
