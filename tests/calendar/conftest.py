"""Calendar fixtures: a real SMTP server on 127.0.0.1 and .eml files kept out of the instance folder."""

from __future__ import annotations

import pytest

from tests.support.smtpserver import SmtpServer


@pytest.fixture(autouse=True)
def mail_files(app, tmp_path):
    app.config["MAIL_FILE_DIR"] = str(tmp_path / "outbox")


@pytest.fixture
def smtp(app):
    """A running aiosmtpd server that the app delivers to."""
    with SmtpServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5, MAIL_SECURITY="none")
        yield server
