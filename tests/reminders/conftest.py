"""A real SMTP server on 127.0.0.1 for the tests that deliver what the sweep queued."""

from __future__ import annotations

import pytest

from tests.support.smtpserver import SmtpServer


@pytest.fixture
def smtp(app):
    server = SmtpServer().start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_SECURITY="none")
    try:
        yield server
    finally:
        server.stop()
