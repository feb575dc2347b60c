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
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses


@dataclass(frozen=True)
class CalendarPart:
    """An iTIP calendar object to send with the message (bytes with CRLF, as crm.calendar.ical makes them)."""

    data: bytes
    method: str  # REQUEST, CANCEL...
    filename: str = "inbjudan.ics"


def message_id_for(dedupe_key: str, sender: str) -> str:
    """A Message-ID that is the same every time the same message is made: a resend is recognisably a resend."""
    domain = parse_address(sender).domain
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def parse_address(value: str) -> Address:
    """One address, "Name <user@example.se>" or bare: anything else (two addresses, a line break) is refused.

    A value with a line break is never "repaired": a lenient parser would pick some other address out of
    it ("Evil", CR LF, "Bcc: x@y <a@b>" reads as x@y), and the message would go to someone else.
    """
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        raise ValueError(f"control character in an e-mail address: {value!r}")
    found = getaddresses([value])
    if len(found) != 1:
        raise ValueError(f"not exactly one e-mail address: {value!r}")
    name, email = found[0]
    username, at, domain = email.rpartition("@")
    if not at or not username or not domain or "@" in username:
        raise ValueError(f"not an e-mail address: {value!r}")
    if "=?" in name:
        name = str(make_header(decode_header(name)))
    return Address(display_name=" ".join(name.split()), username=username, domain=domain)


def is_sendable(email: str) -> bool:
    """Whether an address can be written into a message as it is: one address, ASCII only.

    Non-ASCII local parts (åsa@...) need SMTPUTF8, which relays in the public sector rarely offer.
    """
    try:
        parse_address(email)
    except ValueError:
        return False
    return email.isascii()


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
    message["From"] = parse_address(sender)
    message["To"] = [parse_address(address) for address in to]
    if reply_to:
        message["Reply-To"] = parse_address(reply_to)
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"

    # Quoted-printable keeps the message 7-bit: no relay needs 8BITMIME to pass Swedish text on.
    if calendar is None:
        message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    else:
        alternative = EmailMessage(policy=SMTP)
        alternative.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
        alternative.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
        alternative.add_alternative(
            calendar.data, maintype="text", subtype="calendar", params={"method": calendar.method, "charset": "UTF-8"}
        )
        message.make_mixed()
        message.attach(alternative)
        message.add_attachment(calendar.data, maintype="application", subtype="ics", filename=calendar.filename)
    # Set last: set_content() and make_mixed() move or drop every Content-* header already present.
    message["Content-Language"] = "sv"
    return message
