from __future__ import annotations

from tests.support.imapserver import dovecot_server, imap  # noqa: F401  (the fixtures)
from tests.support.smtpserver import smtp  # noqa: F401  (the fixture)
