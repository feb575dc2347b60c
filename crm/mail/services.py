"""What the Utkorg page does with the outbox: list and count, read one message, send it (or every dead one of some
days) again, queue a test mail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import defer

from crm.audit.mixins import record
from crm.extensions import db
from crm.mail import delivery, kinds
from crm.mail.compose import recipient
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.mail.outbox import queue
from crm.timeutil import stockholm_to_utc, utcnow

KIND_LABELS = {kind: known.label for kind, known in kinds.KINDS.items()}  # from crm.mail.kinds, written once
SECURITY_LABELS = {"none": _l("Ingen kryptering"), "starttls": _l("STARTTLS"), "tls": _l("TLS från start")}
RETRYABLE = (OutboxStatus.DEAD, OutboxStatus.FAILED)
SHOWN_HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID")


def kind_label(kind: str) -> str:
    return kinds.label(kind)


def parse_status(value: str | None) -> OutboxStatus | None:
    """The status filter from the URL; anything unknown means no filter."""
    try:
        return OutboxStatus(value) if value else None
    except ValueError:
        return None


def status_counts() -> dict[OutboxStatus, int]:
    """How many messages each status has, every status present (zero when none)."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    counts = dict.fromkeys(OutboxStatus, 0)
    counts.update({status: number for status, number in rows})
    return counts


def list_query(status: OutboxStatus | None) -> Select:
    """Newest first; the message bytes stay in the database until one message is opened."""
    query = select(OutboxMessage).options(defer(OutboxMessage.raw)).order_by(
        OutboxMessage.created_at.desc(), OutboxMessage.id.desc()
    )
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return query


@dataclass
class ReadMessage:
    """A queued message as its recipient's mail program would show it."""

    headers: list[tuple[str, str]]
    text: str
    attachments: list[str] = field(default_factory=list)
    calendar_method: str | None = None


def read(raw: bytes) -> ReadMessage:
    parsed: EmailMessage = message_from_bytes(raw, policy=default_policy)  # type: ignore[assignment]
    headers = [(name, str(parsed[name])) for name in SHOWN_HEADERS if parsed[name] is not None]
    body = parsed.get_body(preferencelist=("plain",))
    text = body.get_content().replace("\r\n", "\n") if body is not None else ""
    calendar_method = None
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            calendar_method = part.get_param("method")
            break
    attachments = [part.get_filename() or part.get_content_type() for part in parsed.iter_attachments()]
    return ReadMessage(headers=headers, text=text, attachments=attachments, calendar_method=calendar_method)


def retry(message: OutboxMessage, now: datetime | None = None) -> bool:
    """Put a dead or failed message back in the queue, audited; False (and nothing changed) for any other."""
    if message.status not in RETRYABLE:
        return False
    before = {"previous_status": message.status.value, "previous_attempts": message.attempts,
              "last_error": message.last_error}
    delivery.retry(message, now)
    db.session.flush()
    record(db.session.connection(), "retry", "outbox_message", message.id, changes=before)
    return True


def retry_dead(first_day: date, last_day: date, now: datetime | None = None) -> list[int]:
    """Put every dead message created from `first_day` through `last_day` (Stockholm dates, both included) back
    in the queue in one UPDATE, with one audit entry when there were any; returns their ids, lowest first."""
    start = stockholm_to_utc(datetime.combine(first_day, time.min))
    end = stockholm_to_utc(datetime.combine(last_day + timedelta(days=1), time.min))
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.DEAD, OutboxMessage.created_at >= start,
               OutboxMessage.created_at < end)
        .values(delivery.fresh_start(now))
        .returning(OutboxMessage.id)
    )
    ids = sorted(db.session.execute(statement).scalars())
    if ids:
        record(db.session.connection(), "retry_dead", "outbox", f"{first_day}–{last_day}",
               changes={"from": first_day.isoformat(), "to": last_day.isoformat(), "count": len(ids), "ids": ids})
    return ids


def mail_settings() -> dict:
    """What IT needs to see to check the mail setup (never the password)."""
    config = current_app.config
    return {
        "server": config.get("MAIL_SERVER"),
        "port": config.get("MAIL_PORT"),
        "security": SECURITY_LABELS.get(config.get("MAIL_SECURITY"), config.get("MAIL_SECURITY")),
        "username": config.get("MAIL_USERNAME"),
        "sender": config.get("MAIL_FROM"),
        "timeout": config.get("MAIL_TIMEOUT"),
        "max_attempts": config.get("MAIL_MAX_ATTEMPTS"),
        "file_directory": None if config.get("MAIL_SERVER") else str(delivery.file_directory(config)),
        "base_url": config["BASE_URL"],
    }


def queue_test_mail(user, now: datetime | None = None) -> int:
    """Queue a short message to `user` that says which settings sent it; returns the outbox row's id."""
    now = now or utcnow()
    key = f"test:{user.id}:{now.strftime('%Y%m%dT%H%M%S.%fZ')}"
    settings = mail_settings()
    if settings["server"]:
        how = _("Skickat via %(server)s, port %(port)s (%(security)s).", server=settings["server"],
                port=settings["port"], security=settings["security"])
    else:
        how = _("Ingen e-postserver är inställd: meddelandet skrevs som fil i %(directory)s.",
                directory=settings["file_directory"])
    greeting = _("Det här är ett testmejl från Näringsliv CRM, beställt av %(name)s.", name=user.name)
    outcome = _("Kommer det fram fungerar e-postinställningarna.")
    organisation = current_app.config["ORGANISATION_NAME"]
    queue(
        key,
        kind="test",
        to=recipient(user.name, user.email),
        subject=_("Testmejl från %(organisation)s", organisation=organisation),
        text=f"{greeting}\n\n{outcome}\n\n{how}\n",
        html=f"<p>{escape(greeting)}</p>\n<p>{escape(outcome)}</p>\n<p>{escape(how)}</p>\n",
        user_id=user.id,
        now=now,
    )
    return db.session.execute(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).scalar_one()
