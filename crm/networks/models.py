"""Networks (nätverk, näringslivsråd, branschråd, frukostmöten) and their members over time."""

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
    from crm.companies.models import Company, ContactPerson


class NetworkKind(Labelled):
    NETWORK = "natverk"
    BUSINESS_COUNCIL = "naringslivsrad"
    SECTOR_COUNCIL = "branschrad"
    BREAKFAST = "frukostmote"


NetworkKind.set_labels({
    NetworkKind.NETWORK: _l("Nätverk"),
    NetworkKind.BUSINESS_COUNCIL: _l("Näringslivsråd"),
    NetworkKind.SECTOR_COUNCIL: _l("Branschråd"),
    NetworkKind.BREAKFAST: _l("Frukostmöte"),
})


class Network(Audited, db.Model):
    __tablename__ = "networks"
    __audit_exclude__ = frozenset({"updated_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[NetworkKind] = mapped_column(str_enum(NetworkKind))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    owner: Mapped[Optional[User]] = relationship()
    memberships: Mapped[list[NetworkMembership]] = relationship(
        back_populates="network", cascade="all, delete-orphan", order_by="NetworkMembership.starts_on"
    )

    def __repr__(self) -> str:
        return f"<Network {self.id} {self.name}>"


class NetworkMembership(Audited, db.Model):
    """A contact person's membership; ending it sets `ends_on`, so the history stays."""

    __tablename__ = "network_memberships"
    __table_args__ = (
        Index("ix_network_memberships_network_contact", "network_id", "contact_id"),
        Index("ix_network_memberships_contact_id", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact_persons.id", ondelete="CASCADE"))
    company_id: Mapped[Optional[int]] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    role: Mapped[str] = mapped_column(String(60), default="medlem")
    starts_on: Mapped[date]
    ends_on: Mapped[Optional[date]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    network: Mapped[Network] = relationship(back_populates="memberships")
    contact: Mapped[ContactPerson] = relationship()
    company: Mapped[Optional[Company]] = relationship()

    def is_current(self, on: date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)
