"""Login throttling: failures per client and per address-and-client pair slow only that client, with delays
that grow; nothing a stranger does keeps a user out. Counts live in the database, so every worker sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm import create_app
from crm.auth import passwords, throttle
from crm.auth.models import LoginAttempt
from crm.extensions import db
from crm.timeutil import utcnow
from tests.conftest import PASSWORD

PROXY = "10.1.0.1"  # the TLS proxy in front of the app: every request reaches the app from it
CLIENT_A = "198.51.100.7"
CLIENT_B = "203.0.113.5"


def post_login(client, email, password, address="10.0.0.1", forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/logga-in", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def fail(client, email, address="10.0.0.1"):
    return post_login(client, email, "fel-lösenord", address)


def add_failures(email, address, count, ago=timedelta(minutes=1)):
    at = utcnow() - ago
    db.session.add_all(LoginAttempt(email=email, address=address, attempted_at=at) for _ in range(count))
    db.session.commit()


def test_four_failures_are_not_slowed(client, users):
    for _ in range(4):
        assert "Fel e-postadress eller lösenord." in fail(client, users["staff"].email).get_data(as_text=True)
    assert post_login(client, users["staff"].email, PASSWORD).status_code == 302


def test_after_five_failures_the_next_attempt_from_that_client_must_wait(client, users):
    for _ in range(5):
        fail(client, users["staff"].email)
    response = post_login(client, users["staff"].email, PASSWORD)
    assert response.status_code == 429
    assert response.headers["Retry-After"] in ("1", "2")
    html = response.get_data(as_text=True)
    assert "Flera misslyckade försök i rad. Vänta" in html and "sekunder" in html
    assert client.get("/").status_code == 302, "a correct password during the pause does not log in"


def test_the_issue_scenario_behind_one_trusted_proxy(app, client, users):
    """10 failed logins for made-up addresses and 10 wrong passwords for the admin, all from client A behind
    the proxy: the admin logs in from client B at once, while client A must wait."""
    app.config["TRUSTED_PROXIES"] = 1
    admin = users["admin"].email
    for number in range(10):
        assert post_login(client, f"finns-inte-{number}@kommun.example", "gissning-123", PROXY,
                          forwarded_for=CLIENT_A).status_code in (200, 429)
    for _ in range(10):
        assert post_login(client, admin, "fel-lösenord", PROXY, forwarded_for=CLIENT_A).status_code in (200, 429)

    from_a = post_login(client, admin, PASSWORD, PROXY, forwarded_for=CLIENT_A)
    assert from_a.status_code == 429 and int(from_a.headers["Retry-After"]) >= 1

    from_b = post_login(client, admin, PASSWORD, PROXY, forwarded_for=CLIENT_B)
    assert from_b.status_code == 302, from_b.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_without_trusted_proxies_a_forwarded_for_header_is_not_believed(app, client, users):
    """A client cannot pick a fresh address for each guess by writing its own X-Forwarded-For."""
    for number in range(5):
        post_login(client, users["staff"].email, "fel-lösenord", PROXY, forwarded_for=f"192.0.2.{number}")
    assert post_login(client, users["staff"].email, PASSWORD, PROXY, forwarded_for="192.0.2.99").status_code == 429


def test_only_the_trusted_proxys_entry_counts(app, client, users):
    """With one trusted proxy, the address it appended is the client; what the client wrote before it is not."""
    app.config["TRUSTED_PROXIES"] = 1
    for number in range(5):
        post_login(client, users["staff"].email, "fel-lösenord", PROXY, forwarded_for=f"192.0.2.{number}, {CLIENT_A}")
    assert post_login(client, users["staff"].email, PASSWORD, PROXY, forwarded_for=CLIENT_A).status_code == 429
    assert post_login(client, users["staff"].email, PASSWORD, PROXY, forwarded_for=CLIENT_B).status_code == 302


def test_failures_for_an_account_never_slow_its_user_on_another_client(client, users):
    add_failures(users["staff"].email, "10.0.0.2", 30, ago=timedelta(seconds=0))
    assert post_login(client, users["staff"].email, PASSWORD, "10.0.0.3").status_code == 302


def test_failures_for_unknown_addresses_never_touch_a_known_account(app, users):
    for number in range(10):
        add_failures(f"finns-inte-{number}@kommun.example", "10.0.0.4", 1, ago=timedelta(seconds=0))
    assert throttle.check(users["admin"].email, "10.0.0.4") is None
    assert throttle.check(users["admin"].email, "10.0.0.5") is None


def test_many_failures_from_one_client_slow_that_client_only(client, users):
    for number in range(20):
        add_failures(f"gissning-{number}@kommun.example", "10.0.0.6", 1, ago=timedelta(seconds=0))
    assert post_login(client, users["admin"].email, PASSWORD, "10.0.0.6").status_code == 429
    assert post_login(client, users["admin"].email, PASSWORD, "10.0.0.7").status_code == 302


def test_a_known_and_an_unknown_address_are_slowed_alike(app, users):
    """The pause does not tell an attacker which addresses have accounts."""
    add_failures(users["staff"].email, "10.0.0.8", 6, ago=timedelta(seconds=0))
    add_failures("finns-inte@kommun.example", "10.0.0.9", 6, ago=timedelta(seconds=0))
    known = throttle.check(users["staff"].email, "10.0.0.8")
    unknown = throttle.check("finns-inte@kommun.example", "10.0.0.9")
    assert known is not None and unknown is not None and known.wait_seconds == unknown.wait_seconds


def test_the_pause_passes(app, users):
    email = users["staff"].email
    add_failures(email, "10.0.0.1", 5, ago=timedelta(seconds=3))
    assert throttle.check(email, "10.0.0.1") is None, "a 2 s pause after the fifth failure has passed"
    add_failures(email, "10.0.0.1", 1, ago=timedelta(seconds=0))
    refusal = throttle.check(email, "10.0.0.1")
    assert refusal is not None and 1 <= refusal.wait_seconds <= 4


@pytest.mark.parametrize("count, expected_delay", [(5, 2), (6, 4), (8, 16), (9, 32), (14, 900), (40, 900)])
def test_delay_doubles_up_to_the_longest(app, users, count, expected_delay):
    add_failures(users["staff"].email, "10.0.0.7", count, ago=timedelta(seconds=0))
    refusal = throttle.check(users["staff"].email, "10.0.0.7")
    assert refusal is not None
    assert expected_delay - 1 <= refusal.wait_seconds <= expected_delay


def test_there_is_no_lock_once_the_longest_delay_has_passed(client, users):
    add_failures(users["staff"].email, "10.0.0.1", 30, ago=timedelta(minutes=16))
    assert post_login(client, users["staff"].email, PASSWORD).status_code == 302


def test_a_long_wait_is_said_in_minutes(client, users):
    add_failures(users["staff"].email, "10.0.0.1", 12, ago=timedelta(seconds=0))
    response = post_login(client, users["staff"].email, PASSWORD)
    assert response.status_code == 429 and response.headers["Retry-After"] in ("255", "256")
    assert "För många misslyckade inloggningsförsök. Försök igen om 5 minuter." in response.get_data(as_text=True)


def test_old_failures_do_not_count(app, users):
    add_failures(users["staff"].email, "10.0.0.6", 12, ago=timedelta(minutes=61))
    assert throttle.check(users["staff"].email, "10.0.0.6") is None


def test_success_clears_the_pairs_failures_but_not_the_clients(client, users):
    for _ in range(3):
        fail(client, users["staff"].email)
    for number in range(3):
        fail(client, f"annan-{number}@kommun.example")
    assert post_login(client, users["staff"].email, PASSWORD).status_code == 302
    rows = db.session.execute(select(LoginAttempt.email)).scalars().all()
    assert users["staff"].email not in rows
    assert len(rows) == 3, "logging in to one's own account does not wipe the client's other failures"


def test_attempts_sent_at_once_see_each_other(app, users):
    """Each attempt is written before its password is checked, so a burst cannot slip past the count."""
    email = users["staff"].email
    started = [throttle.begin(email, "10.0.0.10") for _ in range(5)]  # five in flight, none answered yet
    assert len(started) == 5
    with pytest.raises(throttle.Throttled):
        throttle.begin(email, "10.0.0.10")
    refused_rows = db.session.execute(select(func.count()).select_from(LoginAttempt)).scalar_one()
    assert refused_rows == 5, "a refused attempt is not counted"


def test_the_counts_are_shared_by_every_worker(app, users):
    """Another app on the same database (another gunicorn worker) sees the same failures."""
    add_failures(users["staff"].email, "10.0.0.11", 5, ago=timedelta(seconds=0))
    other = create_app("testing")
    with other.app_context():
        assert throttle.check(users["staff"].email, "10.0.0.11") is not None
        db.session.remove()
        db.engine.dispose()


def test_unknown_and_known_addresses_both_check_a_password_hash(client, users, monkeypatch):
    checked = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda *args: checked.append(args[0]) or real(*args))

    post_login(client, "finns-inte@kommun.example", "fel-lösenord", "10.0.0.12")
    post_login(client, users["staff"].email, "fel-lösenord", "10.0.0.12")
    users["organizer"].active = False
    db.session.commit()
    post_login(client, users["organizer"].email, PASSWORD, "10.0.0.12")
    assert len(checked) == 3
    assert checked[1] == users["staff"].password_hash
    assert checked[0].split("$")[0] == users["staff"].password_hash.split("$")[0], "the dummy hash costs the same"
