"""The Utkorg pages: admins only, the status filter, a message's page, sending again and the test mail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.mail.compose import CalendarPart
from crm.mail.delivery import deliver_due, eml_name
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.timeutil import utcnow
from tests.conftest import login
from tests.mail.helpers import NOW, add_message, by_key, outbox_count, queue_message
from tests.support.queries import page_statements

URL = "/admin/utkorg/"


@pytest.mark.parametrize("role", ["staff", "organizer", "politician"])
def test_only_admins_reach_the_outbox(client, login_as, role):
    message_id = add_message("roles:1")
    login_as(role)

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{message_id}").status_code == 403
    assert client.post(f"{URL}{message_id}/skicka-igen").status_code == 403
    assert client.post(f"{URL}testmejl").status_code == 403
    assert 'href="/admin/utkorg/"' not in client.get("/").get_data(as_text=True)
    assert outbox_count() == 1


def test_a_visitor_is_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in")


def test_the_list_shows_the_newest_first_in_swedish(client, login_as):
    add_message("list:old", subject="Äldst", now=NOW - timedelta(days=2), status=OutboxStatus.SENT, attempts=1)
    add_message("list:dead", subject="Gav upp-meddelandet", now=NOW - timedelta(days=1), status=OutboxStatus.DEAD,
                attempts=8, last_error="451 4.3.0 Try again later")
    add_message("list:new", subject="Nyast", now=NOW, to="Bo Ek <bo@example.se>")
    login_as("admin")

    page = client.get(URL).get_data(as_text=True)

    assert page.index("Nyast") < page.index("Gav upp-meddelandet") < page.index("Äldst")
    assert "bo@example.se" in page
    assert "451 4.3.0 Try again later" in page
    assert '<span class="badge outbox-badge-dead">Gav upp</span>' in page
    assert '<span class="badge outbox-badge-sent">Skickat</span>' in page
    assert '<span class="badge outbox-badge-pending">Väntar</span>' in page
    assert "Alla (3)" in page and "Gav upp (1)" in page and "Nekat (0)" in page
    assert 'href="/admin/utkorg/"' in page, "the navigation links to Utkorg"


def test_the_status_filter_shows_one_status(client, login_as):
    add_message("filter:dead", subject="Det döda", status=OutboxStatus.DEAD)
    add_message("filter:sent", subject="Det skickade", status=OutboxStatus.SENT)
    login_as("admin")

    dead = client.get(f"{URL}?status=dead").get_data(as_text=True)
    assert "Det döda" in dead and "Det skickade" not in dead
    assert re.search(r'<a href="/admin/utkorg/\?status=dead" aria-current="page">Gav upp \(1\)</a>', dead)

    everything = client.get(f"{URL}?status=okand").get_data(as_text=True)
    assert "Det döda" in everything and "Det skickade" in everything


def test_a_message_page_shows_headers_text_and_what_went_wrong(app, client, login_as):
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    queue_message("page:1", subject="Inbjudan: frukostmöte på Järna Värdshus",
                  to=["Åsa Öberg <asa@example.se>", "bo@example.se"],
                  text="Välkommen på frukostmöte!\nSvara gärna senast fredag.\n", calendar=CalendarPart(ics, "REQUEST"))
    message = by_key("page:1")
    message.status = OutboxStatus.PARTIAL
    message.attempts = 1
    message.refused = "bo@example.se: 550 5.1.1 No such user"
    message.last_error = "Vissa mottagare nekades"
    db.session.commit()
    login_as("admin")

    page = client.get(f"{URL}{message.id}").get_data(as_text=True)

    assert "Inbjudan: frukostmöte på Järna Värdshus" in page, "the subject is shown decoded"
    assert "Välkommen på frukostmöte!\nSvara gärna senast fredag." in page
    assert message.message_id.replace("<", "&lt;").replace(">", "&gt;") in page
    assert "Åsa Öberg &lt;asa@example.se&gt;" in page
    assert "bo@example.se: 550 5.1.1 No such user" in page
    assert "Delvis skickat" in page
    assert "METHOD:REQUEST" in page and "inbjudan.ics" in page
    assert eml_name(message) in page, "without an SMTP server the .eml file is named"
    assert "Skicka igen" not in page, "a partial message is not sent again"

    app.config["MAIL_SERVER"] = "smtp.kommun.example"
    assert eml_name(message) not in client.get(f"{URL}{message.id}").get_data(as_text=True)


def test_a_missing_message_is_a_404(client, login_as):
    login_as("admin")
    assert client.get(f"{URL}999999").status_code == 404
    assert client.post(f"{URL}999999/skicka-igen").status_code == 404


@pytest.mark.parametrize("status", [OutboxStatus.DEAD, OutboxStatus.FAILED])
def test_sending_again_puts_the_message_back_in_the_queue_and_is_audited(client, login_as, status):
    message_id = add_message("again:1", status=status, attempts=8, last_error="451 4.3.0 Try again later",
                             refused="asa@example.se: 550 No such user")
    admin = login_as("admin")
    before = utcnow()

    response = client.post(f"{URL}{message_id}/skicka-igen", follow_redirects=True)

    assert "Meddelandet ligger i kön igen" in response.get_data(as_text=True)
    message = by_key("again:1")
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 0
    assert message.last_error is None and message.refused is None
    assert before - timedelta(seconds=1) <= message.next_attempt_at <= utcnow()
    [entry] = db.session.execute(select(AuditEntry).where(AuditEntry.action == "retry")).scalars()
    assert (entry.entity, entry.entity_id, entry.user_id) == ("outbox_message", str(message_id), admin.id)
    assert entry.changes["previous_status"] == status.value


def test_a_sent_message_cannot_be_sent_again(client, login_as):
    sent_at = NOW + timedelta(minutes=1)
    message_id = add_message("again:sent", status=OutboxStatus.SENT, attempts=1, sent_at=sent_at)
    login_as("admin")

    response = client.post(f"{URL}{message_id}/skicka-igen", follow_redirects=True)

    assert "Bara meddelanden som nekats" in response.get_data(as_text=True)
    message = by_key("again:sent")
    assert (message.status, message.attempts, message.sent_at) == (OutboxStatus.SENT, 1, sent_at)
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "retry")).first() is None


def test_sending_again_needs_the_form_token(app, client, login_as):
    message_id = add_message("again:csrf", status=OutboxStatus.DEAD, attempts=8)
    login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True

    assert client.post(f"{URL}{message_id}/skicka-igen").status_code == 400
    assert by_key("again:csrf").status == OutboxStatus.DEAD

    page = client.get(f"{URL}{message_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"{URL}{message_id}/skicka-igen", data={"csrf_token": token}).status_code == 302
    assert by_key("again:csrf").status == OutboxStatus.PENDING


def test_the_test_mail_goes_to_the_admin_and_arrives(app, client, login_as, smtp):
    admin = login_as("admin")

    response = client.post(f"{URL}testmejl")

    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"{URL}{message.id}"
    assert (message.kind, message.recipients, message.user_id) == ("test", admin.email, admin.id)
    assert message.status == OutboxStatus.PENDING
    page = client.get(f"{URL}{message.id}").get_data(as_text=True)
    assert "Testmejl från Näringslivsenheten" in page

    client.post(f"{URL}testmejl")
    assert outbox_count() == 2, "each press queues a new test mail"

    deliver_due(utcnow())

    assert {m.rcpt_tos[0] for m in smtp.messages} == {admin.email}
    assert smtp.messages[0].message["Subject"] == "Testmejl från Näringslivsenheten"
    assert "127.0.0.1" in smtp.messages[0].message.get_body(("plain",)).get_content()


def test_a_line_break_in_the_admins_name_adds_no_header(client, factories, smtp):
    admin = factories.user(role="admin", name="Ada Admin\r\nBcc: evil@example.com")
    db.session.commit()
    login(client, admin)

    client.post(f"{URL}testmejl")
    deliver_due(utcnow())

    [received] = smtp.messages
    assert received.rcpt_tos == [admin.email]
    assert received.message["Bcc"] is None
    assert received.message["To"].addresses[0].display_name == "Ada Admin Bcc: evil@example.com"


def test_the_list_sends_as_many_statements_for_30_messages_as_for_3(client, login_as):
    statuses = list(OutboxStatus)

    def grow(count: int, start: int) -> None:
        for n in range(start, start + count):
            add_message(f"count:{n}", status=statuses[n % len(statuses)], attempts=n % 4,
                        now=NOW + timedelta(minutes=n), last_error="451 4.3.0 Try again later" if n % 2 else None)

    login_as("admin")
    urls = [URL, f"{URL}?status=pending", f"{URL}?status=dead"]
    grow(3, 0)
    few = {url: page_statements(client, url) for url in urls}

    grow(27, 3)

    assert outbox_count() == 30
    assert {url: page_statements(client, url) for url in urls} == few
    assert page_statements(client, f"{URL}?page=2") == few[URL]
