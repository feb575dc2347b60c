"""Login throttling: failures per account and per address are slowed, then refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.auth import throttle
from crm.auth.models import LoginAttempt
from crm.extensions import db
from crm.timeutil import utcnow
from tests.conftest import PASSWORD


def fail(client, email, address="10.0.0.1"):
    return client.post(
        "/logga-in", data={"email": email, "password": "fel-lösenord"}, environ_base={"REMOTE_ADDR": address}
    )


def add_failures(email, address, count, ago=timedelta(minutes=1)):
    at = utcnow() - ago
    db.session.add_all(LoginAttempt(email=email, address=address, attempted_at=at) for _ in range(count))
    db.session.commit()


def test_four_failures_are_not_slowed(client, users):
    for _ in range(4):
        assert "Fel e-postadress eller lösenord." in fail(client, users["staff"].email).get_data(as_text=True)
    response = client.post(
        "/logga-in",
        data={"email": users["staff"].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert response.status_code == 302


def test_after_five_failures_the_next_attempt_must_wait(client, users):
    for _ in range(5):
        fail(client, users["staff"].email)
    response = client.post(
        "/logga-in",
        data={"email": users["staff"].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Flera misslyckade försök i rad. Vänta" in html and "sekunder" in html
    assert client.get("/").status_code == 302, "a correct password during the pause does not log in"


def test_the_pause_passes(app, users):
    email = users["staff"].email
    add_failures(email, "10.0.0.1", 5, ago=timedelta(seconds=3))
    assert throttle.check(email, "10.0.0.9") is None, "a 2 s pause after the fifth failure has passed"
    add_failures(email, "10.0.0.1", 1, ago=timedelta(seconds=0))
    refusal = throttle.check(email, "10.0.0.9")
    assert refusal is not None and not refusal.locked and 1 <= refusal.wait_seconds <= 4


def test_ten_failures_lock_the_account_for_the_window(client, users):
    add_failures(users["staff"].email, "10.0.0.2", 10, ago=timedelta(minutes=5))
    response = client.post(
        "/logga-in",
        data={"email": users["staff"].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.3"},
    )
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "För många misslyckade inloggningsförsök. Försök igen om 10 minuter." in html


def test_lock_is_per_address_too(client, users):
    add_failures("someone@else.example", "10.0.0.4", 10)
    response = client.post(
        "/logga-in",
        data={"email": users["admin"].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.4"},
    )
    assert response.status_code == 429
    other = client.post(
        "/logga-in",
        data={"email": users["admin"].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.5"},
    )
    assert other.status_code == 302


def test_old_failures_do_not_count(app, users):
    add_failures(users["staff"].email, "10.0.0.6", 12, ago=timedelta(minutes=16))
    assert throttle.check(users["staff"].email, "10.0.0.6") is None


def test_success_clears_the_accounts_failures(client, users):
    for _ in range(3):
        fail(client, users["staff"].email)
    client.post(
        "/logga-in",
        data={"email": users["staff"].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    remaining = db.session.execute(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == users["staff"].email)
    ).scalar_one()
    assert remaining == 0


@pytest.mark.parametrize("count, expected_delay", [(5, 2), (6, 4), (8, 16), (9, 32)])
def test_delay_doubles(app, users, count, expected_delay):
    add_failures(users["staff"].email, "10.0.0.7", count, ago=timedelta(seconds=0))
    refusal = throttle.check(users["staff"].email, "10.0.0.8")
    assert refusal is not None and not refusal.locked
    assert expected_delay - 1 <= refusal.wait_seconds <= expected_delay
