"""Events: the list, creating one or a series, the event page, changes and cancellations, inviting,
reminders, the .ics download and the attendance page used at the door on a phone.

Admins, staff and organizers use every page; politicians are refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import partial

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from crm.auth.access import acting_user, roles_required
from crm.auth.models import Role
from crm.companies.models import CompanyContact, ContactPerson
from crm.companies.search import CompanyFilters
from crm.conflicts import ParticipantsBusy, conflicts_by_time
from crm.dbtypes import swedish
from crm.events import invitations, recipients, services
from crm.events.calendar import event_ics
from crm.events.forms import (
    ConfirmForm,
    EventFilterForm,
    EventForm,
    InviteForm,
    MoveForm,
    MoveSeriesForm,
    SeriesForm,
    WalkInForm,
)
from crm.events.invitee_list import InviteeFilters, invitee_page
from crm.events.models import Attendance, Event, EventKind, EventStatus, Invitation
from crm.extensions import db
from crm.mail.links import absolute_url
from crm.networks.models import Network
from crm.text import fold, swedish_sort_key
from crm.timeutil import local, stockholm_today, utcnow

bp = Blueprint("events", __name__, url_prefix="/evenemang")

MANAGERS = (Role.STAFF, Role.ORGANIZER)

bp.add_app_template_filter(services.kind_label, "event_kind")
bp.add_app_template_filter(services.status_label, "event_status")
bp.add_app_template_filter(services.answer_label, "event_answer")



def _networks(including: int | None = None) -> list[Network]:
    condition = Network.active if including is None else or_(Network.active, Network.id == including)
    return list(db.session.scalars(select(Network).where(condition).order_by(swedish(Network.name), Network.id)))


def _event_or_404(event_id: int) -> Event:
    event = db.session.scalar(
        select(Event).where(Event.id == event_id).options(joinedload(Event.network), joinedload(Event.series))
    )
    if event is None:
        abort(404)
    return event


def _to_event(event_id: int, anchor: str | None = None):
    return redirect(url_for("events.show", event_id=event_id, _anchor=anchor))


def _to_invitees(event_id: int):
    """Back to the invitee list as it was filtered and paged when the organizer left it."""
    args = InviteeFilters.from_args(request.args).args()
    return redirect(url_for("events.show", event_id=event_id, _anchor="inbjudna", **args))


def _refused(error: services.EventRefused | invitations.InvitationRefused, event_id: int):
    db.session.rollback()
    flash(str(error), "error")
    return _to_event(event_id)


def _ended(event: Event) -> bool:
    return event.ends_at < utcnow()


# --- The list ------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*MANAGERS)
def index():
    past = request.args.get("tid") == "tidigare"
    form = EventFilterForm(request.args, networks=_networks())
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
    form = EventForm(networks=_networks(network_id))
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
            return _to_event(event.id)
    return render_template("events/form.html", form=form, event=None, conflicts=conflicts)


@bp.route("/ny-serie", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_series():
    network_id = request.args.get("natverk", type=int)
    form = SeriesForm(networks=_networks(network_id))
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
                return _to_event(series.events[0].id)
    # The dates stay on show when the only fault is that none of them is ticked or some of them are busy.
    preview = form.times if form.is_submitted() and set(form.errors) <= {"days", "override"} else []
    busy = conflicts_by_time([acting_user().id], preview)  # what the organizer already has at each date; one query
    return render_template("events/series_form.html", form=form, preview=preview, changed=changed, busy=busy)


# --- The event page ------------------------------------------------------------------------------


def _invitee_rows(event: Event) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id, Invitation.uninvited_at.is_(None))
        .options(selectinload(Invitation.contact).selectinload(ContactPerson.company_links)
                 .selectinload(CompanyContact.company))
        .order_by(swedish(Invitation.name), Invitation.id)
    ))


def _siblings(event: Event) -> list[Event]:
    if event.series_id is None:
        return []
    return list(db.session.scalars(
        select(Event).where(Event.series_id == event.series_id).order_by(Event.starts_at, Event.id)
    ))


def _company_of(invitation: Invitation, today: date) -> str:
    return recipients.company_names(invitation.contact, today) if invitation.contact is not None else ""


@bp.route("/<int:event_id>")
@roles_required(*MANAGERS)
def show(event_id: int):
    event = _event_or_404(event_id)
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
        ended=_ended(event),
        answers_open=invitations.answers_open(event, now),
        fetched_at=local(now),
    )


@bp.route("/<int:event_id>/kalender.ics")
@roles_required(*MANAGERS)
def download(event_id: int):
    event = _event_or_404(event_id)
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
    event = _event_or_404(event_id)
    if event.status == EventStatus.CANCELLED:
        return _refused(services.AlreadyCancelled(), event.id)
    form = EventForm(networks=_networks(event.network_id), data=EventForm.initial_data(event))
    conflicts = []
    if form.validate_on_submit():
        try:
            sent = services.update_event(event, form.to_data(), override=form.override.data)
        except ParticipantsBusy as busy:
            db.session.rollback()
            conflicts = busy.conflicts
        except services.EventRefused as error:
            return _refused(error, event.id)
        else:
            db.session.commit()
            flash(_("Ändringarna är sparade."), "success")
            _updates_flash(sent)
            return _to_event(event.id)
    return render_template("events/form.html", form=form, event=event, conflicts=conflicts)


@bp.route("/<int:event_id>/flytta", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def move(event_id: int):
    event = _event_or_404(event_id)
    if event.status == EventStatus.CANCELLED:
        return _refused(services.AlreadyCancelled(), event.id)
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
            return _refused(error, event.id)
        else:
            db.session.commit()
            flash(_("Träffen är flyttad."), "success")
            _updates_flash(sent)
            return _to_event(event.id)
    return render_template("events/move.html", form=form, event=event, rest=None,
                           invited=services.answer_counts(event).invited, conflicts=conflicts)


@bp.route("/<int:event_id>/flytta-serien", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def move_series(event_id: int):
    event = _event_or_404(event_id)
    if event.series_id is None:
        return redirect(url_for("events.move", event_id=event.id))
    if event.status == EventStatus.CANCELLED:
        return _refused(services.AlreadyCancelled(), event.id)
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
            return _refused(error, event.id)
        else:
            db.session.commit()
            flash(ngettext("%(num)d träff är flyttad.", "%(num)d träffar är flyttade.", len(moved)), "success")
            _updates_flash(sent)
            return _to_event(event.id)
    return render_template("events/move.html", form=form, event=event, rest=rest,
                           invited=_invited_in(rest), conflicts=conflicts)


def _invited_in(events: list[Event]) -> int:
    counts = services.answer_counts_for([item.id for item in events])
    return sum(count.invited for count in counts.values())


@bp.route("/<int:event_id>/stall-in", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def cancel(event_id: int):
    event = _event_or_404(event_id)
    if event.status == EventStatus.CANCELLED:
        return _refused(services.AlreadyCancelled(), event.id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            sent = services.cancel(event)
        except services.EventRefused as error:
            return _refused(error, event.id)
        db.session.commit()
        flash(_("Träffen är inställd."), "success")
        _cancellations_flash(sent)
        return _to_event(event.id)
    return render_template("events/cancel.html", form=form, event=event, rest=None,
                           invited=services.answer_counts(event).invited)


@bp.route("/<int:event_id>/stall-in-serien", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def cancel_series(event_id: int):
    event = _event_or_404(event_id)
    if event.series_id is None:
        return redirect(url_for("events.cancel", event_id=event.id))
    if event.status == EventStatus.CANCELLED:
        return _refused(services.AlreadyCancelled(), event.id)
    rest = services.rest_of_series(event)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            cancelled, sent = services.cancel_rest_of_series(event)
        except services.EventRefused as error:
            return _refused(error, event.id)
        db.session.commit()
        flash(ngettext("%(num)d träff är inställd.", "%(num)d träffar är inställda.", len(cancelled)), "success")
        _cancellations_flash(sent)
        return _to_event(event.id)
    return render_template("events/cancel.html", form=form, event=event, rest=rest, invited=_invited_in(rest))


def _cancellations_flash(sent: int) -> None:
    if sent:
        flash(ngettext("%(num)d inbjuden fick en avbokning.", "%(num)d inbjudna fick en avbokning.", sent), "success")


# --- Invitees ------------------------------------------------------------------------------------


def _invitation_or_404(event: Event, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.event_id != event.id:
        abort(404)
    return invitation


@bp.route("/<int:event_id>/inbjudna/<int:invitation_id>/aterkalla", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def uninvite(event_id: int, invitation_id: int):
    event = _event_or_404(event_id)
    invitation = _invitation_or_404(event, invitation_id)
    if invitation.uninvited_at is not None:
        flash(_("%(name)s är inte inbjuden längre.", name=invitation.name), "success")
        return _to_invitees(event.id)
    form = ConfirmForm()
    if form.validate_on_submit():
        sent = invitations.uninvite(invitation)
        db.session.commit()
        if sent:
            flash(_("%(name)s är inte längre inbjuden och får ett meddelande om det.", name=invitation.name),
                  "success")
        else:
            flash(_("%(name)s är borttagen från listan.", name=invitation.name), "success")
        return _to_invitees(event.id)
    return render_template("events/uninvite.html", form=form, event=event, invitation=invitation)


@bp.route("/<int:event_id>/paminn", methods=["POST"])
@roles_required(*MANAGERS)
def remind(event_id: int):
    event = _event_or_404(event_id)
    if not invitations.answers_open(event, utcnow()):
        flash(_("Det går inte att svara längre, så ingen påminnelse skickades."), "error")
        return _to_event(event.id)
    sent = invitations.remind_unanswered(event)
    db.session.commit()
    if sent:
        flash(ngettext("En påminnelse skickades till %(num)d som inte har svarat.",
                       "En påminnelse skickades till %(num)d som inte har svarat.", sent), "success")
    else:
        flash(_("Ingen påminnelse skickades: alla har svarat eller fått en påminnelse i dag."), "success")
    return _to_event(event.id)


# --- Inviting ------------------------------------------------------------------------------------


SOURCES = ("natverk", "filter", "valda")


def _invite_source(event: Event) -> tuple[str, list[ContactPerson] | None, dict]:
    """The source chosen in the query string, its contacts (None while still choosing), and what the page shows."""
    source = request.args.get("kalla", "")
    today = stockholm_today()
    context: dict = {"filters": CompanyFilters.from_args(request.args), "network": None, "found": [], "picked": [],
                     "search": (request.args.get("sok") or "").strip(), "ad_blocked": None}
    if source == "natverk":
        network = db.session.get(Network, request.args.get("natverk", type=int) or 0)
        if network is None:
            return source, None, context
        context["network"] = network
        return source, recipients.network_contacts(network, today), context
    if source == "filter":
        filters = context["filters"]
        if not filters.active:
            return source, None, context
        context["ad_blocked"] = recipients.ad_blocked_companies(filters)
        return source, recipients.filter_contacts(filters, today), context
    if source == "valda":
        picked = recipients.contacts_by_id(request.args.getlist("kontakt", type=int))
        context["picked"] = picked
        if request.args.get("steg") == "granska" and picked:
            return source, picked, context
        picked_ids = {contact.id for contact in picked}
        context["found"] = [c for c in recipients.search_contacts(context["search"]) if c.id not in picked_ids]
        return source, None, context
    return "", None, context


@bp.route("/<int:event_id>/bjud-in", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def invite(event_id: int):
    event = _event_or_404(event_id)
    if event.status == EventStatus.CANCELLED:
        return _refused(invitations.EventCancelled(), event.id)
    if request.method == "POST":
        return _send_invitations(event)
    source, contacts, context = _invite_source(event)
    plan = invitations.plan_invitations(event, contacts) if contacts is not None else None
    form = InviteForm()
    if plan is not None:
        form.contacts.choices = [SelectChoice(contact.id, contact.name) for contact in plan.invite]
        form.contacts.data = [contact.id for contact in plan.invite]
    return render_template(
        "events/invite.html", event=event, source=source, plan=plan, form=form, networks=_networks(event.network_id),
        choices=recipients.filter_choices() if plan is None else None,
        company_names=recipients.company_names, ended=_ended(event), **context,
    )


def _send_invitations(event: Event):
    chosen = recipients.contacts_by_id(
        int(value) for value in request.form.getlist("contacts") if value.isdigit()
    )
    form = InviteForm()
    form.contacts.choices = [SelectChoice(contact.id, contact.name) for contact in chosen]
    back = request.full_path if request.query_string else url_for("events.invite", event_id=event.id)
    if not form.validate_on_submit():
        if form.csrf_token.errors if hasattr(form, "csrf_token") else False:
            flash(_("Formuläret hade gått ut. Försök igen."), "error")
        else:
            flash(_("Några av de valda kontaktpersonerna finns inte längre. Välj igen."), "error")
        return redirect(back)
    if not form.contacts.data:
        flash(_("Välj minst en kontaktperson att bjuda in."), "error")
        return redirect(back)
    try:
        created, plan = invitations.invite(event, [c for c in chosen if c.id in set(form.contacts.data)])
    except invitations.InvitationRefused as error:
        return _refused(error, event.id)
    db.session.commit()
    flash(ngettext("%(num)d inbjudan har lagts i utkorgen och skickas strax.",
                   "%(num)d inbjudningar har lagts i utkorgen och skickas strax.", len(created)), "success")
    if plan.excluded:
        flash(ngettext("%(num)d fick ingen inbjudan.", "%(num)d fick ingen inbjudan.", len(plan.excluded)), "success")
    return _to_event(event.id, "inbjudna")


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
    return _render_attendance(_event_or_404(event_id))


def _to_attendance(event_id: int, anchor: str | None = None):
    q = (request.form.get("q") or "").strip()
    return redirect(url_for("events.attendance", event_id=event_id, q=q or None, _anchor=anchor))


@bp.route("/<int:event_id>/narvaro/<int:invitation_id>", methods=["POST"])
@roles_required(*MANAGERS)
def mark(event_id: int, invitation_id: int):
    event = _event_or_404(event_id)
    invitation = _invitation_or_404(event, invitation_id)
    value = request.form.get("narvaro")
    if value not in ("narvarande", "angra") or invitation.uninvited_at is not None:
        flash(_("Närvaron kunde inte sparas. Försök igen."), "error")
        return _to_attendance(event.id)
    try:
        services.mark_attendance(invitation, Attendance.ATTENDED if value == "narvarande" else None)
    except services.EventRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return _to_attendance(event.id)
    db.session.commit()
    return _to_attendance(event.id, f"deltagare-{invitation.id}")


@bp.route("/<int:event_id>/narvaro/avsluta", methods=["POST"])
@roles_required(*MANAGERS)
def close(event_id: int):
    event = _event_or_404(event_id)
    try:
        count = services.close_attendance(event)
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
    event = _event_or_404(event_id)
    form = WalkInForm()
    if not form.validate_on_submit():
        return _render_attendance(event, form)
    try:
        company = recipients.find_company(form.company.data or "")
    except recipients.CompanyNotFound as error:
        form.company.errors.append(error.message)
        return _render_attendance(event, form)
    try:
        invitation = services.add_walk_in(event, form.name.data, form.email.data, company=company)
    except services.EventRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return _to_attendance(event.id)
    db.session.commit()
    flash(_("%(name)s är tillagd och markerad som närvarande.", name=invitation.name), "success")
    return _to_attendance(event.id, f"deltagare-{invitation.id}")


def local_time(value: datetime) -> str:
    return local(value).strftime("%H:%M")


bp.add_app_template_filter(local_time, "event_time")
