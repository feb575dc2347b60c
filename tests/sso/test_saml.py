"""SAML 2.0 against SimpleSAMLphp, a real IdP: signed assertions, the user and role from memberOf, SP metadata,
and the refusals (no mapped group, a response changed on the way, another IdP, an assertion too old)."""

from __future__ import annotations

import base64
import calendar
import time

import pytest
from lxml import etree
from sqlalchemy import func, select

from crm.auth.models import Role, User
from crm.extensions import db
from crm.sso.models import SsoIdentity
from tests.sso.conftest import APP_URL, use_saml
from tests.sso.simplesaml_server import log_in_at_idp, self_signed


@pytest.fixture
def saml_app(app, simplesaml, sp_keys):
    use_saml(app, simplesaml, sp_keys, APP_URL)
    return app


def idp_answer(client, username: str, next_url: str | None = None) -> dict[str, str]:
    start = client.get("/sso/saml/logga-in" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    action, fields = log_in_at_idp(start.headers["Location"], username)
    assert action == APP_URL + "/sso/saml/acs"
    return fields


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_metadata_names_the_acs_and_wants_signed_assertions(saml_app, client):
    response = client.get("/sso/saml/metadata")

    assert response.status_code == 200 and response.mimetype == "application/samlmetadata+xml"
    root = etree.fromstring(response.data)
    md = {"md": "urn:oasis:names:tc:SAML:2.0:metadata"}
    assert root.get("entityID") == APP_URL + "/sso/saml/metadata"
    descriptor = root.find("md:SPSSODescriptor", md)
    assert descriptor.get("WantAssertionsSigned") == "true" and descriptor.get("AuthnRequestsSigned") == "true"
    acs = descriptor.find("md:AssertionConsumerService", md)
    assert acs.get("Location") == APP_URL + "/sso/saml/acs"


def test_first_login_creates_the_user_from_the_assertion(saml_app, client, mapped_groups):
    response = client.post("/sso/saml/acs", data=idp_answer(client, "pelle.politiker", next_url="/besok"))

    assert response.status_code == 302 and response.headers["Location"] == "/besok"
    user = db.session.execute(select(User)).scalar_one()
    assert (user.email, user.name, user.role) == ("pelle.politiker@kommun.example", "Pelle Politiker",
                                                   Role.POLITICIAN)
    identity = db.session.execute(select(SsoIdentity)).scalar_one()
    assert (identity.protocol, identity.issuer, identity.subject) == ("saml", saml_app.config["SAML_IDP_ENTITY_ID"],
                                                                      "pelle.politiker")
    assert client.get("/").status_code == 200


def test_a_user_without_a_mapped_group_is_refused(saml_app, client, mapped_groups):
    response = client.post("/sso/saml/acs", data=idp_answer(client, "gustav.gast"))

    assert response.status_code == 403 and "Inget konto har skapats" in response.get_data(as_text=True)
    assert count(User) == 0


def test_a_response_changed_on_the_way_is_refused(saml_app, client, mapped_groups, caplog):
    fields = idp_answer(client, "pelle.politiker")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert "pelle.politiker@kommun.example" in xml
    fields["SAMLResponse"] = base64.b64encode(xml.replace("pelle.politiker@kommun.example",
                                                          "ulla.admin@kommun.example").encode()).decode()

    response = client.post("/sso/saml/acs", data=fields)

    assert response.status_code == 400 and count(User) == 0
    assert "SAML login refused" in caplog.text


def test_an_answer_for_another_request_is_refused(saml_app, client, mapped_groups, caplog):
    first = idp_answer(client, "pelle.politiker")
    second = idp_answer(client, "pelle.politiker")
    first["RelayState"] = second["RelayState"]  # InResponseTo of the first, the request id of the second

    assert client.post("/sso/saml/acs", data=first).status_code == 400
    assert count(User) == 0 and "inresponseto" in caplog.text.lower()


def test_an_answer_is_used_once_and_only_in_the_browser_that_asked(saml_app, app, client, mapped_groups, caplog):
    fields = idp_answer(client, "pelle.politiker")
    stranger = app.test_client()

    assert stranger.post("/sso/saml/acs", data=fields).status_code == 400  # captured and posted elsewhere
    assert client.post("/sso/saml/acs", data=fields).status_code == 302
    client.post("/logga-ut")
    assert client.post("/sso/saml/acs", data=fields).status_code == 400  # the same answer again
    assert "used already" in caplog.text


def test_a_forged_relay_state_is_refused(saml_app, client, mapped_groups):
    fields = idp_answer(client, "pelle.politiker")
    fields["RelayState"] = fields["RelayState"][:-2] + "xx"

    assert client.post("/sso/saml/acs", data=fields).status_code == 400


def test_an_idp_with_another_certificate_is_refused(saml_app, client, mapped_groups, caplog):
    fields = idp_answer(client, "pelle.politiker")
    saml_app.config["SAML_IDP_CERT"] = self_signed("Someone else")[0]

    assert client.post("/sso/saml/acs", data=fields).status_code == 400
    assert count(User) == 0 and "signature" in caplog.text.lower()


def test_another_idp_entity_is_refused(saml_app, client, mapped_groups, caplog):
    fields = idp_answer(client, "pelle.politiker")
    saml_app.config["SAML_IDP_ENTITY_ID"] = "https://idp.annan-kommun.example/saml"

    assert client.post("/sso/saml/acs", data=fields).status_code == 400
    assert count(User) == 0 and "issuer" in caplog.text.lower()


def test_an_assertion_outside_its_validity_is_refused(saml_app, client, mapped_groups, monkeypatch, caplog):
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    fields = idp_answer(client, "pelle.politiker")
    later = calendar.timegm(time.gmtime()) + 60 * 60  # an hour later: past NotOnOrAfter (SimpleSAMLphp: 5 min)
    monkeypatch.setattr(OneLogin_Saml2_Utils, "now", staticmethod(lambda: later))

    response = client.post("/sso/saml/acs", data=fields)

    assert response.status_code == 400 and count(User) == 0
    assert "expired" in caplog.text.lower() or "notonorafter" in caplog.text.lower()


def test_the_login_page_offers_the_municipal_account(saml_app, client):
    page = client.get("/logga-in").get_data(as_text=True)
    assert "Logga in med kommunens konto" in page and "/sso/saml/logga-in" in page
