"""The register of requests for a registerutdrag (received, identity checked how, delivered; due a month after
receipt), and the admin's changes to the art. 15 texts. Services take the user and "today" and never commit."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.companies.models import Company, ContactPerson
from crm.errors import RuleRefused
from crm.extensions import db
from crm.privacy.models import AccessRequest, DeliveryWay, IdentityCheck, PrivacyText
from crm.privacy.texts import DEFAULT_TEXTS

DELIVERED_SHOWN = 50  # how many delivered requests the register lists under the open ones


class RequestRefused(RuleRefused):
    field = ""


class ReceivedInFuture(RequestRefused):
    field = "received_on"
    message = _l("Datumet då begäran kom in kan inte vara senare än i dag.")


class IdentityNoteRequired(RequestRefused):
    field = "identity_note"
    message = _l("Beskriv hur identiteten kontrollerades.")


class DeliveredInFuture(RequestRefused):
    field = "delivered_on"
    message = _l("Datumet då utdraget lämnades kan inte vara senare än i dag.")


class DeliveredBeforeReceived(RequestRefused):
    field = "delivered_on"
    message = _l("Utdraget kan inte ha lämnats innan begäran kom in.")


class AlreadyDelivered(RequestRefused):
    field = "delivered_on"
    message = _l("Begäran är redan markerad som levererad.")


def due_on(received_on: date) -> date:
    """One month after receipt; a day the month lacks becomes its last (31 Jan -> 28 or 29 Feb)."""
    year, month = (received_on.year + 1, 1) if received_on.month == 12 else (received_on.year, received_on.month + 1)
    return date(year, month, min(received_on.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RequestData:
    received_on: date
    identity_check: IdentityCheck
    identity_note: str = ""
    note: str = ""


def register_request(subject: ContactPerson | Company, data: RequestData, user: User, today: date) -> AccessRequest:
    if data.received_on > today:
        raise ReceivedInFuture()
    if data.identity_check == IdentityCheck.OTHER and not data.identity_note.strip():
        raise IdentityNoteRequired()
    request = AccessRequest(
        received_on=data.received_on, identity_check=data.identity_check, identity_note=data.identity_note.strip(),
        note=data.note.strip(), handled_by=user,
        contact=subject if isinstance(subject, ContactPerson) else None,
        company=subject if isinstance(subject, Company) else None,
    )
    db.session.add(request)
    db.session.flush()
    return request


def deliver(request: AccessRequest, delivered_on: date, how: DeliveryWay, user: User, today: date) -> None:
    if request.delivered_on is not None:
        raise AlreadyDelivered()
    if delivered_on > today:
        raise DeliveredInFuture()
    if delivered_on < request.received_on:
        raise DeliveredBeforeReceived()
    request.delivered_on = delivered_on
    request.delivered_how = how
    request.handled_by = user
    db.session.flush()


def _with_subjects(query):
    return query.options(selectinload(AccessRequest.contact), selectinload(AccessRequest.company),
                         selectinload(AccessRequest.handled_by))


def open_requests() -> list[AccessRequest]:
    """Requests not yet delivered, the oldest (the first due) first."""
    return list(db.session.scalars(_with_subjects(
        select(AccessRequest).where(AccessRequest.delivered_on.is_(None))
        .order_by(AccessRequest.received_on, AccessRequest.id))))


def delivered_requests(limit: int = DELIVERED_SHOWN) -> list[AccessRequest]:
    return list(db.session.scalars(_with_subjects(
        select(AccessRequest).where(AccessRequest.delivered_on.is_not(None))
        .order_by(AccessRequest.delivered_on.desc(), AccessRequest.id.desc()).limit(limit))))


def requests_for(subject: ContactPerson | Company) -> list[AccessRequest]:
    column = AccessRequest.contact_id if isinstance(subject, ContactPerson) else AccessRequest.company_id
    return list(db.session.scalars(_with_subjects(
        select(AccessRequest).where(column == subject.id).order_by(AccessRequest.received_on.desc(),
                                                                   AccessRequest.id.desc()))))


def is_overdue(request: AccessRequest, today: date) -> bool:
    return request.delivered_on is None and due_on(request.received_on) < today


# --- The art. 15 texts ----------------------------------------------------------------------------------------

def save_text(key: str, text: str) -> None:
    """Store the admin's text; the default itself (or nothing) removes the change."""
    default = DEFAULT_TEXTS[key][1]
    text = text.strip().replace("\r\n", "\n")
    row = db.session.get(PrivacyText, key)
    if not text or text == default:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(PrivacyText(key=key, text=text))
    elif row.text != text:
        row.text = text
    db.session.flush()


def reset_text(key: str) -> None:
    DEFAULT_TEXTS[key]  # noqa: B018 - an unknown key is a KeyError before anything is written
    row = db.session.get(PrivacyText, key)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
