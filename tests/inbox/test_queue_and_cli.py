"""The queue an organizer works through, and `flask invitations apply-reply FILE.eml`."""

from __future__ import annotations

from sqlalchemy import select

from crm.events.models import Answer, Invitation
from crm.extensions import db
from crm.inbox.models import InboxStatus, KnownAddress
from tests.conftest import login
from tests.inbox.helpers import WHEN, ics, inbox_rows, reply_mail


def invited(factories, email="bo.berg@foretag.example"):
    event = factories.event(start=WHEN, capacity=10)
    invitation = factories.invitation(event, factories.contact(name="Bo Berg", email=email))
    db.session.commit()
    return event, invitation


def apply_reply(app, tmp_path, raw: bytes):
    path = tmp_path / "svar.eml"
    path.write_bytes(raw)
    return app.test_cli_runner().invoke(args=["invitations", "apply-reply", str(path)])


def test_the_command_applies_a_message_and_says_what_it_matched(app, factories, tmp_path):
    event, invitation = invited(factories)
    raw = reply_mail(ics("REPLY", event.uid, attendee=invitation.email, partstat="DECLINED"), sender=invitation.email)

    result = apply_reply(app, tmp_path, raw)

    assert result.exit_code == 0, result.output
    assert f"Matchat mot inbjudan {invitation.id} (Bo Berg) via attendee." in result.output
    assert "inget svar → nej" in result.output and "Svaret ändrades." in result.output
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).answer == Answer.NO

    again = apply_reply(app, tmp_path, raw)
    assert "redan behandlat" in again.output and "Inget svar ändrades." in again.output
    assert len(inbox_rows()) == 1


def test_the_command_leaves_an_unknown_uid_in_the_queue(app, factories, tmp_path):
    invited(factories)
    result = apply_reply(app, tmp_path, reply_mail(ics("REPLY", "okand@annan-crm", attendee="x@example.com"),
                                                   sender="x@example.com"))
    assert "Ingen träff har UID okand@annan-crm" in result.output
    [row] = inbox_rows()
    assert row.status == InboxStatus.UNMATCHED and row.event_id is None


def test_a_calendar_part_attached_rather_than_inline_is_found(app, factories, tmp_path):
    event, invitation = invited(factories)
    apply_reply(app, tmp_path, reply_mail(ics("REPLY", event.uid, attendee=invitation.email, partstat="TENTATIVE"),
                                          sender=invitation.email, as_attachment=True))
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).answer == Answer.MAYBE


def test_choosing_no_invitation_gets_a_message_next_to_the_field(app, client, users, factories, tmp_path):
    event, invitation = invited(factories)
    apply_reply(app, tmp_path, reply_mail(ics("REPLY", event.uid, attendee="okand@gmail.example"),
                                          sender="okand@gmail.example"))
    [row] = inbox_rows()
    login(client, users["staff"])

    response = client.post(f"/inkorg/{row.id}/koppla", data={f"m{row.id}-invitation": "", f"m{row.id}-answer": "ja"})
    assert response.status_code == 200
    assert "Välj vilken inbjudan svaret gäller." in response.get_data(as_text=True)
    other = factories.invitation(factories.event(start=WHEN), factories.contact())
    db.session.commit()
    response = client.post(f"/inkorg/{row.id}/koppla", data={f"m{row.id}-invitation": other.id,
                                                            f"m{row.id}-answer": "ja"})
    assert "Välj en av de listade inbjudningarna." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Invitation, other.id).answer is None
    assert inbox_rows()[0].status == InboxStatus.UNMATCHED


def test_a_dismissed_message_leaves_the_queue_and_changes_nothing(app, client, users, factories, tmp_path):
    event, invitation = invited(factories)
    apply_reply(app, tmp_path, reply_mail(ics("REPLY", event.uid, attendee="reklam@example.com"),
                                          sender="reklam@example.com"))
    [row] = inbox_rows()
    login(client, users["organizer"])

    assert client.post(f"/inkorg/{row.id}/avfarda").status_code == 302

    [row] = inbox_rows()
    assert row.status == InboxStatus.DISMISSED and row.handled_by_id == users["organizer"].id
    assert "reklam@example.com" not in client.get("/inkorg/").get_data(as_text=True)
    assert db.session.scalar(select(KnownAddress)) is None
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).answer is None


def test_the_mailbox_settings_come_from_the_environment(monkeypatch):
    import pytest

    from config import Config

    monkeypatch.setenv("CRM_IMAP_HOST", "outlook.office365.com")
    monkeypatch.setenv("CRM_IMAP_PORT", "993")
    monkeypatch.setenv("CRM_IMAP_DONE_FOLDER", "Behandlat")
    monkeypatch.setenv("CRM_IMAP_OAUTH_TENANT", "kommun.onmicrosoft.com")
    monkeypatch.setenv("CRM_SCHEDULER_INBOX_SECONDS", "30")
    settings = Config.load()
    assert (settings["IMAP_HOST"], settings["IMAP_PORT"], settings["IMAP_SECURITY"], settings["IMAP_FOLDER"]) == (
        "outlook.office365.com", 993, "ssl", "INBOX")
    assert (settings["IMAP_DONE_FOLDER"], settings["IMAP_OAUTH_TENANT"], settings["SCHEDULER_INBOX_SECONDS"]) == (
        "Behandlat", "kommun.onmicrosoft.com", 30)
    monkeypatch.setenv("CRM_IMAP_SECURITY", "tls")
    with pytest.raises(RuntimeError, match="CRM_IMAP_SECURITY must be ssl, starttls or none"):
        Config.load()


def test_without_a_mailbox_the_job_reads_nothing(app):
    from crm.inbox.tasks import poll_organizer_mailbox

    app.config["IMAP_HOST"] = None
    assert poll_organizer_mailbox() == 0
