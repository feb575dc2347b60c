"""Deliver what the outbox holds: claim exclusively, send, and record what the server said.

Delivery is at least once. A claim sets status `sending` with a lease; a row whose lease ran out
(the process died mid-send) is claimed again and sent with the same bytes, so the same Message-ID.
Temporary failures (4xx, connection errors, timeouts) are retried with growing pauses up to
MAIL_MAX_ATTEMPTS and then the message is `dead`; a permanent refusal (5xx) makes it `failed`.
A server that takes the message for some recipients and refuses others makes it `partial`: it is
not sent again, since the others already have it. When the server cannot be reached at all, the rest
of the run's messages are put back for a later attempt instead of each waiting out its own timeout.

A run costs a handful of statements, not a few per message: one claims the batch, one reads the
claimed messages, and outcomes are written a few dozen at a time in one executemany UPDATE each.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, bindparam, func, or_, select, update

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
    """Take up to `limit` due messages for this run and commit the claim; no other run gets them.

    One conditional UPDATE of the first due ids, RETURNING those it took. On PostgreSQL the ids are
    chosen FOR UPDATE SKIP LOCKED in a materialised CTE, so two runs at once take disjoint messages
    without waiting (as a plain IN subquery the planner may scan it again per row, each scan skipping
    the rows just updated, and claim far more than `limit`). SQLite runs one writing statement at a
    time; the condition is checked again on each row either way.
    """
    lease_until = now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    candidates = select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    if db.session.get_bind(OutboxMessage).dialect.name == "postgresql":
        picked = candidates.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        chosen = OutboxMessage.id == picked.c.id
    else:
        chosen = OutboxMessage.id.in_(candidates.scalar_subquery())
    claimed = db.session.scalars(
        update(OutboxMessage).where(chosen, _due(now))
        .values(status=OutboxStatus.SENDING, lease_until=lease_until, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


@dataclass(frozen=True)
class ClaimedMessage:
    """What sending needs of a claimed outbox row, read once for the whole run."""

    id: int
    kind: str
    recipients: str
    raw: bytes
    attempts: int

    @property
    def recipient_list(self) -> list[str]:
        return [address for address in self.recipients.split(",") if address]


def _load(ids: list[int]) -> list[ClaimedMessage]:
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipients, OutboxMessage.raw,
               OutboxMessage.attempts).where(OutboxMessage.id.in_(ids))
    ).all()
    db.session.commit()  # end the read: the claim is ours, nothing is held while sending
    by_id = {row.id: ClaimedMessage(*row) for row in rows}
    return [by_id[message_id] for message_id in ids if message_id in by_id]


# --- Transports --------------------------------------------------------------------------------


def eml_name(message: OutboxMessage | ClaimedMessage) -> str:
    """The file the file transport writes a message to (the same name when it is written again)."""
    return f"{message.id:06d}-{re.sub(r'[^A-Za-z0-9_-]', '_', message.kind)}.eml"


def file_directory(app_config) -> Path:
    return Path(app_config.get("MAIL_FILE_DIR") or Path(current_app.instance_path) / "outbox")


class FileTransport:
    """Development: each message becomes an .eml file that any mail program opens."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: OutboxMessage | ClaimedMessage) -> Outcome:
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

    def send(self, message: OutboxMessage | ClaimedMessage) -> Outcome:
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


# Outcomes are written (and committed) at least this often: a crash sends at most these again.
RECORD_EVERY_MESSAGES = 25
RECORD_EVERY_SECONDS = 2.0

_table = OutboxMessage.__table__
_RECORD = (
    update(_table).where(_table.c.id == bindparam("row_id"))
    .values(
        status=bindparam("new_status", type_=_table.c.status.type),
        # NULL keeps the column as it is: only a retry moves next_attempt_at, only a delivery sets sent_at.
        next_attempt_at=func.coalesce(bindparam("retry_at", type_=_table.c.next_attempt_at.type),
                                      _table.c.next_attempt_at),
        sent_at=func.coalesce(bindparam("delivered_at", type_=_table.c.sent_at.type), _table.c.sent_at),
        lease_until=None,
        last_error=bindparam("error", type_=_table.c.last_error.type),
        refused=bindparam("refused_by", type_=_table.c.refused.type),
    )
)


def _result(message: ClaimedMessage, outcome: Outcome, now: datetime, report: DeliveryReport) -> dict:
    """The row's new values for this outcome (what to write), counted in the report."""
    retry = False
    retry_at = delivered_at = None
    if outcome.status == OutboxStatus.PENDING:
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            status = OutboxStatus.DEAD
        else:
            status = OutboxStatus.PENDING
            retry_at = now + retry_delay(message.attempts)
            retry = True
    else:
        status = outcome.status
        if outcome.status in (OutboxStatus.SENT, OutboxStatus.PARTIAL):
            delivered_at = now
    report.count(status, retry)
    return {"row_id": message.id, "new_status": status, "retry_at": retry_at, "delivered_at": delivered_at,
            "error": outcome.error, "refused_by": outcome.refused}


def _write(results: list[dict]) -> None:
    if results:
        db.session.execute(_RECORD, results)
        db.session.commit()
        results.clear()


def deliver_due(now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """Claim due messages and send them; outcomes are committed every few dozen messages or seconds,
    so a crash sends at most those again (with the same bytes and Message-ID)."""
    now = now or utcnow()
    report = DeliveryReport()
    ids = claim(now, limit or current_app.config["MAIL_BATCH_SIZE"])
    report.claimed = len(ids)
    if not ids:
        return report
    messages = _load(ids)
    unavailable: Outcome | None = None
    results: list[dict] = []
    written = time.monotonic()
    try:
        with _transport() as transport:
            for message in messages:
                if unavailable is None:
                    outcome = transport.send(message)
                    if outcome.unavailable:
                        unavailable = outcome
                else:
                    # The server could not be reached a moment ago: the rest waits for the next run.
                    outcome = unavailable
                results.append(_result(message, outcome, now, report))
                if len(results) >= RECORD_EVERY_MESSAGES or time.monotonic() - written >= RECORD_EVERY_SECONDS:
                    _write(results)
                    written = time.monotonic()
    finally:
        _write(results)
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
