"""At most one message in doubt: marked before it is sent, recorded as soon as the server answers,
claims fenced by their worker, and nothing claimed waits out a lease it does not need."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import update

from crm import worker as workers
from crm.extensions import db
from crm.mail.delivery import claim, deliver_due, in_doubt_seconds, recover
from crm.mail.models import OutboxMessage, OutboxStatus
from tests.mail.helpers import NOW, by_key, queue_message


@pytest.fixture(autouse=True)
def own_worker():
    yield
    workers.reset()


def _queue(count: int, prefix: str) -> None:
    for n in range(count):
        queue_message(f"{prefix}:{n}")
    db.session.commit()


def _left_in_doubt(key: str, holder: str) -> None:
    """The row as a process leaves it that died after handing the message to the server."""
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.dedupe_key == key)
        .values(status=OutboxStatus.SENDING, claimed_by=holder, attempts=1,
                lease_until=NOW + timedelta(seconds=in_doubt_seconds(current_app.config)))
    )
    db.session.commit()


def test_a_message_in_doubt_waits_out_its_lease_then_goes_again_with_the_same_message_id(app, smtp):
    _queue(1, "doubt")
    _left_in_doubt("doubt:0", "a process that died")
    lease = timedelta(seconds=in_doubt_seconds(app.config))

    recover("the next scheduler", predecessor_gone=False, now=NOW)
    assert deliver_due(NOW).claimed == 0, "whoever held it may still be waiting for the relay's answer"
    assert deliver_due(NOW + lease - timedelta(seconds=1)).claimed == 0

    report = deliver_due(NOW + lease + timedelta(seconds=1))

    message = by_key("doubt:0")
    assert report.sent == 1
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    [received] = smtp.messages
    assert received.message["Message-ID"] == message.message_id


@pytest.mark.parametrize("proof", ["predecessor gone", "relay drops repeats"])
def test_a_message_in_doubt_goes_at_once_when_nothing_can_double_it(app, smtp, proof):
    app.config["MAIL_RELAY_DEDUPLICATES"] = proof == "relay drops repeats"
    _queue(1, "doubt")
    _left_in_doubt("doubt:0", "a process that died")

    released, hurried = recover("the next scheduler", predecessor_gone=proof == "predecessor gone", now=NOW)

    assert (released, hurried) == (0, 1)
    assert deliver_due(NOW).sent == 1
    assert len(smtp.messages) == 1


def test_a_new_scheduler_gives_back_what_an_earlier_one_claimed_at_once(app, smtp):
    _queue(3, "claimed")
    assert len(claim(NOW, 10, holder="a process that died")) == 3

    released, hurried = recover("the next scheduler", predecessor_gone=False, now=NOW)

    assert (released, hurried) == (3, 0)
    messages = [by_key(f"claimed:{n}") for n in range(3)]
    assert {(m.status, m.attempts, m.claimed_by, m.lease_until) for m in messages} == {
        (OutboxStatus.PENDING, 0, None, None)}
    assert deliver_due(NOW).sent == 3, "not after the lease: at once"


def test_a_worker_that_loses_its_lock_mid_batch_sends_nothing_more_and_gives_the_rest_back_at_once(app, smtp):
    _queue(6, "lock")
    workers.install(workers.Worker(lock_held=lambda: len(smtp.messages) < 2))

    report = deliver_due(NOW)

    assert (report.claimed, report.sent) == (6, 2)
    assert len(smtp.messages) == 2
    rest = [by_key(f"lock:{n}") for n in range(2, 6)]
    assert {(m.status, m.attempts, m.claimed_by, m.next_attempt_at) for m in rest} == {
        (OutboxStatus.PENDING, 0, None, NOW)}


def test_a_claim_another_worker_took_over_is_neither_sent_nor_recorded_by_the_first(app, smtp):
    _queue(4, "fence")
    taken_over = []

    def lock_held() -> bool:
        # The first worker believes it still holds the lock, but after its first message a new scheduler
        # has started, given back this worker's claims and claimed them itself.
        if len(smtp.messages) == 1 and not taken_over:
            recover("the new holder", predecessor_gone=False, now=NOW)
            taken_over.extend(claim(NOW, 10, holder="the new holder"))
        return True

    workers.install(workers.Worker(lock_held=lock_held))
    report = deliver_due(NOW)

    assert report.sent == 1 and len(smtp.messages) == 1
    assert len(taken_over) == 3
    assert {by_key(f"fence:{n}").claimed_by for n in range(1, 4)} == {"the new holder"}

    assert {by_key(f"fence:{n}").attempts for n in range(1, 4)} == {0}, "the first worker never attempted them"

    # The new holder dies too; the next one gives its claims back and sends them, each once.
    recover("the third holder", predecessor_gone=True, now=NOW)
    assert deliver_due(NOW).sent == 3
    ids = [received.message["Message-ID"] for received in smtp.messages]
    assert len(ids) == len(set(ids)) == 4, "each message delivered once"


def test_a_stop_mid_batch_finishes_the_message_in_flight_and_gives_the_rest_back(app, smtp):
    _queue(5, "stop")
    smtp.data_delay = 0.5
    checks = []

    def lock_held() -> bool:
        checks.append(1)
        if len(checks) == 3:  # the check before the second message: the stop comes while it is in flight
            threading.Timer(0.1, worker.request_stop, args=(20,)).start()
        return True

    worker = workers.install(workers.Worker(lock_held=lock_held))
    report = deliver_due(NOW)

    sent = [n for n in range(5) if by_key(f"stop:{n}").status == OutboxStatus.SENT]
    assert report.sent == len(sent) == len(smtp.messages) == 2, "the one in flight when the stop came is finished"
    assert {(by_key(f"stop:{n}").status, by_key(f"stop:{n}").attempts) for n in range(2, 5)} == {
        (OutboxStatus.PENDING, 0)}


def test_a_slow_answer_to_the_message_body_is_waited_for_within_the_final_timeout(app, smtp):
    app.config.update(MAIL_TIMEOUT=1, MAIL_FINAL_TIMEOUT=10)
    smtp.data_delay = 2.5  # longer than the command timeout, as a relay that scans the message
    _queue(1, "slow")

    assert deliver_due(NOW).sent == 1
    assert by_key("slow:0").status == OutboxStatus.SENT


def test_no_answer_to_the_message_body_within_the_final_timeout_is_a_temporary_failure(app, smtp):
    app.config.update(MAIL_TIMEOUT=1, MAIL_FINAL_TIMEOUT=1)
    smtp.data_delay = 6
    _queue(1, "silent")

    report = deliver_due(NOW)

    message = by_key("silent:0")
    assert report.retried == 1
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert "Inget svar" in message.last_error


def test_a_stop_cuts_the_wait_for_a_slow_relay_to_its_deadline(app, smtp):
    app.config.update(MAIL_TIMEOUT=5, MAIL_FINAL_TIMEOUT=600)
    smtp.data_delay = 30
    _queue(1, "deadline")
    worker = workers.install(workers.Worker())
    threading.Timer(0.5, worker.request_stop, args=(1.5,)).start()

    started = time.monotonic()
    report = deliver_due(NOW)
    waited = time.monotonic() - started

    assert waited < 10, f"a stop must not wait out the relay ({waited:.1f} s)"
    assert report.retried == 1
    assert by_key("deadline:0").status == OutboxStatus.PENDING
