"""Replies as calendar programs send them, to append to the test mailbox or to feed to the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

from sqlalchemy import select

from crm.extensions import db
from crm.inbox.models import InboxMessage

WHEN = datetime(2030, 12, 6, 7, 30)  # a Friday breakfast, Stockholm time, far enough ahead for answers to be open
STAMP = datetime(2030, 11, 20, 9, 0, tzinfo=UTC)


def ics(method: str, uid: str, *, attendee: str | None, partstat: str = "ACCEPTED", sequence: int = 0,
        dtstamp: datetime = STAMP, organizer: str | None = None, start: str = "20301206T063000Z",
        end: str = "20301206T080000Z", comment: str | None = None) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
             f"METHOD:{method}", "BEGIN:VEVENT", f"UID:{uid}", f"SEQUENCE:{sequence}",
             f"DTSTAMP:{dtstamp:%Y%m%dT%H%M%SZ}", f"DTSTART:{start}", f"DTEND:{end}", "SUMMARY:Frukostmöte"]
    if organizer:
        lines.append(f"ORGANIZER;CN=Näringslivsenheten:mailto:{organizer}")
    if attendee:
        lines.append(f"ATTENDEE;PARTSTAT={partstat};CN=Gäst:mailto:{attendee}")
    if comment:
        lines.append(f"COMMENT:{comment}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines).encode()


def reply_mail(calendar: bytes, *, sender: str, subject: str = "Accepterat: Frukostmöte", method: str = "REPLY",
               message_id: str | None = None, as_attachment: bool = False) -> bytes:
    """A reply as Outlook sends it: multipart/alternative with the calendar inline (or, Gmail-style, attached)."""
    message = EmailMessage()
    message["From"] = f"Gäst <{sender}>"
    message["To"] = "arrangor@example.se"
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    message["Date"] = "Wed, 20 Nov 2030 10:00:00 +0100"
    message.set_content("Ja, jag kommer.")
    if as_attachment:
        message.make_mixed()
        message.add_attachment(calendar, maintype="application", subtype="ics", filename="invite.ics")
    else:
        message.add_alternative(calendar, maintype="text", subtype="calendar", params={"method": method})
    return message.as_bytes(policy=SMTP)  # CRLF, as it travels and as the IMAP server keeps it


def append(mailbox_server, raw: bytes, folder: str = "INBOX") -> None:
    with mailbox_server.mailbox() as mailbox:
        mailbox.append(raw, folder, flag_set=[])


def inbox_rows() -> list[InboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(InboxMessage).order_by(InboxMessage.id)))


def mailbox_state(mailbox_server, folder: str = "INBOX") -> list[tuple[str, ...]]:
    """The flags of each message in `folder`, oldest first (without marking anything read)."""
    with mailbox_server.mailbox() as mailbox:
        mailbox.folder.set(folder)
        return [tuple(sorted(message.flags)) for message in mailbox.fetch(mark_seen=False, headers_only=True)]
