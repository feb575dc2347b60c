"""Build a message once, at queuing: text and HTML parts, and optionally an iMIP calendar part.

MIME shapes (RFC 6047 for the calendar one):
- plain: multipart/alternative → (text/plain, text/html)
- calendar: multipart/mixed → [multipart/alternative → (text/plain, text/html, text/calendar; method=M)]
  + the same calendar bytes as an application/ics attachment.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.errors import MessageError
from email.header import decode_header, make_header
from email.headerregistry import Address, HeaderRegistry, UniqueAddressHeader
from email.message import EmailMessage
from email.policy import SMTP as _SMTP
from email.utils import format_datetime, getaddresses

from crm.text import has_control_characters, single_line


@dataclass(frozen=True)
class CalendarPart:
    """An iTIP calendar object to send with the message (bytes with CRLF, as crm.calendar.ical makes them)."""

    data: bytes
    method: str  # REQUEST, CANCEL...
    filename: str = "inbjudan.ics"


def message_id_for(dedupe_key: str, sender: str) -> str:
    """A Message-ID that is the same every time the same message is made: a resend is recognisably a resend."""
    return message_id_at(dedupe_key, parse_address(sender).domain)


def message_id_at(dedupe_key: str, domain: str) -> str:
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class Unsendable(ValueError):
    """A recipient (or sender) that cannot be written into a message: no address, two, a control character..."""


def parse_address(value: str) -> Address:
    """One address, "Name <user@example.se>" or bare: anything else (two addresses, a line break) is refused.

    A value with a line break is never "repaired": a lenient parser would pick some other address out of
    it ("Evil", CR LF, "Bcc: x@y <a@b>" reads as x@y), and the message would go to someone else.
    Used for configured addresses (MAIL_FROM, MAIL_REPLY_TO); a person's name and address are put
    together with `recipient`, never by formatting and parsing a string.
    """
    if has_control_characters(value):
        raise Unsendable(f"control character in an e-mail address: {value!r}")
    found = getaddresses([value])
    if len(found) != 1:
        raise Unsendable(f"not exactly one e-mail address: {value!r}")
    name, email = found[0]
    if "=?" in name:
        name = str(make_header(decode_header(name)))
    return recipient(name, email)


_ADDR_SPEC = re.compile(r"[^\s@<>(),;:\"\[\]\\]+@[^\s@<>(),;:\"\[\]\\]+\Z")


def recipient(name: str | None, email: str | None) -> Address:
    """A person's Address: the display name with control characters removed and spaces collapsed, the address
    as it is. An address that is not one plain addr-spec (a control character, a space, a second @...) is
    refused with `Unsendable`, never repaired: a repaired address could be someone else's.
    """
    email = (email or "").strip()
    if has_control_characters(email) or not _ADDR_SPEC.match(email):
        raise Unsendable("not one plain e-mail address")
    username, _, domain = email.rpartition("@")
    display_name = " ".join((single_line(name) or "").split())
    try:
        return Address(display_name=display_name, username=username, domain=domain)
    except (ValueError, MessageError) as error:
        raise Unsendable(str(error)) from error


def checked_address(value: Address | str) -> Address:
    """A configured address string parsed, or an Address checked once more (control characters removed)."""
    if isinstance(value, Address):
        return recipient(value.display_name, value.addr_spec)
    return parse_address(value)


def is_sendable(email: str) -> bool:
    """Whether an address can be written into a message as it is: one address, ASCII only.

    Non-ASCII local parts (åsa@...) need SMTPUTF8, which relays in the public sector rarely offer.
    """
    try:
        parse_address(email)
    except ValueError:
        return False
    return email.isascii()


# --- Address headers that read back as they were written ---------------------------------------------

_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/?^_`{|}~-]+\Z")  # atext (RFC 5322) without "=", so never "=?...?="


def _phrase_words(name: str) -> list[str]:
    """The display name as words to write: quoted (ASCII), or plain words and encoded words, never two
    encoded words side by side (decoders disagree on the space between them: RFC 2047 drops it, the
    stdlib parser keeps it)."""
    if name.isascii():
        quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return quoted.split(" ")  # folded at its spaces: unfolding gives back the same quoted string
    words: list[str] = []
    run: list[str] = []
    for word in name.split(" ") + [None]:
        if word is not None and not _ATOM.match(word):
            run.append(word)
            continue
        if run:
            words.append(quoprimime.header_encode(" ".join(run).encode("utf-8"), charset="utf-8"))
            run = []
        if word is not None:
            words.append(word)
    return words


def _fold_addresses(name: str, addresses, policy) -> str:
    """`name: addresses`, folded at spaces only, each line as short as the words allow."""
    words: list[str] = []
    for index, address in enumerate(addresses):
        tail = "," if index < len(addresses) - 1 else ""
        if address.display_name:
            words += _phrase_words(address.display_name) + [f"<{address.addr_spec}>{tail}"]
        else:
            words.append(address.addr_spec + tail)
    lines = [f"{name}:"]
    for word in words:
        if len(lines[-1]) + 1 + len(word) > policy.max_line_length:
            lines.append("")
        lines[-1] += " " + word
    return policy.linesep.join(lines) + policy.linesep


def _reads_back(header, folded: str, policy) -> bool:
    value = folded[len(header.name) + 1:].replace(policy.linesep, "")  # unfolded: CRLF out, the space kept
    try:
        parsed = policy.header_factory(header.name, value)
    except Exception:  # noqa: BLE001 (the parser fails with IndexError on some of what the folder writes)
        return False
    return [(a.display_name, a.addr_spec) for a in parsed.addresses] == [
        (a.display_name, a.addr_spec) for a in header.addresses
    ]


class _AddressHeader(UniqueAddressHeader):
    """To, From, Reply-To, Cc: folded by the email package when what it writes reads back the same, else
    by `_fold_addresses`. Python 3.11 loses the quotes of a display name it folds ('Svensson, Anna ...'
    long enough to fold came out as two recipients)."""

    def fold(self, *, policy):
        folded = super().fold(policy=policy)
        if _reads_back(self, folded, policy) or any(group.display_name for group in self.groups):
            return folded
        return _fold_addresses(self.name, self.addresses, policy)


_REGISTRY = HeaderRegistry()
for _name in ("to", "from", "reply-to", "cc"):
    _REGISTRY.map_to_type(_name, _AddressHeader)
SMTP = _SMTP.clone(header_factory=_REGISTRY)


def build_message(
    *,
    sender: str | Address,
    to: list[Address | str],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    date: datetime,
    calendar: CalendarPart | None = None,
    reply_to: str | Address | None = None,
) -> EmailMessage:
    """The whole message. Addresses are Address objects (display name and addr-spec apart), their names
    without control characters, so no name can add a header; the header registry refuses CR and LF too."""
    message = EmailMessage(policy=SMTP)
    message["From"] = checked_address(sender)
    message["To"] = [checked_address(address) for address in to]
    if reply_to:
        message["Reply-To"] = checked_address(reply_to)
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
    if "MIME-Version" not in message:  # set_content() adds it; make_mixed() on an empty message does not
        message["MIME-Version"] = "1.0"
    # Set last: set_content() and make_mixed() move or drop every Content-* header already present.
    message["Content-Language"] = "sv"
    return message


# --- Many messages of one shape --------------------------------------------------------------------

# Stand-ins for what differs between the messages of a batch: letters and digits only, so every
# encoding leaves them as they are and they can be found again in the serialised skeleton.
_TO = "Batchmottagare <batch-recipient-7f3c9a@example.invalid>"
_MESSAGE_ID = "<batch-message-id-7f3c9a@example.invalid>"
_TEXT = "BatchText7f3c9aPlaceholder"
_HTML = "BatchHtml7f3c9aPlaceholder"
_CALENDAR = b"BatchCalendar7f3c9aPlaceholder"  # 30 bytes: one base64 line without padding

_BOUNDARY = re.compile(rb'boundary="([^"]+)"')


def _qp_lines(text: str, cache: dict[bytes, bytes]) -> bytes:
    """`text` quoted-printable with CRLF, as set_content(cte="quoted-printable") and the generator write it.

    Quoted-printable encodes each line on its own, so lines shared by many messages are encoded once.
    """
    encoded = []
    for line in text.encode("utf-8").splitlines():
        done = cache.get(line)
        if done is None:
            done = quoprimime.body_encode(line.decode("latin-1"), SMTP.max_line_length, eol="\r\n").encode("ascii")
            cache[line] = done
        encoded.append(done)
    return b"\r\n".join(encoded) + b"\r\n"


def _base64_lines(data: bytes) -> bytes:
    """`data` in base64 lines of 76 characters with CRLF, as set_content(bytes) and the generator write it."""
    step = SMTP.max_line_length // 4 * 3
    return b"".join(binascii.b2a_base64(data[i:i + step])[:-1] + b"\r\n" for i in range(0, len(data), step))


def _header(name: str, value) -> bytes:
    """The header as the generator writes it (`message[name] = value`, then folded for SMTP)."""
    return SMTP.fold_binary(name, SMTP.header_factory(name, value))


_PLAIN_MESSAGE_ID = re.compile(r"<[0-9a-f]{32}@[A-Za-z0-9.-]+>\Z")


def _message_id_header(value: str) -> bytes:
    """A Message-ID as `message_id_at` makes them is written as it is; anything else goes through the registry."""
    if _PLAIN_MESSAGE_ID.match(value) and len(value) <= SMTP.max_line_length - len("Message-ID: "):
        return b"Message-ID: " + value.encode("ascii") + b"\r\n"
    return _header("Message-ID", value)


class MessageBatch:
    """Messages that share sender, subject, date, reply-to and calendar method, built far faster than one by one.

    The shared shape is built once with `build_message` from stand-ins and serialised; each message
    then fills in its own To, Message-ID, text, HTML and calendar, encoded as the email package
    encodes them, so each message is byte for byte what `build_message(...).as_bytes()` gives (the
    MIME boundaries aside, which are random either way). Should the skeleton not have the expected
    form, every message is built with `build_message` instead.
    """

    def __init__(self, *, sender: str, subject: str, date: datetime, reply_to: str | None = None,
                 method: str | None = None, filename: str = "inbjudan.ics") -> None:
        self.sender, self.subject, self.date, self.reply_to = sender, subject, date, reply_to
        self.method, self.filename = method, filename
        self._lines: dict[bytes, bytes] = {}
        calendar = CalendarPart(_CALENDAR, method, filename) if method else None
        skeleton = build_message(
            sender=sender, to=[_TO], subject=subject, text=_TEXT, html=_HTML, message_id=_MESSAGE_ID,
            date=date, calendar=calendar, reply_to=reply_to,
        ).as_bytes()
        self._boundaries = [match.group(1) for match in _BOUNDARY.finditer(skeleton)]
        slots = {
            _header("To", [parse_address(_TO)]): "to",
            _header("Message-ID", _MESSAGE_ID): "message_id",
            _qp_lines(_TEXT, {}): "text",
            _qp_lines(_HTML, {}): "html",
        }
        if calendar is not None:
            slots[_base64_lines(_CALENDAR)] = "calendar"
        self._parts = self._split(skeleton, slots, expected={"calendar": 2} if calendar else {})

    @staticmethod
    def _split(skeleton: bytes, slots: dict[bytes, str], expected: dict[str, int]) -> list[bytes | str] | None:
        found: list[tuple[int, bytes, str]] = []
        for marker, slot in slots.items():
            start = 0
            while (at := skeleton.find(marker, start)) >= 0:
                found.append((at, marker, slot))
                start = at + len(marker)
            if sum(1 for _, _, name in found if name == slot) != expected.get(slot, 1):
                return None
        found.sort()
        parts: list[bytes | str] = []
        position = 0
        for at, marker, slot in found:
            if at < position:
                return None
            parts += [skeleton[position:at], slot]
            position = at + len(marker)
        parts.append(skeleton[position:])
        return parts

    def build(self, *, to: list[Address | str], message_id: str, text: str, html: str, calendar: bytes | None = None,
              addresses: list[Address] | None = None) -> bytes:
        """One message's bytes, as `build_message(...).as_bytes()` makes them (`addresses`: `to` parsed)."""
        if (calendar is None) != (self.method is None):
            raise ValueError("a batch's messages all carry a calendar part or none does")
        if self._parts is not None:
            values = {
                "to": _header("To", addresses or [checked_address(address) for address in to]),
                "message_id": _message_id_header(message_id),
                "text": _qp_lines(text, self._lines),
                "html": _qp_lines(html, self._lines),
                "calendar": _base64_lines(calendar) if calendar is not None else b"",
            }
            if not any(boundary in value for boundary in self._boundaries for value in values.values()):
                return b"".join(part if isinstance(part, bytes) else values[part] for part in self._parts)
        return build_message(
            sender=self.sender, to=to, subject=self.subject, text=text, html=html, message_id=message_id,
            date=self.date, reply_to=self.reply_to,
            calendar=CalendarPart(calendar, self.method, self.filename) if calendar is not None else None,
        ).as_bytes()
