"""The SSO admin page: settings stored with their secrets encrypted and used for a real login, the
group-to-role table, the break-glass account, accounts unused for a year."""

from __future__ import annotations

import re
from datetime import timedelta

from cryptography.fernet import Fernet
from sqlalchemy import select

from crm.auth.models import Role
from crm.extensions import db
from crm.sso import secrets
from crm.sso.models import RoleMapping, SsoSettings
from crm.timeutil import utcnow
from tests.sso.conftest import APP_URL
from tests.sso.nanoidp_server import CLIENT_ID, CLIENT_SECRET, GROUPS
from tests.sso.test_oidc import sign_in

SETTINGS_URL = "/admin/sso"


def oidc_form(idp, **more) -> dict:
    return {"oidc_issuer": idp.issuer, "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET, **more}


def stored() -> SsoSettings:
    return db.session.execute(select(SsoSettings)).scalar_one()


def test_stored_settings_keep_the_secret_encrypted_and_work_for_a_real_login(app, client, login_as, nanoidp):
    admin = login_as("admin")
    app.config["BASE_URL"] = APP_URL

    response = client.post(SETTINGS_URL, data=oidc_form(nanoidp, break_glass_email=admin.email))

    assert response.status_code == 302
    row = stored()
    assert row.oidc_client_secret_encrypted and CLIENT_SECRET not in row.oidc_client_secret_encrypted
    assert secrets.decrypt(row.oidc_client_secret_encrypted) == CLIENT_SECRET
    # A blank secret keeps the stored one.
    client.post(SETTINGS_URL, data={**oidc_form(nanoidp, break_glass_email=admin.email), "oidc_client_secret": ""})
    db.session.expire_all()
    assert secrets.decrypt(stored().oidc_client_secret_encrypted) == CLIENT_SECRET
    client.post(SETTINGS_URL + "/roller", data={"group_value": GROUPS["politician"], "role": "politician",
                                                "note": "Förtroendevalda"})
    client.post("/logga-ut")

    assert "Logga in med kommunens konto" in client.get("/logga-in").get_data(as_text=True)
    assert sign_in(client, "pelle.politiker").status_code == 302
    assert client.get("/").status_code == 200


def test_the_secret_is_encrypted_with_the_configured_key(app, login_as, client, nanoidp):
    login_as("admin")
    key = Fernet.generate_key()
    app.config["ENCRYPTION_KEY"] = key.decode()

    client.post(SETTINGS_URL, data=oidc_form(nanoidp))

    assert Fernet(key).decrypt(stored().oidc_client_secret_encrypted.encode()).decode() == CLIENT_SECRET


def test_a_secret_the_key_cannot_read_turns_sso_off_instead_of_failing(app, client, login_as, nanoidp):
    login_as("admin")
    client.post(SETTINGS_URL, data=oidc_form(nanoidp))
    client.post("/logga-ut")
    app.config["SECRET_KEY"] = "another-secret-key-after-a-rotation-000"

    page = client.get("/logga-in")

    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)


def test_bad_input_gets_a_message_next_to_the_field(client, login_as):
    login_as("admin")

    page = client.post(SETTINGS_URL, data={
        "oidc_issuer": "http://idp.example.se", "saml_idp_entity_id": "https://idp.example.se/saml",
        "saml_idp_sso_url": "https://idp.example.se/sso", "saml_idp_certificate": "inte ett certifikat",
        "break_glass_email": "ingen@kommun.example",
    }).get_data(as_text=True)

    assert "Adressen måste börja med https://" in page
    assert "Fyll i klient-id när utfärdaren är ifylld." in page
    assert "Klistra in certifikatet i PEM-format" in page
    assert db.session.execute(select(SsoSettings)).first() is None


def test_the_break_glass_account_must_be_an_active_admin(client, login_as, users):
    login_as("admin")

    page = client.post(SETTINGS_URL, data={"break_glass_email": users["staff"].email}).get_data(as_text=True)

    assert "Det finns inget aktivt administratörskonto med den adressen." in page


def test_group_rows_are_added_once_and_removed(client, login_as):
    login_as("admin")
    row = {"group_value": GROUPS["staff"], "role": "staff", "note": "Näringslivsenheten"}

    assert client.post(SETTINGS_URL + "/roller", data=row).status_code == 302
    again = client.post(SETTINGS_URL + "/roller", data={**row, "role": "admin"})

    assert "Den gruppen finns redan i tabellen." in again.get_data(as_text=True)
    mapping = db.session.execute(select(RoleMapping)).scalar_one()
    assert mapping.role == Role.STAFF
    page = client.get(SETTINGS_URL).get_data(as_text=True)
    assert GROUPS["staff"] in page and "Näringslivsenheten" in page

    client.post(SETTINGS_URL + "/roller/ta-bort", data={"mapping_id": str(mapping.id)})

    assert db.session.execute(select(RoleMapping)).first() is None


def test_forms_need_their_csrf_token(app, client, login_as):
    login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post(SETTINGS_URL + "/roller", data={"group_value": "g", "role": "admin"})

    assert response.status_code == 400
    assert db.session.execute(select(RoleMapping)).first() is None


def test_accounts_unused_for_a_year_are_listed(client, login_as, factories):
    login_as("admin")
    now = utcnow()
    factories.user(name="Gammal Användare", last_login_at=now - timedelta(days=400))
    factories.user(name="Aktiv Användare", last_login_at=now - timedelta(days=10))
    factories.user(name="Aldrig Inloggad", created_at=now - timedelta(days=500))
    factories.user(name="Inaktiv Användare", last_login_at=now - timedelta(days=800), active=False)
    db.session.commit()

    page = client.get("/admin/sso/oanvanda").get_data(as_text=True)

    names = re.findall(r'/admin/anvandare/\d+">([^<]+)</a>', page)
    assert names == ["Aldrig Inloggad", "Gammal Användare"]
