"""Mail fixtures: a real SMTP server on 127.0.0.1, and .eml files kept out of the instance folder."""

from __future__ import annotations

import pytest

from tests.support.mailrig import mail_databases  # noqa: F401  (the fixture)
from tests.support.smtpserver import smtp  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def mail_files(app, tmp_path):
    """Where the file transport writes when a test has no SMTP server configured."""
    directory = tmp_path / "outbox"
    app.config["MAIL_FILE_DIR"] = str(directory)
    return directory

