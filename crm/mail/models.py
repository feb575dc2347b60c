"""The outbox: every message the CRM sends is a row here first, queued with the change that causes it."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.dbtypes import Labelled, UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow


class OutboxStatus(Labelled):
    PENDING = "pending"  # waiting to be sent (or to be retried at next_attempt_at)
    CLAIMED = "claimed"  # taken by a delivery run (claimed_by), not yet handed to the server
    SENDING = "sending"  # being handed to the server; after a crash, in doubt until lease_until
    SENT = "sent"
    PARTIAL = "partial"  # the server took it for some recipients and refused others
    FAILED = "failed"  # refused permanently (5xx)
    DEAD = "dead"  # temporary failures until the attempts ran out


OutboxStatus.set_labels({
    OutboxStatus.PENDING: _l("Väntar"),
    OutboxStatus.CLAIMED: _l("Står på tur"),
    OutboxStatus.SENDING: _l("Skickas"),
    OutboxStatus.SENT: _l("Skickat"),
    OutboxStatus.PARTIAL: _l("Delvis skickat"),
    OutboxStatus.FAILED: _l("Nekat"),
    OutboxStatus.DEAD: _l("Gav upp"),
})


class OutboxMessage(db.Model):
    """One message, rendered once at queuing (headers, Message-ID and all) and sent as exactly these bytes."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the message is about, once: "digest:<user>:<date>", "invite:<invitation>:<sequence>"...
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, 10),
        default=OutboxStatus.PENDING,
    )
    recipients: Mapped[str] = mapped_column(Text)  # envelope recipients, comma-separated
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(255))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # The delivering worker (crm.worker) that claimed it; results are written only while it still is.
    claimed_by: Mapped[Optional[str]] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    refused: Mapped[Optional[str]] = mapped_column(Text)  # recipients the server refused, with its answer

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.dedupe_key} {self.status}>"

    @property
    def recipient_list(self) -> list[str]:
        return [address for address in self.recipients.split(",") if address]
