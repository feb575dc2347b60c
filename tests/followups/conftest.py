"""A real SMTP server on 127.0.0.1 for the tests that deliver follow-up mail."""

from __future__ import annotations

from tests.support.smtpserver import smtp  # noqa: F401  (the fixture)
