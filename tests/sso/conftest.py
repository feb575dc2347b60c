"""Fixtures for single sign-on: nanoidp (OIDC) and SimpleSAMLphp (SAML) as real IdPs on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crm.auth.models import Role
from crm.extensions import db
from crm.sso.models import RoleMapping
from tests.sso.nanoidp_server import CLIENT_ID, CLIENT_SECRET, GROUPS, NanoIdp

APP_URL = "http://127.0.0.1:5999"  # BASE_URL for the test client (the callback URL the IdP sends back to)


def running_nanoidp(tmp_path_factory) -> Iterator[NanoIdp]:
    idp = NanoIdp(tmp_path_factory.mktemp("nanoidp")).start()
    try:
        yield idp
    finally:
        idp.stop()


def running_simplesaml(tmp_path_factory):
    from tests.sso.simplesaml_server import SimpleSamlIdp

    idp = SimpleSamlIdp(tmp_path_factory.mktemp("simplesamlphp")).start()
    try:
        yield idp
    finally:
        idp.stop()


@pytest.fixture(scope="session")
def nanoidp(tmp_path_factory) -> Iterator[NanoIdp]:
    yield from running_nanoidp(tmp_path_factory)


def use_oidc(app, idp: NanoIdp, **overrides) -> None:
    """Point the app at this IdP, as CRM_OIDC_* would; distinct cookie names so the two apps never share one."""
    app.config.update(
        OIDC_ISSUER=idp.issuer, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_METADATA_URL=f"{idp.url}/.well-known/openid-configuration", SESSION_COOKIE_NAME="crm_session",
    )
    app.config.update(overrides)


def map_groups(**roles: str) -> None:
    """RoleMapping rows: map_groups(staff="staff") maps the IdP's staff group to Role.STAFF."""
    for group, role in roles.items():
        db.session.add(RoleMapping(group_value=GROUPS[group], role=Role(role), note=f"Grupp {group}"))
    db.session.commit()


@pytest.fixture
def mapped_groups(app):
    map_groups(admin="admin", staff="staff", politician="politician")


@pytest.fixture(scope="session")
def simplesaml(tmp_path_factory):
    yield from running_simplesaml(tmp_path_factory)


@pytest.fixture(scope="session")
def sp_keys():
    return make_sp_keys()


def make_sp_keys() -> tuple[str, str]:
    from tests.sso.simplesaml_server import self_signed

    return self_signed("crm test SP")


def use_saml(app, idp, sp_keys, app_url: str, **overrides) -> None:
    """Point the app at SimpleSAMLphp, as CRM_SAML_* would, and make the IdP trust the app at app_url."""
    certificate, key = sp_keys
    idp.trust(app_url)
    app.config.update(
        SAML_IDP_ENTITY_ID=idp.entity_id, SAML_IDP_SSO_URL=idp.sso_url, SAML_IDP_CERT=idp.certificate,
        SAML_SP_CERT=certificate, SAML_SP_KEY=key, BASE_URL=app_url, SESSION_COOKIE_NAME="crm_session",
    )
    app.config.update(overrides)
