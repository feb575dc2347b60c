"""Requests from the people the CRM holds data about (registerutdrag, GDPR art. 15) and the texts an
admin edits for them: purposes, legal basis, recipients, rights."""

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


class IdentityCheck(Labelled):
    """How the unit made sure the person asking is the person the data is about."""

    E_ID = "e-legitimation"
    ID_DOCUMENT = "id-handling"
    KNOWN_ADDRESS = "kand-adress"
    OTHER = "annat"


IdentityCheck.set_labels({
    IdentityCheck.E_ID: _l("E-legitimation (BankID, Freja eID)"),
    IdentityCheck.ID_DOCUMENT: _l("Id-handling vid besök"),
    IdentityCheck.KNOWN_ADDRESS: _l("Svar till adress vi redan har"),
    IdentityCheck.OTHER: _l("Annat sätt (beskriv)"),
})


class DeliveryWay(Labelled):
    SECURE_MAIL = "sakert-mejl"
    DIGITAL_MAILBOX = "digital-brevlada"
    LETTER = "brev"
    IN_PERSON = "pa-plats"


DeliveryWay.set_labels({
    DeliveryWay.SECURE_MAIL: _l("Krypterad e-post"),
    DeliveryWay.DIGITAL_MAILBOX: _l("Digital brevlåda"),
    DeliveryWay.LETTER: _l("Brev till folkbokföringsadressen"),
    DeliveryWay.IN_PERSON: _l("Hämtat på plats"),
})


class AccessRequest(Audited, db.Model):
    """One request for a registerutdrag: received, identity checked how, delivered. Due a month after receipt."""

    __tablename__ = "access_requests"
    __table_args__ = (Index("ix_access_requests_open", "delivered_on", "received_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[Optional[int]] = mapped_column(ForeignKey("contact_persons.id", ondelete="SET NULL"),
                                                      index=True)
    company_id: Mapped[Optional[int]] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    received_on: Mapped[date]
    identity_check: Mapped[IdentityCheck] = mapped_column(str_enum(IdentityCheck, 20))
    identity_note: Mapped[str] = mapped_column(String(300), default="")
    delivered_on: Mapped[Optional[date]]
    delivered_how: Mapped[Optional[DeliveryWay]] = mapped_column(str_enum(DeliveryWay, 20))
    note: Mapped[str] = mapped_column(Text, default="")
    handled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contact: Mapped[Optional[ContactPerson]] = relationship("ContactPerson")
    company: Mapped[Optional[Company]] = relationship("Company")
    handled_by: Mapped[Optional[User]] = relationship("User")


class PrivacyText(Audited, db.Model):
    """A text of the registerutdrag and the record of processing that an admin has changed from its default."""

    __tablename__ = "privacy_texts"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def id(self) -> str:
        """The audit trail names a record by its id: a text's is its key."""
        return self.key
