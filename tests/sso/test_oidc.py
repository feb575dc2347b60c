"""OpenID Connect against nanoidp, a real provider: the code flow with PKCE, users created at first login,
roles from group ids, and the refusals (no mapped group, wrong issuer, expired token, IdP down)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.auth.models import Role, User
from crm.extensions import db
from crm.sso import oidc
from crm.sso.models import RoleMapping, SsoIdentity
from tests.conftest import PASSWORD
from tests.sso.conftest import APP_URL, use_oidc
from tests.sso.nanoidp_server import GROUPS, NanoIdp, free_port, log_in_at_idp


@pytest.fixture
def oidc_app(app, nanoidp):
    use_oidc(app, nanoidp, BASE_URL=APP_URL)
    return app


def sign_in(client, username: str, next_url: str | None = None):
    """Start at the app, log in at nanoidp's own form, and bring its answer back to the callback."""
    start = client.get("/sso/oidc/logga-in" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    callback = log_in_at_idp(start.headers["Location"], username)
    assert callback.startswith(APP_URL + "/sso/oidc/callback?"), callback
    return client.get(callback[len(APP_URL):])


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_authorization_request_uses_pkce_state_and_nonce(oidc_app, client):
    query = parse_qs(urlsplit(client.get("/sso/oidc/logga-in").headers["Location"]).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["redirect_uri"] == [APP_URL + "/sso/oidc/callback"]


def test_first_login_creates_the_user_with_the_highest_mapped_role(oidc_app, client, mapped_groups):
    response = sign_in(client, "anna.andersson", next_url="/besok")

    assert response.status_code == 302 and response.headers["Location"] == "/besok"
    user = db.session.execute(select(User).where(User.email == "anna.andersson@kommun.example")).scalar_one()
    assert user.role == Role.STAFF  # staff and politician groups: staff ranks higher
    assert user.last_login_at is not None
    assert not user.check_password("")  # no local password
    identity = db.session.execute(select(SsoIdentity).where(SsoIdentity.user_id == user.id)).scalar_one()
    assert (identity.issuer, identity.subject, identity.protocol) == (oidc_app.config["OIDC_ISSUER"],
                                                                     "anna.andersson", "oidc")
    assert client.get("/").status_code == 200  # signed in
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "login", AuditEntry.entity_id == str(user.id))
    ).scalar_one()
    assert entry.changes["method"] == [None, "oidc"] and entry.changes["role"] == [None, "staff"]


def test_the_role_is_evaluated_again_at_every_login(oidc_app, app, client, mapped_groups):
    sign_in(client, "anna.andersson")
    db.session.execute(RoleMapping.__table__.delete().where(RoleMapping.group_value == GROUPS["staff"]))
    db.session.commit()
    other = app.test_client()

    sign_in(other, "anna.andersson")

    users = db.session.execute(select(User).where(User.email == "anna.andersson@kommun.example")).scalars().all()
    assert [user.role for user in users] == [Role.POLITICIAN]  # the same account, its role lowered
    assert count(SsoIdentity) == 1


def test_a_user_without_a_mapped_group_is_refused_and_no_account_is_made(oidc_app, client, mapped_groups):
    response = sign_in(client, "gustav.gast")

    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "ingen behörighet till Näringsliv CRM" in page and "Inget konto har skapats" in page
    assert count(User) == 0 and count(SsoIdentity) == 0
    assert client.get("/").status_code == 302  # not signed in
    refusal = db.session.execute(select(AuditEntry).where(AuditEntry.action == "login_refused")).scalar_one()
    assert refusal.changes["reason"] == [None, "no_role"] and refusal.changes["subject"] == [None, "gustav.gast"]


def test_an_existing_local_account_with_the_same_address_is_taken_over(oidc_app, client, factories, mapped_groups):
    local = factories.user(role="politician", email="ulla.admin@kommun.example", name="Ulla Lokal")
    db.session.commit()

    sign_in(client, "ulla.admin")

    db.session.refresh(local)
    assert local.role == Role.ADMIN and count(User) == 1
    assert not local.check_password(PASSWORD)  # its local password no longer works


def test_a_callback_with_another_state_is_refused(oidc_app, app, client, mapped_groups):
    start = client.get("/sso/oidc/logga-in")
    callback = log_in_at_idp(start.headers["Location"], "anna.andersson")
    attacker = app.test_client()
    attacker.get("/sso/oidc/logga-in")  # a flow of its own, with another state

    response = attacker.get(callback[len(APP_URL):])

    assert response.status_code == 400 and "kunde inte godkännas" in response.get_data(as_text=True)
    assert count(User) == 0


def test_a_code_is_redeemed_once(oidc_app, client, mapped_groups, caplog):
    start = client.get("/sso/oidc/logga-in")
    callback = log_in_at_idp(start.headers["Location"], "anna.andersson")
    assert client.get(callback[len(APP_URL):]).status_code == 302
    client.post("/logga-ut")
    with client.session_transaction() as session:  # the same state again, as a replay would bring
        session["sso_oidc"] = {"state": parse_qs(urlsplit(callback).query)["state"][0], "nonce": "x",
                               "verifier": "y" * 64, "issuer": oidc_app.config["OIDC_ISSUER"],
                               "started": oidc.clock()}

    assert client.get(callback[len(APP_URL):]).status_code == 400
    assert "token endpoint refused" in caplog.text


def test_an_idp_with_another_issuer_is_refused(app, client, tmp_path, mapped_groups):
    impostor = NanoIdp(tmp_path, issuer_host="localhost").start()  # says its issuer is http://localhost:<port>
    try:
        use_oidc(app, impostor, BASE_URL=APP_URL, OIDC_ISSUER=f"http://127.0.0.1:{impostor.port}")
        response = client.get("/sso/oidc/logga-in")
    finally:
        impostor.stop()
    assert response.status_code == 400
    assert "kunde inte godkännas" in response.get_data(as_text=True)


def test_a_callback_for_a_changed_issuer_is_refused(oidc_app, client, mapped_groups, caplog):
    """The issuer configured (say, another tenant) while a login was under way: its answer is not accepted."""
    start = client.get("/sso/oidc/logga-in")
    callback = log_in_at_idp(start.headers["Location"], "anna.andersson")
    oidc_app.config["OIDC_ISSUER"] = oidc_app.config["OIDC_ISSUER"] + "/tenant-b"
    with client.session_transaction() as session:
        session["sso_oidc"] = {**session["sso_oidc"], "issuer": oidc_app.config["OIDC_ISSUER"]}

    response = client.get(callback[len(APP_URL):])

    assert response.status_code == 400 and count(User) == 0
    assert "metadata issuer" in caplog.text  # the provider's own metadata no longer names the configured issuer


def test_an_expired_id_token_is_refused(oidc_app, client, monkeypatch, mapped_groups, caplog):
    start = client.get("/sso/oidc/logga-in")
    callback = log_in_at_idp(start.headers["Location"], "anna.andersson")
    started = oidc.clock()
    # nanoidp's tokens live 5 minutes; 10 minutes later (the flow itself still young enough) it has expired.
    monkeypatch.setattr(oidc, "clock", lambda: started + 10 * 60)

    response = client.get(callback[len(APP_URL):])

    assert response.status_code == 400 and count(User) == 0
    assert "ID token refused" in caplog.text and "exp" in caplog.text


def test_an_idp_that_does_not_answer_gives_a_friendly_page(app, client):
    port = free_port()
    app.config.update(OIDC_ISSUER=f"http://127.0.0.1:{port}", OIDC_CLIENT_ID="crm", OIDC_CLIENT_SECRET="x",
                      OIDC_METADATA_URL=None, BASE_URL=APP_URL, SSO_HTTP_TIMEOUT=2)

    response = client.get("/sso/oidc/logga-in")

    assert response.status_code == 503
    assert "svarar inte just nu" in response.get_data(as_text=True)


def test_the_login_page_offers_sso_and_takes_no_password(oidc_app, client, users):
    page = client.get("/logga-in").get_data(as_text=True)
    assert "Logga in med kommunens konto" in page and 'name="password"' not in page

    response = client.post("/logga-in", data={"email": users["admin"].email, "password": PASSWORD})

    assert client.get("/").status_code == 302  # the password was not even looked at
    assert response.status_code == 200


def test_without_sso_the_login_page_is_as_before(app, client):
    page = client.get("/logga-in").get_data(as_text=True)
    assert "Logga in med kommunens konto" not in page and 'name="password"' in page
    assert client.get("/sso/oidc/logga-in").status_code == 302


def test_name_and_address_follow_the_idp_at_every_login(oidc_app, app, client, mapped_groups):
    sign_in(client, "pelle.politiker")
    user = db.session.execute(select(User)).scalar_one()
    user.name, user.email = "Gammalt Namn", "gammal@kommun.example"
    db.session.commit()

    sign_in(app.test_client(), "pelle.politiker")

    db.session.refresh(user)
    assert (user.name, user.email) == ("pelle.politiker", "pelle.politiker@kommun.example")


def test_a_deactivated_account_stays_out(oidc_app, app, client, mapped_groups):
    sign_in(client, "pelle.politiker")
    user = db.session.execute(select(User)).scalar_one()
    user.active = False
    db.session.commit()

    response = sign_in(app.test_client(), "pelle.politiker")

    assert response.status_code == 403 and "inaktiverat" in response.get_data(as_text=True)
