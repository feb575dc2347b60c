"""CSRF, security headers, production settings and the error pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm import create_app
from crm.auth.access import roles_required
from crm.auth.models import Role, User
from crm.extensions import db
from tests.conftest import PASSWORD, login


def test_forms_without_csrf_token_are_refused(app, client, users):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/logga-in", data={"email": users["staff"].email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Formuläret har gått ut" in response.get_data(as_text=True)


def test_login_works_with_the_csrf_token(app, client, users):
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get("/logga-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/logga-in", data={"email": users["staff"].email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_every_form_on_the_admin_pages_carries_a_csrf_token(app, client, users):
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get("/logga-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/logga-in", data={"email": users["admin"].email, "password": PASSWORD, "csrf_token": token})
    for path in ("/", "/admin/anvandare/ny", f"/admin/anvandare/{users['staff'].id}", "/konto", "/konto/losenord"):
        page = client.get(path).get_data(as_text=True)
        post_forms = re.findall(r'<form[^>]*method="post".*?</form>', page, flags=re.S)
        assert post_forms, path
        for form in post_forms:
            assert 'name="csrf_token"' in form, (path, form[:200])


def test_security_headers(client):
    response = client.get("/logga-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, login_as):
    login_as("admin")
    for path in ("/logga-in", "/", "/admin/anvandare", "/admin/logg/", "/foretag/"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html, path
        assert re.search(r"\son[a-z]+=", html) is None, path


def test_logged_in_pages_are_not_cached(client, login_as):
    login_as("staff")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_assets_are_served_by_the_app(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and "text/css" in response.content_type
    html = client.get("/logga-in").get_data(as_text=True)
    assert re.search(r'(src|href)="(https?:)?//', html) is None


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("CRM_BASE_URL", "https://crm.kommun.example")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_settings(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("CRM_BASE_URL", "https://crm.kommun.example")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.debug is False


def test_500_page_rolls_back_and_is_swedish(app, users):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/trasig")
    @roles_required(Role.STAFF)
    def broken():
        db.session.add(User(name="Halvskriven", email="halv@example.com", role=Role.STAFF, password_hash="x"))
        db.session.flush()
        raise RuntimeError("boom")

    client = app.test_client()
    login(client, users["staff"])
    response = client.get("/trasig")
    assert response.status_code == 500
    assert "Något gick fel" in response.get_data(as_text=True)
    count = db.session.execute(select(func.count()).select_from(User).where(User.name == "Halvskriven")).scalar_one()
    assert count == 0


def test_too_large_requests_are_refused_in_swedish(client, login_as):
    login_as("staff")
    too_big = b"x" * (25 * 1024 * 1024 + 1)
    response = client.post("/foretag/import/", data=too_big, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "Filen är för stor" in response.get_data(as_text=True)
