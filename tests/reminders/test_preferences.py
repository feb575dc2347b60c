"""Reminder settings on /konto: saved as chosen, a bad time refused with the message next to the field."""

from __future__ import annotations

from datetime import time

import pytest

from crm.extensions import db
from tests.conftest import login
from tests.support.forms import error_next_to


def settings(**fields) -> dict:
    """The form as a browser posts it: an unticked checkbox is simply not sent."""
    data = {"locale": "sv", "digest_enabled": "y", "digest_time": "07:30", "visit_reminders_enabled": "y",
            "assignment_mails_enabled": "y"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def input_tag(html: str, field_id: str) -> str:
    """The whole <input ...> tag of the field with this id."""
    before, after = html.split(f'id="{field_id}"', 1)
    return "<input" + before.rsplit("<input", 1)[1] + f'id="{field_id}"' + after.split(">", 1)[0] + ">"


def test_the_settings_form_shows_the_current_choices_accessibly(client, users):
    login(client, users["staff"])
    html = client.get("/konto").get_data(as_text=True)
    fieldset = html.split("<fieldset", 1)[1].split("</fieldset>", 1)[0]
    assert "<legend>Påminnelser via e-post</legend>" in fieldset
    for name, label in [("digest_enabled", "Daglig sammanfattning"), ("digest_time", "Tid för sammanfattningen"),
                        ("digest_weekends", "Även lördag och söndag"),
                        ("visit_reminders_enabled", "Påminnelse inför besök"),
                        ("assignment_mails_enabled", "Mejl när du får en uppföljning")]:
        assert f'<label for="{name}">{label}</label>' in fieldset
    assert 'type="time"' in fieldset and 'value="07:30"' in fieldset
    assert 'aria-describedby="digest_time-hint"' in fieldset
    for checked in ("digest_enabled", "visit_reminders_enabled", "assignment_mails_enabled"):
        assert "checked" in input_tag(fieldset, checked)
    assert "checked" not in input_tag(fieldset, "digest_weekends")


@pytest.mark.parametrize("role", ["staff", "politician"])
def test_preferences_are_saved(client, users, role):
    user = users[role]
    login(client, user)
    response = client.post("/konto", data=settings(digest_enabled=None, digest_time="16:45", digest_weekends="y",
                                                    visit_reminders_enabled=None, assignment_mails_enabled=None))
    assert response.status_code == 302 and response.headers["Location"] == "/konto"
    db.session.refresh(user)
    assert (user.digest_enabled, user.digest_time, user.digest_weekends, user.visit_reminders_enabled,
            user.assignment_mails_enabled) == (False, time(16, 45), True, False, False)
    html = client.get("/konto").get_data(as_text=True)
    assert 'value="16:45"' in html

    client.post("/konto", data=settings(digest_time="6:05:00"))
    db.session.refresh(user)
    assert (user.digest_enabled, user.digest_time, user.digest_weekends, user.visit_reminders_enabled,
            user.assignment_mails_enabled) == (True, time(6, 5), False, True, True)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("25:61", "Skriv tiden som TT:MM, till exempel 07:30."),
        ("halv åtta", "Skriv tiden som TT:MM, till exempel 07:30."),
        ("", "Fyll i en tid, till exempel 07:30."),
    ],
)
def test_a_bad_time_is_refused_next_to_the_field(client, users, typed, message):
    user = users["staff"]
    login(client, user)
    response = client.post("/konto", data=settings(digest_time=typed, digest_enabled=None))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_next_to(html, "digest_time").endswith(message)
    assert html.count(message) == 2, "next to the field and in the summary at the top, once each"
    tag = input_tag(html, "digest_time")
    assert 'aria-invalid="true"' in tag and "digest_time-error" in tag and f'value="{typed}"' in tag
    db.session.refresh(user)
    assert user.digest_enabled is True and user.digest_time == time(7, 30), "nothing saved"
