"""Passwords: at least 12 characters, not a common one, not the user's own name or address; the
current-password check on the change form is throttled like a login."""

from __future__ import annotations

import pytest

from crm.auth import passwords
from crm.auth.models import User
from crm.extensions import db
from tests.conftest import PASSWORD, login

SHORT = "Lösenordet måste ha minst 12 tecken."
COMMON = "Lösenordet är för vanligt och lätt att gissa."
PERSONAL = "Lösenordet får inte bygga på användarens namn eller e-postadress."


@pytest.mark.parametrize("password, message", [
    ("1234567890", SHORT),
    ("password12", SHORT),
    ("password1234", COMMON),
    ("123456789012", COMMON),
    ("qwertyuiop12", COMMON),
    ("Sommar2024!!", COMMON),
    ("Lösenord12345", COMMON),
    ("aaaaaaaaaaaaaaa", COMMON),
    ("abcdefghijklmnop", COMMON),
    ("anna.svensson@abyvik.se", PERSONAL),
    ("AnnaSvensson2024", PERSONAL),
    ("svensson-anna-1", PERSONAL),
    ("abyvik-anna-99", PERSONAL),
])
def test_weak_passwords_are_refused(app, password, message):
    with app.test_request_context():
        assert message in (passwords.problem(password, name="Anna Svensson", email="anna.svensson@abyvik.se") or "")


@pytest.mark.parametrize("password", ["blå-cykel-i-regnet", "Anna-dricker-grönt-te", "kaffe med mjölk och bulle"])
def test_good_passwords_pass(app, password):
    with app.test_request_context():
        assert passwords.problem(password, name="Anna Svensson", email="anna.svensson@abyvik.se") is None


def test_the_list_ships_with_the_code():
    common = passwords.common_passwords()
    assert len(common) > 19_000 and "password1234" in common


def change(client, current, new):
    return client.post("/konto/losenord",
                       data={"current_password": current, "new_password": new, "confirm_password": new})


@pytest.mark.parametrize("new, message", [("1234567890", SHORT), ("password1234", COMMON), ("own-address", PERSONAL)])
def test_the_change_form_refuses_weak_passwords_next_to_the_field(client, users, new, message):
    user = users["staff"]
    if new == "own-address":
        new = user.email
    login(client, user)
    response = change(client, PASSWORD, new)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="new_password-error"' in html and message in html
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_an_admin_cannot_give_a_user_their_own_name_as_password(client, users):
    login(client, users["admin"])
    user = users["staff"]
    user.name = "Greta Lindqvist"
    db.session.commit()
    response = client.post(f"/admin/anvandare/{user.id}/losenord",
                           data={"new_password": "GretaLindqvist!", "confirm_password": "GretaLindqvist!"})
    assert PERSONAL in response.get_data(as_text=True)


def test_a_new_user_cannot_get_a_common_password(client, users):
    login(client, users["admin"])
    response = client.post("/admin/anvandare/ny", data={
        "name": "Bo Ek", "email": "bo.ek@kommun.example", "role": "staff", "locale": "sv", "active": "y",
        "new_password": "password1234", "confirm_password": "password1234"})
    assert COMMON in response.get_data(as_text=True)
    assert db.session.execute(User.by_email("bo.ek@kommun.example")).scalar_one_or_none() is None


def test_the_cli_refuses_a_common_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--name", "Cli Person", "--email", "cli@kommun.example", "--role", "staff"],
        input="password1234\npassword1234\n",
    )
    assert result.exit_code != 0 and "för vanligt" in result.output


def test_the_current_password_check_is_throttled(client, users):
    login(client, users["staff"])
    for _ in range(5):
        html = change(client, "fel-lösenord", "blå-cykel-i-regnet").get_data(as_text=True)
        assert "Det nuvarande lösenordet stämmer inte." in html
    response = change(client, PASSWORD, "blå-cykel-i-regnet")
    assert response.status_code == 429 and response.headers["Retry-After"] in ("1", "2")
    html = response.get_data(as_text=True)
    assert 'id="current_password-error"' in html and "Flera misslyckade försök i rad. Vänta" in html
    db.session.refresh(users["staff"])
    assert users["staff"].check_password(PASSWORD), "not changed while the pause runs"
