"""Companies, their contact persons, SNI codes and tags."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from crm.audit.mixins import Audited
from crm.companies.fields import looks_like_personnummer, mask_personnummer
from crm.dbtypes import Labelled, UTCDateTime, str_enum, swedish
from crm.extensions import db
from crm.text import fold, name_key
from crm.timeutil import utcnow

if TYPE_CHECKING:
    from crm.auth.models import User



class ObjectionScope(Labelled):
    """What a contact person's objection (GDPR art. 21) covers. Both stop every mailing."""

    MAILINGS = "utskick"  # mailings and invitations of every kind
    PROCESSING = "behandling"  # all processing: the unit weighs erasure or restriction as well


ObjectionScope.set_labels({
    ObjectionScope.MAILINGS: _l("Utskick och inbjudningar"),
    ObjectionScope.PROCESSING: _l("All behandling (pröva radering eller begränsning)"),
})


class CompanyStatus(Labelled):
    ACTIVE = "aktiv"
    DORMANT = "vilande"
    BANKRUPT = "konkurs"
    DEREGISTERED = "avregistrerad"


CompanyStatus.set_labels({
    CompanyStatus.ACTIVE: _l("Aktiv"),
    CompanyStatus.DORMANT: _l("Vilande"),
    CompanyStatus.BANKRUPT: _l("Konkurs"),
    CompanyStatus.DEREGISTERED: _l("Avregistrerad"),
})


class SniVersion(Labelled):
    SNI2007 = "SNI 2007"
    SNI2025 = "SNI 2025"


SniVersion.set_labels({version: version.value for version in SniVersion})  # a name, the same in every language


# SCB's size classes by number of employees (storleksklass), keyed by our stored code. SCB's own files
# number the same classes one higher (0 "uppgift saknas", 1 "0 anställda" ... 16 "10 000– anställda"):
# see crm.companies.fields.size_class_from_scb. Lists, pages and exports show the label.
SIZE_CLASSES = {
    "0": "0 anställda",
    "1": "1–4 anställda",
    "2": "5–9 anställda",
    "3": "10–19 anställda",
    "4": "20–49 anställda",
    "5": "50–99 anställda",
    "6": "100–199 anställda",
    "7": "200–499 anställda",
    "8": "500–999 anställda",
    "9": "1000–1499 anställda",
    "10": "1500–1999 anställda",
    "11": "2000–2999 anställda",
    "12": "3000–3999 anställda",
    "13": "4000–4999 anställda",
    "14": "5000–9999 anställda",
    "15": "10000 anställda och fler",
}


company_tags = Table(
    "company_tags",
    db.metadata,
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_company_tags_tag_id", "tag_id"),
)


class Tag(Audited, db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)

    companies: Mapped[list[Company]] = relationship(secondary=company_tags, back_populates="tags")


class Company(Audited, db.Model):
    __tablename__ = "companies"
    __audit_exclude__ = frozenset({"name_key", "updated_at"})
    __table_args__ = (
        Index("ix_companies_name", "name"),
        Index("ix_companies_name_key", "name_key"),
        Index("ix_companies_status", "status"),
        Index("ix_companies_owner_id", "owner_id"),
        Index("ix_companies_district", "district"),
        Index("ix_companies_created_at", "created_at"),
        Index("ix_companies_status_size_class", "status", "size_class"),
        Index("ix_companies_status_district", "status", "district"),
        Index("ix_companies_status_women_led", "status", "women_led"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalised NNNNNN-NNNN; a sole trader's is a personnummer (personal data).
    org_number: Mapped[Optional[str]] = mapped_column(String(11), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Folded name without legal-form words: for accent-tolerant search and import matching.
    name_key: Mapped[str] = mapped_column(String(200), default="")
    legal_form: Mapped[Optional[str]] = mapped_column(String(60))
    size_class: Mapped[Optional[str]] = mapped_column(String(3))
    employees: Mapped[Optional[int]]
    employees_date: Mapped[Optional[date]]
    visiting_address: Mapped[Optional[str]] = mapped_column(String(200))
    visiting_postcode: Mapped[Optional[str]] = mapped_column(String(6))
    visiting_city: Mapped[Optional[str]] = mapped_column(String(100))
    postal_address: Mapped[Optional[str]] = mapped_column(String(200))
    postal_postcode: Mapped[Optional[str]] = mapped_column(String(6))
    postal_city: Mapped[Optional[str]] = mapped_column(String(100))
    district: Mapped[Optional[str]] = mapped_column(String(100))
    website: Mapped[Optional[str]] = mapped_column(String(300))
    switchboard: Mapped[Optional[str]] = mapped_column(String(40))
    # The company's own (generic) address, e.g. the switchboard address SCB's register gives.
    email: Mapped[Optional[str]] = mapped_column(String(254))
    # Reklamspärr: the company has asked not to get direct advertising; mailings leave its generic address out.
    ad_block: Mapped[bool] = mapped_column(default=False, server_default=false())
    # SCB's CFAR number of the workplace (arbetsställe), eight digits.
    cfar_number: Mapped[Optional[str]] = mapped_column(String(8))
    # The kommun as the register gives it (code or name).
    municipality: Mapped[Optional[str]] = mapped_column(String(100))
    women_led: Mapped[Optional[bool]]
    women_owned: Mapped[Optional[bool]]
    women_reported_on: Mapped[Optional[date]]
    status: Mapped[CompanyStatus] = mapped_column(
        str_enum(CompanyStatus),
        default=CompanyStatus.ACTIVE,
    )
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The import that created the record (where its data came from), if one did. No foreign key: import
    # jobs are kept (gallring removes their files), and a key would make SQLite recreate this table.
    import_job_id: Mapped[Optional[int]]
    # Marked "bevaras" by a person: the gallring plan never touches it.
    preserved: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    owner: Mapped[Optional[User]] = relationship("User")
    sni_codes: Mapped[list[CompanySni]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="CompanySni.position"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=company_tags, back_populates="companies",
                                             order_by=swedish(Tag.name))
    contact_links: Mapped[list[CompanyContact]] = relationship(back_populates="company", cascade="all, delete-orphan")

    @validates("name")
    def _set_name_key(self, key: str, value: str) -> str:
        self.name_key = name_key(value)
        return value

    @property
    def is_sole_trader(self) -> bool:
        """A personnummer has a month (01-12) where an organisation number has 20 or more."""
        return looks_like_personnummer(self.org_number)

    @property
    def org_number_masked(self) -> str:
        """For lists and exports: a sole trader's personnummer shows only its birth date."""
        return mask_personnummer(self.org_number)


def _division_of_inserted_code(context) -> str:
    return (context.get_current_parameters().get("code") or "")[:2]


class CompanySni(db.Model):
    """One SNI code of a company; codes are strings (leading zeros matter)."""

    __tablename__ = "company_sni"
    __table_args__ = (
        UniqueConstraint("company_id", "version", "code", name="uq_company_sni_company_version_code"),
        Index("ix_company_sni_code", "code"),
        Index("ix_company_sni_division_company_id", "division", "company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(6))
    # The code's first two digits, kept beside it so a section filter is an indexed IN on divisions.
    # The default fills it for Core bulk inserts (import, benchmark data) too.
    division: Mapped[str] = mapped_column(String(2), default=_division_of_inserted_code, server_default="")
    version: Mapped[SniVersion] = mapped_column(
        str_enum(SniVersion, 10), default=SniVersion.SNI2007
    )
    position: Mapped[int] = mapped_column(default=0)

    company: Mapped[Company] = relationship(back_populates="sni_codes")

    @validates("code")
    def _set_division(self, key: str, value: str) -> str:
        self.division = value[:2]
        return value


class ContactPerson(Audited, db.Model):
    """A person at one or more companies. Never holds a personnummer."""

    __tablename__ = "contact_persons"
    __audit_exclude__ = frozenset({"name_key", "updated_at"})
    __table_args__ = (
        Index("ix_contact_persons_email", "email"),
        Index("ix_contact_persons_name", "name"),
        Index("ix_contact_persons_name_key", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[Optional[str]] = mapped_column(String(254))
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    opt_out_networks: Mapped[bool] = mapped_column(default=False)
    opt_out_breakfasts: Mapped[bool] = mapped_column(default=False)
    opt_out_procurement: Mapped[bool] = mapped_column(default=False)
    # An objection (GDPR art. 21) stops every mailing, whatever the opt-outs say.
    objection: Mapped[bool] = mapped_column(default=False)
    objection_on: Mapped[Optional[date]]
    objection_scope: Mapped[Optional[ObjectionScope]] = mapped_column(str_enum(ObjectionScope, 20))
    objection_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The import that created the record (where its data came from), if one did. No foreign key: import
    # jobs are kept (gallring removes their files), and a key would make SQLite recreate this table.
    import_job_id: Mapped[Optional[int]]
    # Marked "bevaras" by a person: the gallring plan never touches it.
    preserved: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Erased at the person's request (GDPR art. 17): name replaced, addresses removed, statistics kept.
    erased_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    company_links: Mapped[list[CompanyContact]] = relationship(back_populates="contact", cascade="all, delete-orphan")

    @validates("name")
    def _set_name_key(self, key: str, value: str) -> str:
        self.name_key = fold(value)
        return value

    @validates("email")
    def _lower_email(self, key: str, value: str | None) -> str | None:
        return value.strip().lower() if value else None

    def may_receive(self, kind: str) -> bool:
        """Whether this person may get a mailing of `kind` (networks, breakfasts, procurement)."""
        if self.objection or not self.email:
            return False
        return not getattr(self, f"opt_out_{kind}")


class CompanyContact(Audited, db.Model):
    """A contact person's role at a company, with dates."""

    __tablename__ = "company_contacts"
    __table_args__ = (Index("ix_company_contacts_contact_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact_persons.id", ondelete="CASCADE"))
    role: Mapped[Optional[str]] = mapped_column(String(100))
    start_date: Mapped[Optional[date]]
    end_date: Mapped[Optional[date]]

    company: Mapped[Company] = relationship(back_populates="contact_links")
    contact: Mapped[ContactPerson] = relationship(back_populates="company_links")


class Topic(Audited, db.Model):
    """A topic from the admin-editable list used by meetings, visits and follow-ups."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


DEFAULT_TOPICS = [
    "Kompetensförsörjning",
    "Lokaler/mark",
    "Expansion",
    "Infrastruktur",
    "Myndighetskontakter",
    "Upphandling",
    "Finansiering",
    "Bostäder",
    "Trygghet",
    "Övrigt",
]
