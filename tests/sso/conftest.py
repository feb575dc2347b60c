"""Fixtures for single sign-on: nanoidp (OIDC) and SimpleSAMLphp (SAML) as real IdPs on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crm.auth.models import Role
from crm.extensions import db
from crm.sso.models import RoleMapping
from tests.sso.nanoidp_server import CLIENT_ID, CLIENT_SECRET, GROUPS, NanoIdp

APP_URL = "http://127.0.0.1:5999"  # BASE_URL for the test client (the callback URL the IdP sends back to)


@pytest.fixture(scope="session")
def nanoidp(tmp_path_factory) -> Iterator[NanoIdp]:
    idp = NanoIdp(tmp_path_factory.mktemp("nanoidp")).start()
    try:
        yield idp
    finally:
        idp.stop()


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
