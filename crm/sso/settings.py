"""The effective single sign-on settings: the environment (CRM_OIDC_*, CRM_SAML_*) or what an admin saved.

For each protocol the environment wins when it names the IdP (CRM_OIDC_ISSUER, CRM_SAML_IDP_ENTITY_ID);
otherwise the settings saved on the admin page apply. `load_environment` copies the variables into
app.config when the blueprint is registered, so tests set app.config instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, g
from sqlalchemy import select

from crm.extensions import db
from crm.sso import secrets
from crm.sso.models import SsoSettings

# app.config key -> environment variable
ENVIRONMENT = {
    "OIDC_ISSUER": "CRM_OIDC_ISSUER",
    "OIDC_CLIENT_ID": "CRM_OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET": "CRM_OIDC_CLIENT_SECRET",
    "OIDC_TENANT_ID": "CRM_OIDC_TENANT_ID",
    "OIDC_METADATA_URL": "CRM_OIDC_METADATA_URL",
    "OIDC_SCOPES": "CRM_OIDC_SCOPES",
    "SAML_IDP_ENTITY_ID": "CRM_SAML_IDP_ENTITY_ID",
    "SAML_IDP_SSO_URL": "CRM_SAML_IDP_SSO_URL",
    "SAML_IDP_CERT": "CRM_SAML_IDP_CERT",
    "SAML_SP_CERT": "CRM_SAML_SP_CERT",
    "SAML_SP_KEY": "CRM_SAML_SP_KEY",
    "SAML_GROUPS_ATTRIBUTE": "CRM_SAML_GROUPS_ATTRIBUTE",
    "BREAK_GLASS_EMAIL": "CRM_BREAK_GLASS_EMAIL",
    "ENCRYPTION_KEY": "CRM_ENCRYPTION_KEY",
    "SSO_HTTP_TIMEOUT": "CRM_SSO_HTTP_TIMEOUT",
}
DEFAULT_SCOPES = "openid profile email"
DEFAULT_GROUPS_ATTRIBUTE = "memberOf"


def load_environment(state) -> None:
    """Blueprint hook: copy CRM_OIDC_*/CRM_SAML_* into app.config (a PEM may be given as a file path)."""
    config = state.app.config
    for key, variable in ENVIRONMENT.items():
        value = os.environ.get(variable, "").strip()
        if key in ("SAML_IDP_CERT", "SAML_SP_CERT", "SAML_SP_KEY") and value and not value.startswith("-----"):
            value = Path(value).read_text()
        config.setdefault(key, value or None)


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    tenant_id: str  # Entra ID: the tid every token must carry; empty for other IdPs
    metadata_url: str
    scopes: str


@dataclass(frozen=True)
class SamlSettings:
    idp_entity_id: str
    idp_sso_url: str
    idp_certificate: str
    sp_certificate: str
    sp_private_key: str
    groups_attribute: str


def stored() -> SsoSettings | None:
    if "sso_stored" not in g:
        g.sso_stored = db.session.execute(select(SsoSettings).order_by(SsoSettings.id).limit(1)).scalar_one_or_none()
    return g.sso_stored


def forget() -> None:
    """After the stored settings changed in this request."""
    g.pop("sso_stored", None)


def oidc() -> OidcSettings | None:
    config = current_app.config
    if config.get("OIDC_ISSUER"):
        issuer, client_id = config["OIDC_ISSUER"], config.get("OIDC_CLIENT_ID") or ""
        secret, tenant = config.get("OIDC_CLIENT_SECRET") or "", config.get("OIDC_TENANT_ID") or ""
        metadata_url = config.get("OIDC_METADATA_URL") or ""
    else:
        row = stored()
        if row is None or not row.oidc_issuer:
            return None
        issuer, client_id, tenant, metadata_url = row.oidc_issuer, row.oidc_client_id, row.oidc_tenant_id, ""
        secret = secrets.decrypt(row.oidc_client_secret_encrypted)
    if not client_id:
        return None
    issuer = issuer.strip()
    return OidcSettings(
        issuer=issuer,
        client_id=client_id.strip(),
        client_secret=secret,
        tenant_id=tenant.strip(),
        metadata_url=metadata_url or issuer.rstrip("/") + "/.well-known/openid-configuration",
        scopes=config.get("OIDC_SCOPES") or DEFAULT_SCOPES,
    )


def saml() -> SamlSettings | None:
    config = current_app.config
    if config.get("SAML_IDP_ENTITY_ID"):
        values = SamlSettings(
            idp_entity_id=config["SAML_IDP_ENTITY_ID"],
            idp_sso_url=config.get("SAML_IDP_SSO_URL") or "",
            idp_certificate=config.get("SAML_IDP_CERT") or "",
            sp_certificate=config.get("SAML_SP_CERT") or "",
            sp_private_key=config.get("SAML_SP_KEY") or "",
            groups_attribute=config.get("SAML_GROUPS_ATTRIBUTE") or DEFAULT_GROUPS_ATTRIBUTE,
        )
    else:
        row = stored()
        if row is None or not row.saml_idp_entity_id:
            return None
        values = SamlSettings(
            idp_entity_id=row.saml_idp_entity_id,
            idp_sso_url=row.saml_idp_sso_url,
            idp_certificate=row.saml_idp_certificate,
            sp_certificate=row.saml_sp_certificate,
            sp_private_key=secrets.decrypt(row.saml_sp_private_key_encrypted),
            groups_attribute=row.saml_groups_attribute or DEFAULT_GROUPS_ATTRIBUTE,
        )
    if not (values.idp_sso_url and values.idp_certificate):
        return None
    return values


def break_glass_email() -> str:
    """The one local admin account that keeps password login (at /logga-in/lokal)."""
    configured = current_app.config.get("BREAK_GLASS_EMAIL")
    if not configured:
        row = stored()
        configured = row.break_glass_email if row is not None else ""
    return (configured or "").strip().lower()


def sso_configured() -> bool:
    return oidc() is not None or saml() is not None


def http_timeout() -> float:
    return float(current_app.config.get("SSO_HTTP_TIMEOUT") or 10)
