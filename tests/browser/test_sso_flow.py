"""Single sign-on in a real browser: through nanoidp's and SimpleSAMLphp's own login forms and back, and the
refusals a person can meet (no mapped group, an IdP with another issuer, an expired token, the IdP down)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from crm.sso import oidc
from tests.conftest import PASSWORD
from tests.sso.conftest import make_sp_keys, map_groups, running_nanoidp, running_simplesaml, use_oidc, use_saml
from tests.sso.nanoidp_server import PASSWORD as IDP_PASSWORD
from tests.sso.nanoidp_server import NanoIdp, free_port

pytestmark = pytest.mark.usefixtures("mapped")


@pytest.fixture(scope="module")
def nanoidp(tmp_path_factory):
    yield from running_nanoidp(tmp_path_factory)


@pytest.fixture(scope="module")
def simplesaml(tmp_path_factory):
    yield from running_simplesaml(tmp_path_factory)


@pytest.fixture(scope="module")
def sp_keys():
    return make_sp_keys()


@pytest.fixture
def mapped(app):
    map_groups(admin="admin", staff="staff", politician="politician")


def sign_in_at_nanoidp(page, username: str) -> None:
    page.goto("/logga-in")
    page.get_by_role("link", name="Logga in med kommunens konto").click()
    page.locator("#username").fill(username)
    page.locator("#password").fill(IDP_PASSWORD)
    page.locator("form button[type=submit]").first.click()


def test_oidc_login_through_nanoidps_own_form(app, page, live_server, nanoidp):
    use_oidc(app, nanoidp, BASE_URL=live_server)

    sign_in_at_nanoidp(page, "ulla.admin")

    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hej\b"))
    expect(page.get_by_role("link", name="Användare", exact=True)).to_be_visible()  # admin, from the admin group


def test_saml_login_through_simplesamlphps_own_form(app, page, live_server, simplesaml, sp_keys):
    use_saml(app, simplesaml, sp_keys, live_server)
    page.goto("/logga-in")
    page.get_by_role("link", name="Logga in med kommunens konto").click()

    page.locator("#username").fill("anna.andersson")
    page.locator("#password").fill(IDP_PASSWORD)
    page.locator("#submit_button").click()

    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hej\b"))
    expect(page.get_by_role("link", name="Möteslogg")).to_be_visible()  # staff


def test_a_person_without_a_mapped_group_gets_a_friendly_page(app, page, live_server, nanoidp):
    use_oidc(app, nanoidp, BASE_URL=live_server)

    sign_in_at_nanoidp(page, "gustav.gast")

    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggningen gick inte igenom")
    expect(page.get_by_text("ingen behörighet till Näringsliv CRM")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/logga-in\?next="))


def test_an_idp_with_another_issuer_is_refused(app, page, live_server, tmp_path):
    impostor = NanoIdp(tmp_path, issuer_host="localhost").start()
    try:
        use_oidc(app, impostor, BASE_URL=live_server, OIDC_ISSUER=f"http://127.0.0.1:{impostor.port}")
        page.goto("/logga-in")
        page.get_by_role("link", name="Logga in med kommunens konto").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Inloggningen gick inte igenom")
        expect(page.get_by_text("kunde inte godkännas")).to_be_visible()
    finally:
        impostor.stop()


def test_an_expired_token_is_refused(app, page, live_server, nanoidp, monkeypatch):
    use_oidc(app, nanoidp, BASE_URL=live_server)
    page.goto("/logga-in")
    page.get_by_role("link", name="Logga in med kommunens konto").click()
    page.locator("#username").fill("ulla.admin")
    page.locator("#password").fill(IDP_PASSWORD)
    now = oidc.clock()
    monkeypatch.setattr(oidc, "clock", lambda: now + 10 * 60)  # the token (5 minutes) has expired on arrival

    page.locator("form button[type=submit]").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggningen gick inte igenom")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/logga-in\?next="))


def test_idp_down_then_break_glass_still_works(app, page, live_server, users):
    app.config.update(OIDC_ISSUER=f"http://127.0.0.1:{free_port()}", OIDC_CLIENT_ID="crm", OIDC_CLIENT_SECRET="x",
                      SSO_HTTP_TIMEOUT=2, BASE_URL=live_server, BREAK_GLASS_EMAIL=users["admin"].email)
    page.goto("/logga-in")
    expect(page.get_by_label("Lösenord")).to_have_count(0)
    page.get_by_role("link", name="Logga in med kommunens konto").click()
    expect(page.get_by_text("svarar inte just nu")).to_be_visible()

    page.goto("/logga-in/lokal")
    page.get_by_label("E-postadress", exact=True).fill(users["admin"].email)
    page.get_by_label("Lösenord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hej\b"))
