"""Sessions end on the server: logout, "Logga ut överallt", a new password, the idle timeout and the lifetime
each stop a session, a copied cookie included."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from crm.audit.models import AuditEntry
from crm.auth.models import UserSession
from crm.auth.sessions import SESSION_KEY
from crm.extensions import db
from crm.timeutil import utcnow
from tests.conftest import PASSWORD, login


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def live_row() -> UserSession:
    return db.session.execute(select(UserSession).where(UserSession.ended_at.is_(None))).scalar_one()


def test_a_copied_cookie_is_refused_after_logout(app, client, users):
    login(client, users["staff"])
    thief = copy_of(app, client)
    assert signed_in(thief), "the copy works while the session lasts"
    client.post("/logga-ut")
    assert not signed_in(client)
    assert not signed_in(thief)
    assert thief.get("/").headers["Location"].startswith("/logga-in")


def test_logout_ends_only_this_browsers_session(app, users):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, users["staff"])
    login(phone, users["staff"])
    laptop.post("/logga-ut")
    assert not signed_in(laptop)
    assert signed_in(phone)


def test_logga_ut_overallt_ends_every_session(app, users):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, users["staff"])
    login(phone, users["staff"])
    thief = copy_of(app, phone)
    page = phone.get("/konto").get_data(as_text=True)
    assert "Logga ut överallt" in page and 'action="/konto/logga-ut-overallt"' in page
    response = phone.post("/konto/logga-ut-overallt")
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in")
    assert "Du är utloggad överallt" in phone.get("/logga-in").get_data(as_text=True)
    assert not signed_in(phone) and not signed_in(laptop) and not signed_in(thief)
    assert db.session.execute(
        select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))
    ).scalar_one() == 0
    actions = db.session.execute(
        select(AuditEntry.action).where(AuditEntry.entity == "User", AuditEntry.entity_id == str(users["staff"].id))
    ).scalars().all()
    assert actions.count("logout") == 1
    login(phone, users["staff"])
    assert signed_in(phone), "one can log in again"


def test_logga_ut_overallt_needs_post(client, users):
    login(client, users["staff"])
    assert client.get("/konto/logga-ut-overallt").status_code == 405
    assert signed_in(client)


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app, users):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, users["staff"])
    login(phone, users["staff"])
    stolen = copy_of(app, phone)
    response = phone.post("/konto/losenord", data={"current_password": PASSWORD, "new_password": "blå-cykel-i-regnet",
                                                   "confirm_password": "blå-cykel-i-regnet"})
    assert response.status_code == 302
    assert signed_in(phone)
    assert not signed_in(laptop)
    assert not signed_in(stolen), "the cookie from before the change is not the session that goes on"


def test_an_idle_session_ends(app, client, users):
    login(client, users["staff"])
    thief = copy_of(app, client)
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(hours=8, minutes=1)))
    db.session.commit()
    assert not signed_in(thief)
    assert not signed_in(client)


def test_the_idle_timeout_is_configurable_and_use_keeps_a_session_alive(app, client, users):
    app.config["SESSION_IDLE_SECONDS"] = 300
    login(client, users["staff"])
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=4)))
    db.session.commit()
    assert signed_in(client)
    db.session.expire_all()
    assert utcnow() - live_row().last_seen_at < timedelta(seconds=30), "a request marks the session as used"
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=6)))
    db.session.commit()
    assert not signed_in(client)


def test_a_session_ends_after_its_lifetime_even_when_used(app, client, users):
    login(client, users["staff"])
    db.session.execute(update(UserSession).values(created_at=utcnow() - timedelta(days=7, minutes=1)))
    db.session.commit()
    assert not signed_in(client)


def test_a_cookie_without_a_server_session_is_refused(app, client, users):
    """A cookie made before sessions were kept on the server, or a forged remember-me login: no row, no user."""
    login(client, users["staff"])
    with client.session_transaction() as session:
        session.pop(SESSION_KEY)
    assert not signed_in(client)


def test_no_remember_me_cookie_and_the_cookie_expires_with_the_idle_timeout(app, client, users):
    response = login(client, users["staff"])
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(cookie.startswith("remember_token") for cookie in cookies)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)
    session_cookie = next(cookie for cookie in cookies if cookie.startswith(app.config["SESSION_COOKIE_NAME"]))
    assert "Expires=" in session_cookie


def test_the_key_is_stored_hashed(client, users):
    login(client, users["staff"])
    with client.session_transaction() as session:
        key = session[SESSION_KEY]
    row = live_row()
    assert row.key_hash != key and len(row.key_hash) == 64
