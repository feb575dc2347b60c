"""Utkorg: "Skicka om alla som gav upp" puts every dead message of a range of Stockholm days back in the queue,
leaves every other message alone, and leaves one audit entry that the audit log reads well."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.mail.models import OutboxStatus
from crm.timeutil import stockholm_today, utcnow
from tests.mail.helpers import add_message, by_key
from tests.support.forms import error_next_to

URL = "/admin/utkorg/skicka-om-doda"
RANGE = {"date_from": "2026-11-16", "date_to": "2026-11-22"}  # winter time: Stockholm is UTC+1
ERROR = "451 4.3.0 Try again later"


def dead(key: str, created: datetime, **columns) -> int:
    columns.setdefault("status", OutboxStatus.DEAD)
    return add_message(key, now=created, attempts=8, last_error=ERROR, **columns)


def state(key: str) -> tuple:
    message = by_key(key)
    return message.status, message.attempts, message.last_error, message.refused, message.next_attempt_at


def audit_entries() -> list[AuditEntry]:
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == "retry_dead")).scalars())


def test_every_dead_message_of_the_stockholm_days_goes_back_in_the_queue(client, login_as):
    first = dead("first", datetime(2026, 11, 15, 23, 0, tzinfo=UTC), refused="bo@example.se: 550 No such user")
    last = dead("last", datetime(2026, 11, 22, 22, 59, 59, tzinfo=UTC))
    dead("before", datetime(2026, 11, 15, 22, 59, 59, tzinfo=UTC))  # 23:59:59 on the 15th in Stockholm
    dead("after", datetime(2026, 11, 22, 23, 0, tzinfo=UTC))  # midnight starting the 23rd in Stockholm
    untouched = {key: state(key) for key in ("before", "after")}
    admin = login_as("admin")
    before = utcnow()

    response = client.post(URL, data=RANGE, follow_redirects=True)

    assert response.status_code == 200
    assert "2 meddelanden ligger i kön igen." in response.get_data(as_text=True)
    for key in ("first", "last"):
        status, attempts, last_error, refused, next_attempt_at = state(key)
        assert (status, attempts, last_error, refused) == (OutboxStatus.PENDING, 0, None, None), key
        assert before - timedelta(seconds=1) <= next_attempt_at <= utcnow(), key
    assert {key: state(key) for key in ("before", "after")} == untouched

    [entry] = audit_entries()
    assert (entry.entity, entry.user_id, entry.actor) == ("outbox", admin.id, admin.name)
    assert entry.changes == {"from": "2026-11-16", "to": "2026-11-22", "count": 2, "ids": sorted([first, last])}


@pytest.mark.parametrize("status", [OutboxStatus.FAILED, OutboxStatus.PENDING, OutboxStatus.SENDING,
                                    OutboxStatus.SENT, OutboxStatus.PARTIAL])
def test_other_statuses_in_the_range_are_left_alone(client, login_as, status):
    dead("other", datetime(2026, 11, 18, 9, 0, tzinfo=UTC), status=status)
    dead("dead", datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    kept = state("other")
    login_as("admin")

    client.post(URL, data=RANGE)

    assert state("other") == kept
    assert state("dead")[0] == OutboxStatus.PENDING


def test_one_day_is_a_range_and_none_found_says_so_without_an_audit_entry(client, login_as):
    dead("sunday", datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    kept = state("sunday")
    login_as("admin")

    response = client.post(URL, data={"date_from": "2026-11-21", "date_to": "2026-11-21"}, follow_redirects=True)

    assert "Inga meddelanden som gett upp skapades 2026-11-21–2026-11-21" in response.get_data(as_text=True)
    assert state("sunday") == kept and audit_entries() == []

    response = client.post(URL, data={"date_from": "2026-11-22", "date_to": "2026-11-22"}, follow_redirects=True)
    assert "1 meddelande ligger i kön igen." in response.get_data(as_text=True)
    assert state("sunday")[0] == OutboxStatus.PENDING


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"date_from": "2026-11-22", "date_to": "2026-11-16"}, "date_to", "Till kan inte vara före Från."),
    ({"date_from": "2026-13-01", "date_to": "2026-11-22"}, "date_from", "Skriv datumet som ÅÅÅÅ-MM-DD"),
    ({"date_from": "2026-11-16", "date_to": "i går"}, "date_to", "Skriv datumet som ÅÅÅÅ-MM-DD"),
    ({"date_from": "", "date_to": "2026-11-22"}, "date_from", "Skriv första dagen."),
])
def test_bad_dates_get_a_message_next_to_the_field_and_change_nothing(client, login_as, fields, field_id, message):
    dead("dead", datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    kept = state("dead")
    login_as("admin")

    response = client.post(URL, data=fields)

    html = response.get_data(as_text=True)
    assert response.status_code == 200, "the Utkorg page again, as every form of the project answers bad input"
    assert message in error_next_to(html, field_id)
    assert 'aria-invalid="true"' in html.split(f'id="{field_id}-error"')[0].rsplit("<div", 1)[1]
    assert "Något behöver rättas" in html and "<h1>Utkorg</h1>" in html
    assert state("dead") == kept and audit_entries() == []


def test_the_form_offers_the_last_seven_stockholm_days(client, login_as):
    login_as("admin")
    html = client.get("/admin/utkorg/").get_data(as_text=True)

    today = stockholm_today()
    assert f'action="{URL}"' in html
    assert re.search(rf'id="date_from"[^>]*value="{today - timedelta(days=6)}"', html)
    assert re.search(rf'id="date_to"[^>]*value="{today}"', html)
    assert '<label for="date_from">Från</label>' in html and '<label for="date_to">Till</label>' in html


@pytest.mark.parametrize("role", ["staff", "organizer", "politician"])
def test_only_admins_may_send_the_dead_again(client, login_as, role):
    dead("dead", datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    kept = state("dead")
    login_as(role)

    assert client.post(URL, data=RANGE).status_code == 403
    assert state("dead") == kept and audit_entries() == []


def test_a_visitor_is_sent_to_the_login(client):
    dead("dead", datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    response = client.post(URL, data=RANGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in")
    assert state("dead")[0] == OutboxStatus.DEAD


def test_the_form_needs_its_token(app, client, login_as):
    dead("dead", datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True

    assert client.post(URL, data=RANGE).status_code == 400
    assert state("dead")[0] == OutboxStatus.DEAD

    page = client.get("/admin/utkorg/").get_data(as_text=True)
    form = page.split(f'action="{URL}"', 1)[1].split("</form>", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert client.post(URL, data={**RANGE, "csrf_token": token}).status_code == 302
    assert state("dead")[0] == OutboxStatus.PENDING


def test_the_audit_log_tells_who_sent_which_days_again(client, login_as):
    ids = [dead(f"dead:{n}", datetime(2026, 11, 17 + n, 9, 0, tzinfo=UTC)) for n in range(3)]
    admin = login_as("admin")
    client.post(URL, data=RANGE)

    html = client.get("/admin/logg/").get_data(as_text=True)

    before, after = html.split("<td>Alla som gav upp skickade igen</td>", 1)
    row = before.rsplit("<tr>", 1)[1] + after.split("</tr>", 1)[0]
    assert admin.name in row
    assert '<span class="audit-type">Utkorg</span> <span class="muted">#2026-11-16–2026-11-22</span>' in row
    assert "(borttagen)" not in row
    assert "<dt>count</dt><dd>3</dd>" in row and f"<dt>ids</dt><dd>{ids}</dd>" in row
    choices = html.split('id="entity"', 1)[1].split("</select>", 1)[0]
    assert '<option value="outbox">Utkorg</option>' in choices
    assert '<option value="retry_dead">Alla som gav upp skickade igen</option>' in html
