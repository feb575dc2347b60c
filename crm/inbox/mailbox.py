"""The organizer mailbox over IMAP (imap-tools): connect by the settings (TLS, STARTTLS or plain; a password,
or XOAUTH2 with Microsoft 365's client-credentials flow), read what has not been handled, and mark what has.

A handled message is moved to IMAP_DONE_FOLDER, or, without one, flagged \\Seen with the keyword
PROCESSED. A message with no calendar part is a person's mail: it only gets the keyword SKIPPED (it stays
unread), so it is not read again.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import requests
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

PROCESSED = "$CrmBehandlat"
SKIPPED = "$CrmIgnorerat"
TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"  # noqa: S105 - an address
SCOPE = "https://outlook.office365.com/.default"


class MailboxNotConfigured(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    security: str  # ssl, starttls or none
    username: str
    password: str
    folder: str
    done_folder: str | None
    timeout: int
    tenant: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    @classmethod
    def from_config(cls, config) -> Settings | None:
        """None when no mailbox is configured (IMAP_HOST unset): the job then does nothing."""
        if not config.get("IMAP_HOST"):
            return None
        return cls(
            host=config["IMAP_HOST"], port=int(config.get("IMAP_PORT") or 993),
            security=config.get("IMAP_SECURITY") or "ssl", username=config.get("IMAP_USERNAME") or "",
            password=config.get("IMAP_PASSWORD") or "", folder=config.get("IMAP_FOLDER") or "INBOX",
            done_folder=config.get("IMAP_DONE_FOLDER") or None, timeout=int(config.get("IMAP_TIMEOUT") or 60),
            tenant=config.get("IMAP_OAUTH_TENANT") or None, client_id=config.get("IMAP_OAUTH_CLIENT_ID") or None,
            client_secret=config.get("IMAP_OAUTH_CLIENT_SECRET") or None,
        )


def oauth_token(settings: Settings) -> str:
    """An app-only access token for IMAP at Exchange Online (client credentials)."""
    response = requests.post(
        TOKEN_URL.format(tenant=settings.tenant),
        data={"grant_type": "client_credentials", "client_id": settings.client_id,
              "client_secret": settings.client_secret, "scope": SCOPE},
        timeout=settings.timeout,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def connect(settings: Settings) -> BaseMailBox:
    if settings.security == "ssl":
        mailbox: BaseMailBox = MailBox(settings.host, settings.port, timeout=settings.timeout,
                                       ssl_context=ssl.create_default_context())
    elif settings.security == "starttls":
        mailbox = MailBoxStartTls(settings.host, settings.port, timeout=settings.timeout,
                                  ssl_context=ssl.create_default_context())
    else:
        mailbox = MailBoxUnencrypted(settings.host, settings.port, timeout=settings.timeout)
    if settings.tenant:
        return mailbox.xoauth2(settings.username, oauth_token(settings), initial_folder=settings.folder)
    return mailbox.login(settings.username, settings.password, initial_folder=settings.folder)


def unhandled(mailbox: BaseMailBox) -> Iterator[tuple[str, bytes]]:
    """(IMAP uid, raw message) of each message not yet handled, oldest first, without marking it read."""
    for uid in mailbox.uids(f"UNKEYWORD {PROCESSED} UNKEYWORD {SKIPPED}"):
        status, data = mailbox.client.uid("FETCH", uid, "(BODY.PEEK[])")
        if status != "OK":
            continue
        raw = next((item[1] for item in data if isinstance(item, tuple) and len(item) == 2), None)
        if raw:
            yield uid, raw


def mark_handled(mailbox: BaseMailBox, settings: Settings, uid: str) -> None:
    mailbox.flag(uid, ["\\Seen", PROCESSED], True)
    if settings.done_folder:
        if not mailbox.folder.exists(settings.done_folder):
            mailbox.folder.create(settings.done_folder)
        mailbox.move(uid, settings.done_folder)


def mark_skipped(mailbox: BaseMailBox, uid: str) -> None:
    mailbox.flag(uid, [SKIPPED], True)
