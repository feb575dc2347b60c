"""Production fails closed: it is the default, and it refuses a weak key, a missing or plain-http BASE_URL.
CRM_TRUSTED_PROXIES lets the client's address and HTTPS through from the proxies, and no further."""

from __future__ import annotations

import pytest
from flask import request

from crm import create_app
from crm.auth.access import public

SECRET = "k" * 32


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.delenv("CRM_ENV", raising=False)
    monkeypatch.delenv("CRM_TRUSTED_PROXIES", raising=False)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("CRM_BASE_URL", "https://crm.kommun.example")
    return monkeypatch


def test_without_crm_env_the_app_is_production(production_env):
    app = create_app()
    assert app.config["CRM_ENV"] == "production"
    assert app.config["SECRET_KEY"] == SECRET and app.config["SESSION_COOKIE_SECURE"] is True


def test_without_crm_env_or_a_key_the_app_does_not_start(production_env):
    production_env.delenv("SECRET_KEY")
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app()


def test_development_only_when_asked_for(production_env):
    production_env.delenv("SECRET_KEY")
    production_env.setenv("CRM_ENV", "development")
    assert create_app().config["CRM_ENV"] == "development"


def test_an_unknown_crm_env_stops_the_app(production_env):
    production_env.setenv("CRM_ENV", "prod")
    with pytest.raises(RuntimeError, match="CRM_ENV must be one of"):
        create_app()


@pytest.mark.parametrize("key", ["x", "k" * 31, "å" * 15])
def test_a_short_secret_key_is_refused(production_env, key):
    production_env.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        create_app("production")


def test_a_key_of_32_bytes_is_enough(production_env):
    production_env.setenv("SECRET_KEY", "å" * 16)
    assert create_app("production").config["SECRET_KEY"] == "å" * 16


def test_base_url_must_be_https_in_production(production_env):
    production_env.setenv("CRM_BASE_URL", "http://crm.kommun.example")
    with pytest.raises(RuntimeError, match="must be an https address"):
        create_app("production")
    production_env.delenv("CRM_BASE_URL")
    with pytest.raises(RuntimeError, match="CRM_BASE_URL must be set"):
        create_app("production")


def _probe(app):
    @app.route("/probe")
    @public
    def probe():
        return f"{request.remote_addr} {request.scheme} {request.host}"

    return app.test_client()


def test_trusted_proxies_let_the_clients_address_and_https_through(production_env):
    production_env.setenv("CRM_TRUSTED_PROXIES", "1")
    app = create_app("production")
    assert app.config["TRUSTED_PROXIES"] == 1
    answer = _probe(app).get("/probe", base_url="http://localhost", environ_base={"REMOTE_ADDR": "10.1.0.1"}, headers={
        "X-Forwarded-For": "192.0.2.1, 198.51.100.7", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "crm.kommun.example"})
    assert answer.get_data(as_text=True) == "198.51.100.7 https crm.kommun.example"


def test_no_forwarded_header_is_believed_by_default(production_env):
    app = create_app("production")
    assert app.config["TRUSTED_PROXIES"] == 0
    answer = _probe(app).get("/probe", base_url="http://localhost", environ_base={"REMOTE_ADDR": "10.1.0.1"}, headers={
        "X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert answer.get_data(as_text=True) == "10.1.0.1 http localhost"


def test_the_session_settings_come_from_the_environment(production_env):
    production_env.setenv("CRM_SESSION_IDLE_SECONDS", "3600")
    production_env.setenv("CRM_SESSION_MAX_SECONDS", "86400")
    app = create_app("production")
    assert app.config["SESSION_IDLE_SECONDS"] == 3600 and app.config["SESSION_MAX_SECONDS"] == 86400
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 3600
