"""Calendar fixtures: a real SMTP server on 127.0.0.1 and .eml files kept out of the instance folder."""

from __future__ import annotations

import pytest

from tests.support.smtpserver import smtp  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def mail_files(app, tmp_path):
    app.config["MAIL_FILE_DIR"] = str(tmp_path / "outbox")

