"""Delivery against a real SMTP server: what each answer makes of a message, and what is sent again."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

from crm.extensions import db
from crm.mail.delivery import claim, deliver_due, eml_name, retry_delay
from crm.mail.models import OutboxStatus
from tests.mail.helpers import NOW, SUBJECT, by_key, queue_message, use_server
from tests.support.smtpserver import SilentServer, free_port


def test_a_temporary_refusal_is_retried_later_with_the_same_message_id(app, smtp):
    smtp.data_answers = ["451 4.3.0 Try again later"]
    queue_message("retry:451")
    db.session.commit()

    first = deliver_due(NOW)

    message = by_key("retry:451")
    assert (first.claimed, first.retried, first.sent) == (1, 1, 0)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at > NOW
    assert message.last_error.startswith("451")
    assert smtp.messages == []
    assert deliver_due(message.next_attempt_at - timedelta(seconds=1)).claimed == 0, "not before its time"

    second = deliver_due(message.next_attempt_at)

    message = by_key("retry:451")
    assert second.sent == 1
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2
    assert message.last_error is None
    assert message.sent_at is not None
    [received] = smtp.messages
    assert received.message["Message-ID"] == message.message_id


def test_a_permanent_refusal_fails_and_is_not_retried(app, smtp):
    smtp.data_answers = ["550 5.7.1 Message rejected"]
    queue_message("fail:550")
    db.session.commit()

    report = deliver_due(NOW)

    message = by_key("fail:550")
    assert report.failed == 1
    assert message.status == OutboxStatus.FAILED
    assert message.last_error.startswith("550")
    assert deliver_due(NOW + timedelta(days=2)).claimed == 0
    assert smtp.messages == []


def test_a_refused_recipient_makes_the_message_partial_and_it_is_never_sent_again(app, smtp):
    smtp.rcpt_answers["borta@example.se"] = "550 5.1.1 No such user"
    queue_message("partial:1", to=["Åsa Öberg <asa@example.se>", "Borta Bengtsson <borta@example.se>"])
    db.session.commit()

    report = deliver_due(NOW)

    message = by_key("partial:1")
    assert report.partial == 1
    assert message.status == OutboxStatus.PARTIAL
    assert "borta@example.se" in message.refused and "550" in message.refused
    assert "asa@example.se" not in message.refused
    [received] = smtp.messages
    assert received.rcpt_tos == ["asa@example.se"]
    assert deliver_due(NOW + timedelta(days=2)).claimed == 0
    assert len(smtp.messages) == 1


def test_every_recipient_refused_for_now_is_retried(app, smtp):
    smtp.rcpt_answers["asa@example.se"] = "450 4.2.1 Mailbox busy"
    smtp.rcpt_answers["bo@example.se"] = "451 4.3.0 Try later"
    queue_message("refused:4xx", to=["asa@example.se", "bo@example.se"])
    db.session.commit()

    deliver_due(NOW)

    message = by_key("refused:4xx")
    assert message.status == OutboxStatus.PENDING
    assert message.next_attempt_at > NOW
    assert "450" in message.last_error and "451" in message.last_error
    smtp.rcpt_answers.clear()

    deliver_due(message.next_attempt_at)

    assert by_key("refused:4xx").status == OutboxStatus.SENT
    [received] = smtp.messages
    assert received.rcpt_tos == ["asa@example.se", "bo@example.se"]


def test_every_recipient_refused_for_good_fails(app, smtp):
    smtp.rcpt_answers["asa@example.se"] = "550 5.1.1 No such user"
    queue_message("refused:5xx", to="asa@example.se")
    db.session.commit()

    deliver_due(NOW)

    message = by_key("refused:5xx")
    assert message.status == OutboxStatus.FAILED
    assert "asa@example.se" in message.refused
    assert deliver_due(NOW + timedelta(days=2)).claimed == 0


def test_a_server_that_never_answers_is_an_outage_that_charges_no_message_and_kills_none(app):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    queue_message("silent:1")
    queue_message("silent:2")
    db.session.commit()
    with SilentServer() as silent:
        use_server(app, silent.port, timeout=1)

        first = deliver_due(NOW)

        messages = [by_key("silent:1"), by_key("silent:2")]
        assert (first.claimed, first.postponed, first.retried) == (2, 2, 0)
        assert [m.status for m in messages] == [OutboxStatus.PENDING] * 2
        assert all(m.next_attempt_at == NOW + retry_delay(1) and m.attempts == 0 for m in messages)
        assert "e-postservern" in messages[0].last_error
        assert len(silent.connections) == 1, "one connection attempt for the run, not one per message"

        later = deliver_due(NOW + timedelta(days=2))

        assert later.postponed == 2 and later.dead == 0
        assert [by_key(f"silent:{n}").attempts for n in (1, 2)] == [0, 0]


def test_a_closed_port_is_tried_again_later_without_charging_an_attempt(app):
    use_server(app, free_port(), timeout=2)
    queue_message("closed:1")
    db.session.commit()

    report = deliver_due(NOW)

    message = by_key("closed:1")
    assert (report.postponed, report.retried) == (1, 0)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 0
    assert message.claimed_by is None and message.lease_until is None
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at == NOW + retry_delay(1)


def test_the_pause_between_attempts_grows_and_is_capped(app):
    app.config.update(MAIL_RETRY_BASE_SECONDS=60, MAIL_RETRY_MAX_SECONDS=3600)
    assert [retry_delay(n).total_seconds() for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_run_that_died_after_claiming_gives_its_messages_back_after_the_lease_unattempted(app, smtp):
    queue_message("lease:1")
    db.session.commit()
    queued_id = by_key("lease:1").message_id
    lease = timedelta(seconds=app.config["MAIL_LEASE_SECONDS"])

    [claimed] = claim(NOW, 10, holder="a process that dies")
    # The delivering process dies here: nothing is sent, nothing recorded.
    db.session.remove()

    assert by_key("lease:1").status == OutboxStatus.CLAIMED
    assert deliver_due(NOW + lease - timedelta(seconds=1)).claimed == 0, "the lease still holds"

    report = deliver_due(NOW + lease + timedelta(seconds=1))

    message = by_key("lease:1")
    assert report.sent == 1
    assert message.id == claimed
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1, "the dead run never attempted it"
    assert (message.lease_until, message.claimed_by) == (None, None)
    [received] = smtp.messages
    assert received.message["Message-ID"] == queued_id


def test_without_a_server_each_message_becomes_an_eml_file(app, mail_files):
    app.config["MAIL_SERVER"] = None
    queue_message("file:1")
    db.session.commit()

    assert deliver_due(NOW).sent == 1

    message = by_key("file:1")
    assert message.status == OutboxStatus.SENT
    path = mail_files / eml_name(message)
    assert sorted(mail_files.iterdir()) == [path], "no temporary file is left behind"
    parsed = message_from_bytes(path.read_bytes(), policy=default_policy)
    assert parsed["Message-ID"] == message.message_id
    assert parsed["Subject"] == SUBJECT
    assert parsed.get_content_type() == "multipart/alternative"


def test_a_file_that_cannot_be_written_is_retried(app, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the folder should be")
    app.config.update(MAIL_SERVER=None, MAIL_FILE_DIR=str(blocker))
    queue_message("file:blocked")
    db.session.commit()

    deliver_due(NOW)

    message = by_key("file:blocked")
    assert message.status == OutboxStatus.PENDING
    assert message.last_error
