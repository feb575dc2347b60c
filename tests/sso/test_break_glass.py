"""Break-glass: one local admin keeps password login at /logga-in/lokal, throttled and audited, IdP or not."""

from __future__ import annotations

from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.extensions import db
from tests.conftest import PASSWORD
from tests.sso.nanoidp_server import free_port


def _sso_down(app, admin):
    """SSO configured against an IdP that does not answer; the admin is the break-glass account."""
    app.config.update(OIDC_ISSUER=f"http://127.0.0.1:{free_port()}", OIDC_CLIENT_ID="crm", OIDC_CLIENT_SECRET="x",
                      SSO_HTTP_TIMEOUT=2, BREAK_GLASS_EMAIL=admin.email.upper())


def actions() -> list[tuple[str, dict | None]]:
    return [(entry.action, entry.changes) for entry in db.session.execute(
        select(AuditEntry).where(AuditEntry.action.in_(("break_glass", "break_glass_refused"))).order_by(AuditEntry.id)
    ).scalars()]


def test_break_glass_admin_logs_in_while_the_idp_is_down(app, client, users):
    _sso_down(app, users["admin"])
    assert client.get("/sso/oidc/logga-in").status_code == 503  # the IdP is down

    response = client.post("/logga-in/lokal", data={"email": users["admin"].email, "password": PASSWORD})

    assert response.status_code == 302 and client.get("/").status_code == 200
    assert [action for action, _ in actions()] == ["break_glass"]


def test_nobody_else_logs_in_there_and_every_attempt_is_audited(app, client, users):
    _sso_down(app, users["admin"])

    staff = client.post("/logga-in/lokal", data={"email": users["staff"].email, "password": PASSWORD})
    wrong = client.post("/logga-in/lokal", data={"email": users["admin"].email, "password": "fel-lösenord-1"})

    assert staff.status_code == wrong.status_code == 200
    assert "Fel e-postadress eller lösenord." in staff.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert [changes["reason"][1] for _, changes in actions()] == ["not_break_glass", "wrong_password"]


def test_the_ordinary_login_takes_no_password_while_sso_is_configured(app, client, users):
    _sso_down(app, users["admin"])

    client.post("/logga-in", data={"email": users["admin"].email, "password": PASSWORD})

    assert client.get("/").status_code == 302


def test_break_glass_is_throttled_like_the_login(app, client, users):
    _sso_down(app, users["admin"])
    for _ in range(app.config["LOGIN_SLOWDOWN_AFTER"]):  # then the next attempt from this client must wait
        client.post("/logga-in/lokal", data={"email": users["admin"].email, "password": "fel-lösenord-1"})

    response = client.post("/logga-in/lokal", data={"email": users["admin"].email, "password": PASSWORD})

    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Vänta" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert actions()[-1][1]["reason"] == [None, "throttled"]


def test_without_a_break_glass_account_nobody_logs_in_locally(app, client, users):
    app.config.update(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="crm", BREAK_GLASS_EMAIL=None)

    client.post("/logga-in/lokal", data={"email": users["admin"].email, "password": PASSWORD})

    assert client.get("/").status_code == 302
