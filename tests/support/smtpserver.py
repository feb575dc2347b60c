"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail tests, with answers the test can script.

`SmtpServer().start()` listens on a free port; `messages` holds what was accepted (envelope and the
parsed message). Scripted failures: `rcpt_answers[address] = "550 ..."` refuses one recipient;
`data_answers` is a list of answers to give to the next DATA commands, in order ("451 ...", then the
usual "250 OK" once the list is empty); `data_delay` holds back each answer to the message body.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=default_policy)  # type: ignore[return-value]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.server.rcpt_answers.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.data_delay:  # a relay slow to answer the end of the message (scanning it, say)
            await asyncio.sleep(self.server.data_delay)
        with self.server.lock:
            if self.server.data_answers:
                return self.server.data_answers.pop(0)
            self.server.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                                                 or envelope.content))
        return "250 OK"


class SmtpServer:
    def __init__(
        self,
        tls_context: ssl.SSLContext | None = None,
        require_starttls: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`tls_context` offers STARTTLS; `ssl_context` makes the port speak TLS from the first byte (465-style)."""
        self.messages: list[Received] = []
        self.rcpt_answers: dict[str, str] = {}
        self.data_answers: list[str] = []
        self.data_delay = 0.0  # seconds before answering the end of each message
        self.lock = threading.Lock()
        kwargs: dict = {}
        if tls_context is not None:
            kwargs = {"tls_context": tls_context, "require_starttls": require_starttls}
        if ssl_context is not None:
            kwargs["ssl_context"] = ssl_context
        self._controller_options = kwargs
        self._new_controller()

    def _new_controller(self) -> None:
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **self._controller_options)

    def start(self) -> SmtpServer:
        """Listen; if another process (the other database's test pass) took the port meanwhile, on another."""
        for attempt in range(5):
            try:
                self.controller.start()
                return self
            except OSError:  # aiosmtpd's bind failed: the port was taken between probing and binding
                if attempt == 4:
                    raise
                self._new_controller()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class SilentServer:
    """Accepts TCP connections and never says a word: the client must give up on its timeout."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        self.socket.settimeout(0.2)
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(connection)

    def __enter__(self) -> SilentServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join()
        for connection in self.connections:
            connection.close()
        self.socket.close()


@pytest.fixture
def smtp(app):
    """A running aiosmtpd server that the app delivers to (import it into a conftest to use it)."""
    with SmtpServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5, MAIL_SECURITY="none",
                          MAIL_CA_FILE=None)
        yield server
