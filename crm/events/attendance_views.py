"""The attendance page, used at the door on a phone: marking who came, closing attendance, walk-ins."""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.auth.access import roles_required
from crm.companies.models import CompanyContact, ContactPerson
from crm.dbtypes import swedish
from crm.events import bp, recipients, services
from crm.events.attendance import add_walk_in, close_attendance, mark_attendance
from crm.events.forms import (
    WalkInForm,
)
from crm.events.models import Attendance, Event, EventStatus, Invitation
from crm.events.views import MANAGERS, event_or_404, invitation_or_404
from crm.extensions import db
from crm.text import fold, swedish_sort_key
from crm.timeutil import stockholm_today, utcnow


def _invitee_rows(event: Event) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id, Invitation.uninvited_at.is_(None))
        .options(selectinload(Invitation.contact).selectinload(ContactPerson.company_links)
                 .selectinload(CompanyContact.company))
        .order_by(swedish(Invitation.name), Invitation.id)
    ))


def _company_of(invitation: Invitation, today: date) -> str:
    return recipients.company_names(invitation.contact, today) if invitation.contact is not None else ""


# --- Attendance ----------------------------------------------------------------------------------


def _attendance_rows(event: Event, q: str) -> list[Invitation]:
    rows = _invitee_rows(event)
    if q:
        folded, lowered = fold(q), q.strip().lower()
        rows = [row for row in rows if folded in fold(row.name) or (row.email and lowered in row.email)]
    else:
        rows = [row for row in rows if row.has_place or row.answer == "kanske" or row.attendance is not None
                or row.walk_in]
    return sorted(rows, key=lambda row: (swedish_sort_key(row.name), row.id))


def _render_attendance(event: Event, walk_in: WalkInForm | None = None, status: int = 200):
    q = (request.values.get("q") or "").strip()
    rows = _attendance_rows(event, q)
    return render_template(
        "events/attendance.html", event=event, rows=rows, q=q, counts=services.answer_counts(event),
        company_of=partial(_company_of, today=stockholm_today()),
        walk_in=walk_in or WalkInForm(formdata=None), started=event.starts_at <= utcnow(),
        cancelled=event.status == EventStatus.CANCELLED,
    ), status


@bp.route("/<int:event_id>/narvaro")
@roles_required(*MANAGERS)
def attendance(event_id: int):
    return _render_attendance(event_or_404(event_id))


def _to_attendance(event_id: int, anchor: str | None = None):
    q = (request.form.get("q") or "").strip()
    return redirect(url_for("events.attendance", event_id=event_id, q=q or None, _anchor=anchor))


@bp.route("/<int:event_id>/narvaro/<int:invitation_id>", methods=["POST"])
@roles_required(*MANAGERS)
def mark(event_id: int, invitation_id: int):
    event = event_or_404(event_id)
    invitation = invitation_or_404(event, invitation_id)
    value = request.form.get("narvaro")
    if value not in ("narvarande", "angra") or invitation.uninvited_at is not None:
        flash(_("Närvaron kunde inte sparas. Försök igen."), "error")
        return _to_attendance(event.id)
    try:
        mark_attendance(invitation, Attendance.ATTENDED if value == "narvarande" else None)
    except services.EventRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return _to_attendance(event.id)
    db.session.commit()
    return _to_attendance(event.id, f"deltagare-{invitation.id}")


@bp.route("/<int:event_id>/narvaro/avsluta", methods=["POST"])
@roles_required(*MANAGERS)
def close(event_id: int):
    event = event_or_404(event_id)
    try:
        count = close_attendance(event)
    except services.EventRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return _to_attendance(event.id)
    db.session.commit()
    flash(ngettext("Närvaron är avslutad. %(num)d markerades som utebliven.",
                   "Närvaron är avslutad. %(num)d markerades som uteblivna.", count), "success")
    return _to_attendance(event.id)


@bp.route("/<int:event_id>/narvaro/ny", methods=["POST"])
@roles_required(*MANAGERS)
def walk_in(event_id: int):
    event = event_or_404(event_id)
    form = WalkInForm()
    if not form.validate_on_submit():
        return _render_attendance(event, form)
    try:
        company = recipients.find_company(form.company.data or "")
    except recipients.CompanyNotFound as error:
        form.company.errors.append(error.message)
        return _render_attendance(event, form)
    try:
        invitation = add_walk_in(event, form.name.data, form.email.data, company=company)
    except services.EventRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return _to_attendance(event.id)
    db.session.commit()
    flash(_("%(name)s är tillagd och markerad som närvarande.", name=invitation.name), "success")
    return _to_attendance(event.id, f"deltagare-{invitation.id}")
