"""Logging in and out, the `next` parameter, deactivation and session rotation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.auth.views import safe_next
from crm.extensions import db
from tests.conftest import PASSWORD, login


def test_login_page_is_swedish(client):
    html = client.get("/logga-in").get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "E-postadress" in html and "Lösenord" in html


def test_wrong_password_is_refused_with_a_message(client, users):
    response = client.post("/logga-in", data={"email": users["staff"].email, "password": "fel"})
    assert response.status_code == 200
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_empty_fields_get_messages_next_to_them(client):
    html = client.post("/logga-in", data={"email": "", "password": ""}).get_data(as_text=True)
    assert 'id="email-error"' in html and "Fyll i din e-postadress." in html
    assert 'id="password-error"' in html and "Fyll i ditt lösenord." in html
    assert 'aria-describedby="email-error"' in html


def test_email_is_case_insensitive(client, users):
    response = client.post("/logga-in", data={"email": users["staff"].email.upper(), "password": PASSWORD})
    assert response.status_code == 302


def test_login_and_logout_are_audited(client, users):
    login(client, users["staff"])
    client.post("/logga-ut")
    actions = (
        db.session.execute(
            select(AuditEntry.action).where(AuditEntry.entity == "User", AuditEntry.entity_id == str(users["staff"].id))
        )
        .scalars()
        .all()
    )
    assert "login" in actions and "logout" in actions


def test_logout_needs_post(client, users):
    login(client, users["staff"])
    assert client.get("/logga-ut").status_code == 405
    response = client.post("/logga-ut")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/foretag/", "/foretag/"),
        ("/admin/anvandare?x=1", "/admin/anvandare?x=1"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("\\\\evil.example", None),
        ("javascript:alert(1)", None),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
        ("/\nfoo", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_next_only_allows_own_paths(target, expected):
    assert safe_next(target) == expected


def test_next_redirects_to_own_path_only(client, users):
    ok = client.post("/logga-in?next=/foretag/", data={"email": users["staff"].email, "password": PASSWORD})
    assert ok.headers["Location"] == "/foretag/"
    client.post("/logga-ut")
    evil = client.post(
        "/logga-in?next=https://evil.example/", data={"email": users["staff"].email, "password": PASSWORD}
    )
    assert evil.headers["Location"] == "/"


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/admin/anvandare")
    assert response.status_code == 302
    assert response.headers["Location"] == "/logga-in?next=%2Fadmin%2Fanvandare"


def test_deactivated_user_is_logged_out_on_next_request(client, users):
    login(client, users["staff"])
    assert client.get("/").status_code == 200
    users["staff"].active = False
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in")


def test_deactivated_user_cannot_log_in(client, users):
    users["staff"].active = False
    db.session.commit()
    response = client.post("/logga-in", data={"email": users["staff"].email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)


def test_password_reset_by_admin_ends_other_sessions(app, users):
    staff_client, admin_client = app.test_client(), app.test_client()
    login(staff_client, users["staff"])
    login(admin_client, users["admin"])
    response = admin_client.post(
        f"/admin/anvandare/{users['staff'].id}/losenord",
        data={"new_password": "ett-helt-nytt-losen", "confirm_password": "ett-helt-nytt-losen"},
    )
    assert response.status_code == 302
    assert staff_client.get("/").status_code == 302
    login(app.test_client(), users["staff"], "ett-helt-nytt-losen")


def test_session_cookie_flags(client, users):
    response = client.post("/logga-in", data={"email": users["staff"].email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
