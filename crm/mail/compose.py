"""Build a message once, at queuing: text and HTML parts, and optionally an iMIP calendar part.

MIME shapes (RFC 6047 for the calendar one):
- plain: multipart/alternative → (text/plain, text/html)
- calendar: multipart/mixed → [multipart/alternative → (text/plain, text/html, text/calendar; method=M)]
  + the same calendar bytes as an application/ics attachment.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr


@dataclass(frozen=True)
class CalendarPart:
    """An iTIP calendar object to send with the message (bytes with CRLF, as crm.calendar.ical makes them)."""

    data: bytes
    method: str  # REQUEST, CANCEL...
    filename: str = "inbjudan.ics"


def message_id_for(dedupe_key: str, sender: str) -> str:
    """A Message-ID that is the same every time the same message is made: a resend is recognisably a resend."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _address(value: str) -> Address | str:
    name, email = parseaddr(value)
    if not email or "@" not in email:
        raise ValueError(f"not an e-mail address: {value!r}")
    username, _, domain = email.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def build_message(
    *,
    sender: str,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    date: datetime,
    calendar: CalendarPart | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """The whole message. Header injection is impossible: the header registry refuses CR and LF in values."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(sender)
    message["To"] = [_address(address) for address in to]
    if reply_to:
        message["Reply-To"] = _address(reply_to)
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "sv"

    if calendar is None:
        message.set_content(text, subtype="plain", charset="utf-8")
        message.add_alternative(html, subtype="html", charset="utf-8")
        return message

    alternative = EmailMessage(policy=SMTP)
    alternative.set_content(text, subtype="plain", charset="utf-8")
    alternative.add_alternative(html, subtype="html", charset="utf-8")
    alternative.add_alternative(
        calendar.data, maintype="text", subtype="calendar", params={"method": calendar.method, "charset": "UTF-8"}
    )
    message.make_mixed()
    message.attach(alternative)
    message.add_attachment(calendar.data, maintype="application", subtype="ics", filename=calendar.filename)
    return message
