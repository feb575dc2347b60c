"""The SSO admin page's rules: saving the settings (secrets encrypted), the group-to-role table, unused accounts."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from crm.auth.models import Role, User
from crm.dbtypes import swedish
from crm.extensions import db
from crm.sso import secrets, settings
from crm.sso.models import RoleMapping, SsoSettings

UNUSED_AFTER = timedelta(days=365)


class RuleRefused(Exception):
    """A rule the form cannot check alone; `field` names the field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


TEXT_FIELDS = ("oidc_issuer", "oidc_client_id", "oidc_tenant_id", "saml_idp_entity_id", "saml_idp_sso_url",
               "saml_idp_certificate", "saml_sp_certificate", "saml_groups_attribute", "break_glass_email")


def stored_or_new() -> SsoSettings:
    row = settings.stored()
    if row is None:
        row = SsoSettings()
        db.session.add(row)
    return row


def save_settings(values: dict[str, str], client_secret: str, sp_private_key: str) -> SsoSettings:
    """Store the settings; a blank secret keeps the stored one. The break-glass address must be an admin's."""
    email = (values.get("break_glass_email") or "").strip().lower()
    if email:
        user = db.session.execute(User.by_email(email)).scalar_one_or_none()
        if user is None or user.role != Role.ADMIN or not user.active:
            raise RuleRefused("break_glass_email", _("Det finns inget aktivt administratörskonto med den adressen."))
    row = stored_or_new()
    for name in TEXT_FIELDS:
        setattr(row, name, (values.get(name) or "").strip())
    row.break_glass_email = email
    if client_secret:
        row.oidc_client_secret_encrypted = secrets.encrypt(client_secret)
    if sp_private_key:
        row.saml_sp_private_key_encrypted = secrets.encrypt(sp_private_key.strip())
    db.session.flush()
    settings.forget()
    return row


def mappings() -> list[RoleMapping]:
    return list(db.session.execute(select(RoleMapping).order_by(RoleMapping.role, RoleMapping.group_value)).scalars())


def add_mapping(group_value: str, role: Role, note: str) -> RoleMapping:
    exists = db.session.execute(select(RoleMapping.id).where(RoleMapping.group_value == group_value)).first()
    if exists:
        message = _("Den gruppen finns redan i tabellen. Ta bort raden först för att byta roll.")
        raise RuleRefused("group_value", message)
    mapping = RoleMapping(group_value=group_value, role=role, note=note or "")
    db.session.add(mapping)
    db.session.flush()
    return mapping


def delete_mapping(mapping_id: int) -> RoleMapping | None:
    mapping = db.session.get(RoleMapping, mapping_id)
    if mapping is not None:
        db.session.delete(mapping)
        db.session.flush()
    return mapping


def unused_accounts(now: datetime) -> list[User]:
    """Active accounts that have not logged in for a year (or never, and were made over a year ago)."""
    cutoff = now - UNUSED_AFTER
    return list(db.session.execute(
        select(User).where(
            User.active.is_(True),
            or_(User.last_login_at < cutoff, and_(User.last_login_at.is_(None), User.created_at < cutoff)),
        ).order_by(swedish(User.name), User.id)
    ).scalars())
