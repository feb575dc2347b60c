"""Admins create, edit, deactivate users, set roles and reset passwords."""

from __future__ import annotations

from sqlalchemy import select

from crm.auth.models import Role, User
from crm.extensions import db
from tests.conftest import login

NEW_USER = {
    "name": "Nils Nybörjare",
    "email": "Nils.Nyborjare@Kommun.example",
    "role": "staff",
    "locale": "sv",
    "active": "y",
    "new_password": "ett-långt-lösenord",
    "confirm_password": "ett-långt-lösenord",
}


def test_admin_creates_a_user_who_can_log_in(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/anvandare/ny", data=NEW_USER)
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == "nils.nyborjare@kommun.example")).scalar_one()
    assert user.role == Role.STAFF and user.active
    assert user.password_hash.startswith("pbkdf2:") or user.password_hash.startswith("scrypt:")
    assert "ett-långt-lösenord" not in user.password_hash
    login(app.test_client(), user, "ett-långt-lösenord")


def test_user_list_shows_users(client, login_as, users):
    login_as("admin")
    html = client.get("/admin/anvandare").get_data(as_text=True)
    for user in users.values():
        assert user.email in html
    assert "Förtroendevald" in html


def test_duplicate_email_is_refused_next_to_the_field(client, login_as, users):
    login_as("admin")
    html = client.post("/admin/anvandare/ny", data={**NEW_USER, "email": users["staff"].email.upper()}).get_data(
        as_text=True
    )
    assert 'id="email-error"' in html
    assert "Det finns redan en användare med den e-postadressen." in html
    assert db.session.execute(select(User).where(User.name == "Nils Nybörjare")).first() is None


def test_invalid_fields_keep_the_input(client, login_as):
    login_as("admin")
    html = client.post("/admin/anvandare/ny", data={**NEW_USER, "email": "inte-en-adress", "role": "kung"}).get_data(
        as_text=True
    )
    assert "Skriv en giltig e-postadress" in html
    assert 'value="Nils Nybörjare"' in html
    assert 'id="role-error"' in html


def test_admin_changes_role_and_deactivates(client, login_as, users):
    login_as("admin")
    target = users["staff"]
    response = client.post(
        f"/admin/anvandare/{target.id}",
        data={"name": target.name, "email": target.email, "role": "organizer", "locale": "en"},
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.role == Role.ORGANIZER and target.locale == "en" and not target.active


def test_the_last_admin_cannot_be_demoted(client, login_as, users):
    admin = login_as("admin")
    html = client.post(
        f"/admin/anvandare/{admin.id}",
        data={"name": admin.name, "email": admin.email, "role": "staff", "locale": "sv", "active": "y"},
    ).get_data(as_text=True)
    assert "Det måste finnas minst en aktiv administratör." in html
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN


def test_a_second_admin_can_be_demoted(client, login_as, factories):
    login_as("admin")
    other = factories.user(role="admin")
    db.session.commit()
    response = client.post(
        f"/admin/anvandare/{other.id}",
        data={"name": other.name, "email": other.email, "role": "staff", "locale": "sv", "active": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.role == Role.STAFF


def test_reset_own_password_goes_to_change_password(client, login_as):
    admin = login_as("admin")
    response = client.get(f"/admin/anvandare/{admin.id}/losenord")
    assert response.headers["Location"] == "/konto/losenord"


def test_unknown_user_is_404_in_swedish(client, login_as):
    login_as("admin")
    response = client.get("/admin/anvandare/999999")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)


def test_the_new_user_form_preselects_no_role(client, login_as):
    login_as("admin")
    html = client.get("/admin/anvandare/ny").get_data(as_text=True)
    select_html = html.split('<select', 1)[1].split('id="role"', 1)[1].split("</select>", 1)[0]
    assert "selected" not in select_html
    assert select_html.index('value=""') < select_html.index('value="admin"') and "Välj roll" in select_html

    for role in ("", "kung"):
        response = client.post("/admin/anvandare/ny", data={**NEW_USER, "role": role})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and 'id="role-error"' in page
        assert ("Välj en roll." if role == "" else "Välj en av rollerna i listan.") in page
    assert db.session.execute(select(User).where(User.email == "nils.nyborjare@kommun.example")).first() is None


def test_control_characters_in_a_new_users_name_and_address_are_removed(client, login_as):
    login_as("admin")
    response = client.post("/admin/anvandare/ny", data={**NEW_USER, "name": "Nils\x07 Ny\x1bbörjare\r\nBcc: x",
                                                        "email": "nils.nyborjare@kommun.example\x00"})
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == "nils.nyborjare@kommun.example")).scalar_one()
    assert user.name.split() == ["Nils", "Nybörjare", "Bcc:", "x"]
    assert not any(ord(char) < 32 or ord(char) == 127 for char in user.name), "nothing a header could be split at"
