"""Calendar subscription tokens: 256 random bits, stored only as a SHA-256 hash, revocable and rotatable."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.dbtypes import Labelled, UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow


class FeedKind(Labelled):
    MINE = "mine"  # a user's own calendar: visits they take part in, events they organize or attend
    TEAM = "team"  # the unit's calendar
    NETWORK = "network"  # one network's events


FeedKind.set_labels({
    FeedKind.MINE: _l("Min kalender"),
    FeedKind.TEAM: _l("Enhetens kalender"),
    FeedKind.NETWORK: _l("Nätverkets kalender"),
})


class FeedToken(db.Model):
    __tablename__ = "feed_tokens"
    __table_args__ = (Index("ix_feed_tokens_owner", "kind", "user_id", "network_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FeedKind] = mapped_column(
        str_enum(FeedKind, 10)
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    network_id: Mapped[Optional[int]] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
