"""Single sign-on: who a user is at the identity provider, which IdP groups give which role, stored settings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.mixins import Audited
from crm.auth.models import Role
from crm.dbtypes import UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow

if TYPE_CHECKING:
    from crm.auth.models import User


class SsoIdentity(db.Model):
    """A user's identity at an IdP: (issuer, subject). For Entra ID the issuer is `entra:<tid>` and the subject
    the object id (oid), which stay the same for the person whatever the app or token version."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_sso_identities_issuer_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    protocol: Mapped[str] = mapped_column(String(10))  # oidc or saml
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship("User")


class RoleMapping(Audited, db.Model):
    """An IdP group or app role, named by its immutable value (Entra group object id, app role value,
    SAML memberOf value), and the role it gives. The note is for people; it is never matched."""

    __tablename__ = "sso_role_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_value: Mapped[str] = mapped_column(String(500), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SsoSettings(Audited, db.Model):
    """The settings an admin saved on the SSO page (one row). Secrets are Fernet tokens (crm.sso.secrets)."""

    __tablename__ = "sso_settings"
    __audit_exclude__ = frozenset({"oidc_client_secret_encrypted", "saml_sp_private_key_encrypted"})

    id: Mapped[int] = mapped_column(primary_key=True)
    oidc_issuer: Mapped[str] = mapped_column(String(500), default="")
    oidc_client_id: Mapped[str] = mapped_column(String(200), default="")
    oidc_client_secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    oidc_tenant_id: Mapped[str] = mapped_column(String(100), default="")
    saml_idp_entity_id: Mapped[str] = mapped_column(String(500), default="")
    saml_idp_sso_url: Mapped[str] = mapped_column(String(500), default="")
    saml_idp_certificate: Mapped[str] = mapped_column(Text, default="")
    saml_sp_certificate: Mapped[str] = mapped_column(Text, default="")
    saml_sp_private_key_encrypted: Mapped[str] = mapped_column(Text, default="")
    saml_groups_attribute: Mapped[str] = mapped_column(String(200), default="")
    break_glass_email: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
