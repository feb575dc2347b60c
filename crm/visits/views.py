"""Company visits: the list, proposing, booking, completing, cancelling, the protocol and the .ics download.

Staff (and admins) do everything; politicians see booked and done visits' basic facts, sign up for
booked ones, and read in full (and add notes to) the visits they take part in; organizers see the
basic facts only (no protocol, notes, purpose or follow-ups).
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.access import acting_user, roles_required
from crm.auth.models import Role
from crm.companies.models import Company
from crm.conflicts import ParticipantsBusy
from crm.extensions import db
from crm.mail.links import absolute_url
from crm.visits import access, bp, queries, services
from crm.visits.calendar import has_calendar_entry, visit_ics
from crm.visits.forms import BookForm, CancelForm, NoteForm, ProtocolForm, SignUpForm, VisitFilterForm, VisitForm
from crm.visits.models import Visit, VisitStatus

WRITERS = (Role.STAFF,)
READERS = (Role.STAFF, Role.ORGANIZER, Role.POLITICIAN)
IN_FULL_READERS = (Role.STAFF, Role.POLITICIAN)  # the protocol and the .ics: politicians at their own visits
NOTE_WRITERS = (Role.STAFF, Role.POLITICIAN)


def _visible_or_404(visit_id: int) -> Visit:
    """The visit with what its page shows; 404 if missing, 403 if the viewer may not open it."""
    visit = queries.load_for_page(visit_id)
    if visit is None:
        abort(404)
    if not access.can_see(current_user, visit):
        abort(403)
    return visit


def _in_full_or_403(visit_id: int) -> Visit:
    visit = _visible_or_404(visit_id)
    if not access.sees_in_full(current_user, visit):
        abort(403)
    return visit


def _to_detail(visit_id: int):
    return redirect(url_for("visits.detail", visit_id=visit_id))


def _refused(error: services.VisitError, visit_id: int):
    db.session.rollback()
    flash(str(error), "error")
    return _to_detail(visit_id)


def _visit_form(visit: Visit | None, company_id: int, **kwargs) -> VisitForm:
    participants = visit.participants if visit else ()
    return VisitForm(
        booked=bool(visit and visit.status == VisitStatus.BOOKED),
        politicians=queries.politician_candidates(participants),
        officials=queries.official_candidates(participants),
        contacts=queries.company_contacts(company_id, visit.contacts if visit else ()),
        topics=queries.topic_candidates(visit.topics if visit else ()),
        **kwargs,
    )


def _render_detail(visit: Visit, note_form: NoteForm | None = None, status: int = 200, conflicts=(),
                   signing_up: bool = False):
    """The visit page; with `conflicts`, the warning and a button to book (or, `signing_up`, sign up) anyway."""
    in_full = access.sees_in_full(current_user, visit)
    return render_template(
        "visits/detail.html",
        visit=visit,
        conflicts=conflicts,
        book_form=(SignUpForm() if signing_up else BookForm()) if conflicts else None,
        signing_up=signing_up,
        in_full=in_full,
        manages=access.manages(current_user),
        takes_part=access.takes_part(current_user, visit),
        contact_details=access.sees_contact_details(current_user),
        may_sign_up=current_user.has_role(Role.POLITICIAN) and visit.status == VisitStatus.BOOKED,
        begun=services.has_begun(visit),
        note_form=note_form or (NoteForm() if access.may_add_note(current_user, visit) else None),
        has_ics=in_full and has_calendar_entry(visit),
    ), status


@bp.route("/")
@roles_required(*READERS)
def index():
    statuses = list(VisitStatus) if access.reads_all(current_user) else list(access.OPEN_TO_POLITICIANS)
    form = VisitFilterForm(request.args, years=queries.years_in_use(), statuses=statuses)
    filters = form.to_filters() if form.validate() else queries.VisitFilters()
    page = db.paginate(
        queries.list_query(current_user, filters),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render_template("visits/index.html", page=page, form=form, manages=access.manages(current_user))


@bp.route("/nytt", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new():
    company = db.session.get(Company, request.args.get("company_id", type=int) or 0)
    if company is None:
        query = (request.args.get("q") or "").strip()
        return render_template("visits/pick_company.html", q=query, companies=queries.find_companies(query))
    form = _visit_form(None, company.id, data={"officials": [current_user.id]})
    conflicts = []
    if form.validate_on_submit():
        try:
            visit = services.create_visit(company, form.to_data(), acting_user())
            if form.booking:
                services.book(visit, override=form.override.data)
        except ParticipantsBusy as busy:
            db.session.rollback()
            conflicts = busy.conflicts
        else:
            db.session.commit()
            flash(_("Besöket är bokat.") if form.booking else _("Besöket är sparat som förslag."), "success")
            return _to_detail(visit.id)
    return render_template("visits/form.html", form=form, company=company, visit=None, conflicts=conflicts)


@bp.route("/<int:visit_id>")
@roles_required(*READERS)
def detail(visit_id: int):
    return _render_detail(_visible_or_404(visit_id))


@bp.route("/<int:visit_id>/redigera", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit(visit_id: int):
    visit = _visible_or_404(visit_id)
    if visit.status == VisitStatus.DONE:
        return _edit_protocol(visit)
    if visit.status in services.FINAL:
        return _refused(services.VisitClosed(), visit.id)
    form = _visit_form(visit, visit.company_id, data=VisitForm.initial_data(visit))
    conflicts = []
    if form.validate_on_submit():
        try:
            services.update_visit(visit, form.to_data(), override=form.override.data)
            if form.booking:
                services.book(visit, override=form.override.data)
        except ParticipantsBusy as busy:
            db.session.rollback()
            conflicts = busy.conflicts
        except services.VisitError as error:
            return _refused(error, visit.id)
        else:
            db.session.commit()
            flash(_("Besöket är bokat.") if form.booking else _("Ändringarna är sparade."), "success")
            return _to_detail(visit.id)
    return render_template("visits/form.html", form=form, company=visit.company, visit=visit, conflicts=conflicts)


def _edit_protocol(visit: Visit):
    form = ProtocolForm(data=ProtocolForm.initial_data(visit), topics=queries.topic_candidates(visit.topics))
    if form.validate_on_submit():
        services.save_protocol(visit, form.to_data())
        db.session.commit()
        flash(_("Protokollet är sparat."), "success")
        return _to_detail(visit.id)
    return render_template("visits/protocol_form.html", form=form, visit=visit)


@bp.route("/<int:visit_id>/boka", methods=["POST"])
@roles_required(*WRITERS)
def book(visit_id: int):
    visit = db.get_or_404(Visit, visit_id)
    try:
        services.book(visit, override=BookForm().override.data)
    except ParticipantsBusy as busy:
        db.session.rollback()
        return _render_detail(_visible_or_404(visit_id), conflicts=busy.conflicts)
    except services.TimesRequired as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("visits.edit", visit_id=visit.id))
    except services.VisitError as error:
        return _refused(error, visit.id)
    db.session.commit()
    flash(_("Besöket är bokat."), "success")
    return _to_detail(visit.id)


@bp.route("/<int:visit_id>/genomfor", methods=["POST"])
@roles_required(*WRITERS)
def complete(visit_id: int):
    visit = db.get_or_404(Visit, visit_id)
    try:
        services.complete(visit, acting_user())
    except services.VisitError as error:
        return _refused(error, visit.id)
    db.session.commit()
    flash(_("Besöket är genomfört. Skriv protokollet."), "success")
    return redirect(url_for("visits.edit", visit_id=visit.id))


@bp.route("/<int:visit_id>/stall-in", methods=["GET", "POST"])
@roles_required(*WRITERS)
def cancel(visit_id: int):
    visit = _visible_or_404(visit_id)
    if visit.status in services.FINAL:
        return _refused(services.IllegalTransition(visit.status, VisitStatus.CANCELLED), visit.id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel(visit, form.reason.data)
        except services.VisitError as error:
            return _refused(error, visit.id)
        db.session.commit()
        flash(_("Besöket är inställt."), "success")
        return _to_detail(visit.id)
    return render_template("visits/cancel.html", form=form, visit=visit)


@bp.route("/<int:visit_id>/delta", methods=["POST"])
@roles_required(Role.POLITICIAN)
def join(visit_id: int):
    visit = _visible_or_404(visit_id)
    try:
        services.join(visit, acting_user(), override=SignUpForm().override.data)
    except ParticipantsBusy as busy:
        db.session.rollback()
        return _render_detail(_visible_or_404(visit_id), conflicts=busy.conflicts, signing_up=True)
    except services.VisitError as error:
        return _refused(error, visit.id)
    db.session.commit()
    flash(_("Du är anmäld som deltagare."), "success")
    return _to_detail(visit.id)


@bp.route("/<int:visit_id>/lamna", methods=["POST"])
@roles_required(Role.POLITICIAN)
def withdraw(visit_id: int):
    visit = _visible_or_404(visit_id)
    try:
        services.withdraw(visit, acting_user())
    except services.VisitError as error:
        return _refused(error, visit.id)
    db.session.commit()
    flash(_("Du är inte längre anmäld till besöket."), "success")
    return _to_detail(visit.id)


@bp.route("/<int:visit_id>/anteckningar", methods=["POST"])
@roles_required(*NOTE_WRITERS)
def add_note(visit_id: int):
    visit = _visible_or_404(visit_id)
    if not access.may_add_note(current_user, visit):
        abort(403)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_detail(visit, note_form=form)
    services.add_note(visit, acting_user(), form.text.data)
    db.session.commit()
    flash(_("Anteckningen är sparad."), "success")
    return _to_detail(visit.id)


@bp.route("/<int:visit_id>/protokoll")
@roles_required(*IN_FULL_READERS)
def protocol(visit_id: int):
    visit = _in_full_or_403(visit_id)
    return render_template("visits/protocol.html", visit=visit, contact_details=False)


@bp.route("/<int:visit_id>/besok.ics")
@roles_required(*IN_FULL_READERS)
def ics(visit_id: int):
    visit = _in_full_or_403(visit_id)
    if not has_calendar_entry(visit):
        abort(404)
    body = visit_ics(visit, absolute_url("visits.detail", visit_id=visit.id))
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="besok-{visit.id}.ics"'
    return response
