"""A user's own account: password and language."""

from __future__ import annotations

from crm.extensions import db
from tests.conftest import PASSWORD, login


def test_change_own_password(app, client, users):
    login(client, users["politician"])
    other_session = app.test_client()
    login(other_session, users["politician"])
    response = client.post(
        "/konto/losenord",
        data={
            "current_password": PASSWORD,
            "new_password": "mitt-nya-losenord",
            "confirm_password": "mitt-nya-losenord",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200, "the session that changed the password stays logged in"
    assert other_session.get("/").status_code == 302, "other sessions are logged out"
    db.session.refresh(users["politician"])
    assert users["politician"].check_password("mitt-nya-losenord")


def test_change_password_validation_messages(client, users):
    login(client, users["staff"])
    html = client.post(
        "/konto/losenord", data={"current_password": "fel", "new_password": "kort", "confirm_password": "annat"}
    ).get_data(as_text=True)
    assert "Det nuvarande lösenordet stämmer inte." in html
    assert "Lösenordet måste ha minst 12 tecken." in html
    assert "Lösenorden är inte lika." in html
    db.session.refresh(users["staff"])
    assert users["staff"].check_password(PASSWORD)


def test_user_switches_to_english_and_back(client, users):
    login(client, users["staff"])
    client.post("/konto", data={"locale": "en"})
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Sign out" in html
    client.post("/konto", data={"locale": "sv"})
    assert "Logga ut" in client.get("/").get_data(as_text=True)


def test_anonymous_language_switch(client):
    client.post("/sprak", data={"locale": "en", "next": "/logga-in"})
    assert '<html lang="en">' in client.get("/logga-in").get_data(as_text=True)


def test_language_switch_ignores_foreign_next(client):
    response = client.post("/sprak", data={"locale": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
