"""How a message leaves: an SMTP relay, or (in development) an .eml file per message.

A transport is opened once per delivery run. `ready()` connects if needed and says whether the relay
can be used at all; a relay that cannot be reached is the connection's problem, not the message's, so
the run stops there without charging any message an attempt. `send()` hands one message over and
says what the server answered.

SMTP timeouts are set per phase: MAIL_CONNECT_TIMEOUT for connecting, TLS and login, MAIL_TIMEOUT for
the answer to each command, and MAIL_FINAL_TIMEOUT for the answer after the message body, where a relay
may scan the message first (RFC 5321, 4.5.3.2.6, suggests 10 minutes). That last wait also ends at the
worker's stop deadline (crm.worker), so SIGTERM never waits out a slow relay.
"""

from __future__ import annotations

import contextlib
import re
import select
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask import current_app

from crm.mail.compose import parse_address
from crm.mail.models import OutboxStatus
from crm.worker import Worker


@dataclass(frozen=True)
class Outcome:
    status: OutboxStatus
    error: str | None = None
    refused: str | None = None


class Sendable(Protocol):
    id: int
    kind: str
    raw: bytes

    @property
    def recipient_list(self) -> list[str]: ...


def eml_name(message: Sendable) -> str:
    """The file the file transport writes a message to (the same name when it is written again)."""
    return f"{message.id:06d}-{re.sub(r'[^A-Za-z0-9_-]', '_', message.kind)}.eml"


def file_directory(app_config) -> Path:
    return Path(app_config.get("MAIL_FILE_DIR") or Path(current_app.instance_path) / "outbox")


class FileTransport:
    """Development: each message becomes an .eml file that any mail program opens."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def ready(self) -> str | None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return f"{type(error).__name__}: {error}"
        return None

    def send(self, message: Sendable) -> Outcome:
        path = self.directory / eml_name(message)
        temporary = path.with_suffix(".tmp")
        try:
            temporary.write_bytes(message.raw)
            temporary.replace(path)
        except OSError as error:
            return Outcome(OutboxStatus.PENDING, f"{type(error).__name__}: {error}")
        return Outcome(OutboxStatus.SENT)

    def close(self) -> None:
        pass


class FinalReplyTimeout(TimeoutError):
    """The relay did not answer the end of the message in time (it may or may not have taken it)."""


class _PhasedTimeouts:
    """smtplib with one wait of its own: the answer after the message body, bounded by `final_deadline()`."""

    final_deadline: Callable[[], float]
    _in_data = False
    _awaiting_final = False

    def data(self, msg):
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False
            self._awaiting_final = False

    def send(self, s):
        super().send(s)
        if self._in_data and isinstance(s, bytes):  # the body (commands are str): its answer comes next
            self._awaiting_final = True

    def getreply(self):
        if self._awaiting_final:
            self._awaiting_final = False
            self._wait_for_answer()
        return super().getreply()

    def _wait_for_answer(self) -> None:
        """Wait in short slices until the socket has something to read or the deadline has passed."""
        while True:
            if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
                return
            remaining = self.final_deadline() - time.monotonic()
            if remaining <= 0:
                raise FinalReplyTimeout("Inget svar från e-postservern efter meddelandet i tid")
            readable, _, _ = select.select([self.sock], [], [], min(remaining, 0.5))
            if readable:
                return


class _Smtp(_PhasedTimeouts, smtplib.SMTP):
    pass


class _SmtpSsl(_PhasedTimeouts, smtplib.SMTP_SSL):
    pass


class SmtpTransport:
    """One SMTP connection for a delivery run, opened by `ready()` and reopened after a failure."""

    def __init__(self, config, worker: Worker) -> None:
        self.config = config
        self.worker = worker
        self.connection: smtplib.SMTP | None = None
        self._final_by = 0.0

    def _final_deadline(self) -> float:
        """When to stop waiting for the answer after the body: its own timeout, or sooner once a stop is asked."""
        stop = self.worker.stop_deadline
        return self._final_by if stop is None else min(self._final_by, stop)

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.get("MAIL_CA_FILE") or None)

    def _connect(self) -> smtplib.SMTP:
        host, port = self.config["MAIL_SERVER"], int(self.config["MAIL_PORT"])
        timeout = self.config["MAIL_CONNECT_TIMEOUT"]
        security = self.config["MAIL_SECURITY"]
        if security == "tls":
            connection: smtplib.SMTP = _SmtpSsl(host, port, timeout=timeout, context=self._tls_context())
        else:
            connection = _Smtp(host, port, timeout=timeout)
        try:
            if security == "starttls":
                connection.starttls(context=self._tls_context())
                connection.ehlo()
            if self.config.get("MAIL_USERNAME"):
                connection.login(self.config["MAIL_USERNAME"], self.config.get("MAIL_PASSWORD") or "")
        except BaseException:
            connection.close()
            raise
        connection.timeout = self.config["MAIL_TIMEOUT"]
        connection.sock.settimeout(self.config["MAIL_TIMEOUT"])
        connection.final_deadline = self._final_deadline
        return connection

    def ready(self) -> str | None:
        """None when a connection is open; else why the relay cannot be used (down, TLS, login)."""
        if self.connection is None:
            try:
                self.connection = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                return f"Ingen förbindelse med e-postservern: {_explain(error)}"
        return None

    def send(self, message: Sendable) -> Outcome:
        if self.connection is None:
            problem = self.ready()
            if problem:
                return Outcome(OutboxStatus.PENDING, problem)
        # MAIL FROM, RCPT and DATA are answered within MAIL_TIMEOUT each; this bounds the body's answer.
        self._final_by = time.monotonic() + self.config["MAIL_TIMEOUT"] * 2 + self.config["MAIL_FINAL_TIMEOUT"]
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
    if isinstance(error, FinalReplyTimeout):
        return str(error)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_decode(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _decode(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(refused: dict) -> str:
    return "; ".join(f"{address}: {code} {_decode(text)}" for address, (code, text) in sorted(refused.items()))


def transport_for(app_config, worker: Worker):
    if app_config.get("MAIL_SERVER"):
        return SmtpTransport(app_config, worker)
    return FileTransport(file_directory(app_config))
