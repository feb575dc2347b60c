"""Events: the list, creating one or a series, the event page and its .ics download, changes, moves and
cancellations. The invitation pages are in invitation_views.py, the attendance page (used at the door on a
phone) in attendance_views.py; the helpers all three use are here.

Admins, staff and organizers use every page; politicians are refused.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from crm.auth.access import acting_user, roles_required
from crm.auth.models import Role
from crm.conflicts import ParticipantsBusy, conflicts_by_time
from crm.dbtypes import swedish
from crm.events import answers, bp, invitations, services
from crm.events.calendar import event_ics
from crm.events.forms import (
    ConfirmForm,
    EventFilterForm,
    EventForm,
    MoveForm,
    MoveSeriesForm,
)
from crm.events.invitee_list import InviteeFilters, invitee_page
from crm.events.models import Answer, Attendance, Event, EventKind, EventStatus, Invitation
from crm.events.participation import event_page_url
from crm.events.series_form import SeriesForm
from crm.extensions import db
from crm.mail.links import absolute_url
from crm.networks.models import Network
from crm.panels import panels
from crm.text import fold
from crm.timeutil import local, utcnow

MANAGERS = (Role.STAFF, Role.ORGANIZER)


def answer_label(answer: Answer | str | None) -> str:
    return Answer(answer).label if answer else _("inget svar")


bp.add_app_template_filter(lambda kind: EventKind(kind).label, "event_kind")
bp.add_app_template_filter(lambda status: EventStatus(status).label, "event_status")
bp.add_app_template_filter(answer_label, "event_answer")
bp.add_app_template_filter(answer_label, "invitation_answer")
bp.add_app_template_filter(lambda value: Attendance(value).label if value else "–", "invitation_attendance")
bp.add_app_template_global(event_page_url, "event_page_url")


def active_networks(including: int | None = None) -> list[Network]:
    condition = Network.active if including is None else or_(Network.active, Network.id == including)
    return list(db.session.scalars(select(Network).where(condition).order_by(swedish(Network.name), Network.id)))


def event_or_404(event_id: int) -> Event:
    event = db.session.scalar(
        select(Event).where(Event.id == event_id).options(joinedload(Event.network), joinedload(Event.series))
    )
    if event is None:
        abort(404)
    return event


def to_event(event_id: int, anchor: str | None = None):
    return redirect(url_for("events.show", event_id=event_id, _anchor=anchor))


def refused(error: services.EventRefused | invitations.InvitationRefused, event_id: int):
    db.session.rollback()
    flash(str(error), "error")
    return to_event(event_id)


def ended(event: Event) -> bool:
    return event.ends_at < utcnow()


def invitation_or_404(event: Event, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.event_id != event.id:
        abort(404)
    return invitation


# --- The list ------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*MANAGERS)
def index():
    past = request.args.get("tid") == "tidigare"
    form = EventFilterForm(request.args, networks=active_networks())
    now = utcnow()
    query = select(Event).options(selectinload(Event.network))
    if past:
        query = query.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id.desc())
    else:
        query = query.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
    if form.validate():
        if form.kind.data:
            query = query.where(Event.kind == EventKind(form.kind.data))
        if form.network.data:
            query = query.where(Event.network_id == int(form.network.data))
        if form.status.data:
            query = query.where(Event.status == EventStatus(form.status.data))
    page = db.paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    counts = services.answer_counts_for([event.id for event in page.items])
    return render_template("events/index.html", page=page, form=form, past=past, counts=counts)


# --- Creating ------------------------------------------------------------------------------------


@bp.route("/ny", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    network_id = request.args.get("natverk", type=int)
    form = EventForm(networks=active_networks(network_id))
    if request.method == "GET" and network_id:
        form.network_id.data = str(network_id)
    conflicts = []
    if form.validate_on_submit():
        try:
            event = services.create_event(form.to_data(), acting_user(), override=form.override.data)
        except ParticipantsBusy as busy:
            db.session.rollback()
            conflicts = busy.conflicts
        except services.EventRefused as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Träffen är sparad. Bjud in deltagarna när du är redo."), "success")
            return to_event(event.id)
    return render_template("events/form.html", form=form, event=None, conflicts=conflicts)


@bp.route("/ny-serie", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_series():
    network_id = request.args.get("natverk", type=int)
    form = SeriesForm(networks=active_networks(network_id))
    if request.method == "GET" and network_id:
        form.network_id.data = str(network_id)
    changed = False
    if form.validate_on_submit():
        if not form.confirmed:
            changed = bool(form.create.data)
        else:
            chosen = {local(start).date() for start, _end in form.chosen_times}
            try:
                series = services.create_series(form.to_data(), form.rule, acting_user(), days=chosen,
                                                override=form.override.data)
            except ParticipantsBusy:
                db.session.rollback()
                form.override.errors = [_("Du är redan upptagen vissa dagar. Bocka ur dem eller kryssa i Skapa ändå.")]
            else:
                db.session.commit()
                flash(ngettext("%(num)d träff är skapad.", "%(num)d träffar är skapade.", len(series.events)),
                      "success")
                return to_event(series.events[0].id)
    # The dates stay on show when the only fault is that none of them is ticked or some of them are busy.
    preview = form.times if form.is_submitted() and set(form.errors) <= {"days", "override"} else []
    busy = conflicts_by_time([acting_user().id], preview)  # what the organizer already has at each date; one query
    return render_template("events/series_form.html", form=form, preview=preview, changed=changed, busy=busy)


# --- The event page ------------------------------------------------------------------------------


def _siblings(event: Event) -> list[Event]:
    if event.series_id is None:
        return []
    return list(db.session.scalars(
        select(Event).where(Event.series_id == event.series_id).order_by(Event.starts_at, Event.id)
    ))


@bp.route("/<int:event_id>")
@roles_required(*MANAGERS)
def show(event_id: int):
    event = event_or_404(event_id)
    filters = InviteeFilters.from_args(request.args)
    counts = services.answer_counts(event)
    now = utcnow()
    dietary = services.dietary_counts(event) if event.asks_dietary else None
    return render_template(
        "events/show.html",
        event=event,
        invitees=invitee_page(event.id, filters, local(now).date()),
        filters=filters,
        counts=counts,
        dietary=dietary,
        dietary_choices=services.DIETARY_CHOICES,
        siblings=_siblings(event),
        cancelled=event.status == EventStatus.CANCELLED,
        ended=ended(event),
        answers_open=answers.answers_open(event, now),
        fetched_at=local(now),
        panels=panels("event", event, acting_user()),  # e.g. times proposed from calendar programs (crm.inbox)
    )


@bp.route("/<int:event_id>/kalender.ics")
@roles_required(*MANAGERS)
def download(event_id: int):
    event = event_or_404(event_id)
    body = event_ics(event, absolute_url("events.show", event_id=event.id))
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{ics_filename(event)}"'
    return response


def ics_filename(event: Event) -> str:
    """An ASCII file name from the title and the date: "frukostmote-kompetens-2026-12-04.ics"."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(event.title)).strip("-")[:60].strip("-") or "evenemang"
    return f"{slug}-{local(event.starts_at):%Y-%m-%d}.ics"


# --- Changing, moving, cancelling ----------------------------------------------------------------


def _updates_flash(sent: int) -> None:
    if sent:
        flash(ngettext("%(num)d inbjuden fick en uppdatering med den nya informationen.",
                       "%(num)d inbjudna fick en uppdatering med den nya informationen.", sent), "success")
    else:
        flash(_("Inga uppdateringar behövde skickas."), "success")


@bp.route("/<int:event_id>/andra", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(event_id: int):
    event = event_or_404(event_id)
    if event.status == EventStatus.CANCELLED:
        return refused(services.AlreadyCancelled(), event.id)
    form = EventForm(networks=active_networks(event.network_id), data=EventForm.initial_data(event))
    conflicts = []
    if form.validate_on_submit():
        try:
            sent = services.update_event(event, form.to_data(), override=form.override.data)
        except ParticipantsBusy as busy:
            db.session.rollback()
            conflicts = busy.conflicts
        except services.EventRefused as error:
            return refused(error, event.id)
        else:
            db.session.commit()
            flash(_("Ändringarna är sparade."), "success")
            _updates_flash(sent)
            return to_event(event.id)
    return render_template("events/form.html", form=form, event=event, conflicts=conflicts)


@bp.route("/<int:event_id>/flytta", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def move(event_id: int):
    event = event_or_404(event_id)
    if event.status == EventStatus.CANCELLED:
        return refused(services.AlreadyCancelled(), event.id)
    form = MoveForm(data=MoveForm.initial_data(event))
    conflicts = []
    if form.validate_on_submit():
        try:
            sent = services.move_event(event, form.day.data, form.start_time.data, form.end_time.data,
                                       form.place.data or "", override=form.override.data)
        except ParticipantsBusy as busy:
            db.session.rollback()
            conflicts = busy.conflicts
        except services.EventRefused as error:
            return refused(error, event.id)
        else:
            db.session.commit()
            flash(_("Träffen är flyttad."), "success")
            _updates_flash(sent)
            return to_event(event.id)
    return render_template("events/move.html", form=form, event=event, rest=None,
                           invited=services.answer_counts(event).invited, conflicts=conflicts)


@bp.route("/<int:event_id>/flytta-serien", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def move_series(event_id: int):
    event = event_or_404(event_id)
    if event.series_id is None:
        return redirect(url_for("events.move", event_id=event.id))
    if event.status == EventStatus.CANCELLED:
        return refused(services.AlreadyCancelled(), event.id)
    rest = services.rest_of_series(event)
    form = MoveSeriesForm(days=[local(item.starts_at).date() for item in rest], data=MoveForm.initial_data(event))
    conflicts = []
    if form.validate_on_submit():
        try:
            moved, sent = services.move_rest_of_series(event, form.start_time.data, form.end_time.data,
                                                       form.place.data or "", override=form.override.data)
        except ParticipantsBusy as busy:
            db.session.rollback()
            conflicts, rest = busy.conflicts, services.rest_of_series(event)  # one query, not one per event
        except services.EventRefused as error:
            return refused(error, event.id)
        else:
            db.session.commit()
            flash(ngettext("%(num)d träff är flyttad.", "%(num)d träffar är flyttade.", len(moved)), "success")
            _updates_flash(sent)
            return to_event(event.id)
    return render_template("events/move.html", form=form, event=event, rest=rest,
                           invited=_invited_in(rest), conflicts=conflicts)


def _invited_in(events: list[Event]) -> int:
    counts = services.answer_counts_for([item.id for item in events])
    return sum(count.invited for count in counts.values())


@bp.route("/<int:event_id>/stall-in", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def cancel(event_id: int):
    event = event_or_404(event_id)
    if event.status == EventStatus.CANCELLED:
        return refused(services.AlreadyCancelled(), event.id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            sent = services.cancel(event)
        except services.EventRefused as error:
            return refused(error, event.id)
        db.session.commit()
        flash(_("Träffen är inställd."), "success")
        _cancellations_flash(sent)
        return to_event(event.id)
    return render_template("events/cancel.html", form=form, event=event, rest=None,
                           invited=services.answer_counts(event).invited)


@bp.route("/<int:event_id>/stall-in-serien", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def cancel_series(event_id: int):
    event = event_or_404(event_id)
    if event.series_id is None:
        return redirect(url_for("events.cancel", event_id=event.id))
    if event.status == EventStatus.CANCELLED:
        return refused(services.AlreadyCancelled(), event.id)
    rest = services.rest_of_series(event)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            cancelled, sent = services.cancel_rest_of_series(event)
        except services.EventRefused as error:
            return refused(error, event.id)
        db.session.commit()
        flash(ngettext("%(num)d träff är inställd.", "%(num)d träffar är inställda.", len(cancelled)), "success")
        _cancellations_flash(sent)
        return to_event(event.id)
    return render_template("events/cancel.html", form=form, event=event, rest=rest, invited=_invited_in(rest))


def _cancellations_flash(sent: int) -> None:
    if sent:
        flash(ngettext("%(num)d inbjuden fick en avbokning.", "%(num)d inbjudna fick en avbokning.", sent), "success")


def local_time(value: datetime) -> str:
    return local(value).strftime("%H:%M")


bp.add_app_template_filter(local_time, "event_time")
