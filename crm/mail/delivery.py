"""Deliver what the outbox holds: claim exclusively, send, and record what the server said.

Delivery is at least once. A claim sets status `sending` with a lease; a row whose lease ran out
(the process died mid-send) is claimed again and sent with the same bytes, so the same Message-ID.
Temporary failures (4xx, connection errors, timeouts) are retried with growing pauses up to
MAIL_MAX_ATTEMPTS and then the message is `dead`; a permanent refusal (5xx) makes it `failed`.
A server that takes the message for some recipients and refuses others makes it `partial`: it is
not sent again, since the others already have it. When the server cannot be reached at all, the rest
of the run's messages are put back for a later attempt instead of each waiting out its own timeout.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, or_, select, update

from crm.extensions import db
from crm.mail.compose import parse_address
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.timeutil import utcnow


@dataclass(frozen=True)
class Outcome:
    status: OutboxStatus
    error: str | None = None
    refused: str | None = None
    # The transport could not be used at all (no connection, TLS or login failed): not about this message.
    unavailable: bool = False


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    partial: int = 0
    retried: int = 0
    failed: int = 0
    dead: int = 0

    def count(self, status: OutboxStatus, retry: bool) -> None:
        if retry:
            self.retried += 1
        elif status == OutboxStatus.DEAD:
            self.dead += 1
        else:
            setattr(self, status.value, getattr(self, status.value) + 1)


# --- Claiming ----------------------------------------------------------------------------------


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
    )


def claim(now: datetime, limit: int) -> list[int]:
    """Take up to `limit` due messages for this run and commit the claim; no other run gets them."""
    lease_until = now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    claimed: list[int] = []
    if db.session.get_bind(OutboxMessage).dialect.name == "postgresql":
        ids = db.session.scalars(
            select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if ids:
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                .values(status=OutboxStatus.SENDING, lease_until=lease_until, attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            )
        claimed = list(ids)
    else:
        candidates = db.session.scalars(
            select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
        ).all()
        for message_id in candidates:
            # A conditional update: the rowcount says whether this run won the message.
            result = db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id, _due(now))
                .values(status=OutboxStatus.SENDING, lease_until=lease_until, attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                claimed.append(message_id)
    db.session.commit()
    return claimed


# --- Transports --------------------------------------------------------------------------------


def eml_name(message: OutboxMessage) -> str:
    """The file the file transport writes a message to (the same name when it is written again)."""
    return f"{message.id:06d}-{re.sub(r'[^A-Za-z0-9_-]', '_', message.kind)}.eml"


def file_directory(app_config) -> Path:
    return Path(app_config.get("MAIL_FILE_DIR") or Path(current_app.instance_path) / "outbox")


class FileTransport:
    """Development: each message becomes an .eml file that any mail program opens."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: OutboxMessage) -> Outcome:
        path = self.directory / eml_name(message)
        temporary = path.with_suffix(".tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(message.raw)
            temporary.replace(path)
        except OSError as error:
            return Outcome(OutboxStatus.PENDING, f"{type(error).__name__}: {error}", unavailable=True)
        return Outcome(OutboxStatus.SENT)

    def close(self) -> None:
        pass


class SmtpTransport:
    """One SMTP connection for a delivery run, opened on first use and reopened after a failure."""

    def __init__(self, config) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.get("MAIL_CA_FILE") or None)

    def _connect(self) -> smtplib.SMTP:
        host, port = self.config["MAIL_SERVER"], int(self.config["MAIL_PORT"])
        timeout = self.config["MAIL_TIMEOUT"]
        security = self.config["MAIL_SECURITY"]
        if security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=self._tls_context())
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if security == "starttls":
                connection.starttls(context=self._tls_context())
                connection.ehlo()
            if self.config.get("MAIL_USERNAME"):
                connection.login(self.config["MAIL_USERNAME"], self.config.get("MAIL_PASSWORD") or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: OutboxMessage) -> Outcome:
        if self.connection is None:
            try:
                self.connection = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                # Not this message's fault (down, TLS, login): retried like any temporary failure.
                return Outcome(OutboxStatus.PENDING, f"Ingen förbindelse med e-postservern: {_explain(error)}",
                               unavailable=True)
        try:
            sender = parse_address(self.config["MAIL_FROM"]).addr_spec
            refused = self.connection.sendmail(sender, message.recipient_list, message.raw)
        except smtplib.SMTPRecipientsRefused as error:
            # Every recipient refused: permanent if every answer was permanent.
            self._reset()
            answers = _describe(error.recipients)
            if all(code >= 500 for code, _ in error.recipients.values()):
                return Outcome(OutboxStatus.FAILED, "Mottagaren nekades", refused=answers)
            return Outcome(OutboxStatus.PENDING, f"Mottagaren nekades tillfälligt: {answers}")
        except smtplib.SMTPResponseException as error:
            self._drop()
            text = f"{error.smtp_code} {_decode(error.smtp_error)}"
            if error.smtp_code >= 500:
                return Outcome(OutboxStatus.FAILED, text)
            return Outcome(OutboxStatus.PENDING, text)
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return Outcome(OutboxStatus.PENDING, _explain(error))
        if refused:
            return Outcome(OutboxStatus.PARTIAL, "Vissa mottagare nekades", refused=_describe(refused))
        return Outcome(OutboxStatus.SENT)

    def _reset(self) -> None:
        try:
            if self.connection is not None:
                self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self._drop()


def _explain(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_decode(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _decode(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(refused: dict) -> str:
    return "; ".join(f"{address}: {code} {_decode(text)}" for address, (code, text) in sorted(refused.items()))


def transport_for(app_config):
    if app_config.get("MAIL_SERVER"):
        return SmtpTransport(app_config)
    return FileTransport(file_directory(app_config))


@contextmanager
def _transport() -> Iterator:
    transport = transport_for(current_app.config)
    try:
        yield transport
    finally:
        transport.close()


# --- Recording ---------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... failed attempt, capped."""
    config = current_app.config
    seconds = config["MAIL_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_SECONDS"]))


def _record(message_id: int, outcome: Outcome, now: datetime, report: DeliveryReport) -> None:
    message = db.session.get(OutboxMessage, message_id)
    retry = False
    if outcome.status == OutboxStatus.PENDING:
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.status = OutboxStatus.DEAD
        else:
            message.status = OutboxStatus.PENDING
            message.next_attempt_at = now + retry_delay(message.attempts)
            retry = True
    else:
        message.status = outcome.status
        if outcome.status in (OutboxStatus.SENT, OutboxStatus.PARTIAL):
            message.sent_at = now
    message.lease_until = None
    message.last_error = outcome.error
    message.refused = outcome.refused
    db.session.commit()
    report.count(message.status, retry)


def deliver_due(now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """Claim due messages and send them; commits after each so a crash loses at most one outcome."""
    now = now or utcnow()
    report = DeliveryReport()
    ids = claim(now, limit or current_app.config["MAIL_BATCH_SIZE"])
    report.claimed = len(ids)
    if not ids:
        return report
    unavailable: Outcome | None = None
    with _transport() as transport:
        for message_id in ids:
            if unavailable is None:
                outcome = transport.send(db.session.get(OutboxMessage, message_id))
                if outcome.unavailable:
                    unavailable = outcome
            else:
                # The server could not be reached a moment ago: the rest waits for the next run.
                outcome = unavailable
            _record(message_id, outcome, now, report)
    return report


def retry(message: OutboxMessage, now: datetime | None = None) -> None:
    """An admin sends a dead or failed message again: it starts over with fresh attempts."""
    if message.status not in (OutboxStatus.DEAD, OutboxStatus.FAILED):
        raise ValueError("only dead or failed messages are retried")
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    message.last_error = None
    message.refused = None
