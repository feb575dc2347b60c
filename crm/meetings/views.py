"""The meeting log's pages: log an interaction, read it and its versions, edit and finalise drafts."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.access import acting_user, roles_required
from crm.auth.models import Role, User
from crm.companies.models import Company
from crm.extensions import db
from crm.meetings import bp, services
from crm.meetings.forms import InteractionForm, LogFilterForm, QuickInteractionForm, ReassignForm
from crm.meetings.models import Interaction
from crm.text import swedish_sort_key

# Staff (and admins) read and write the meeting log; organizers and politicians have no access to it.
WRITERS = (Role.STAFF,)


def _form_choices(interaction: Interaction | None = None) -> dict:
    """The participants and topics a form offers, keeping those an existing interaction already has."""
    keep_users = interaction.participants if interaction else ()
    keep_topics = interaction.topics if interaction else ()
    return {
        "users": services.participant_candidates(keep_users),
        "topics": services.topic_candidates(keep_topics),
    }



def _blank_data() -> dict:
    return {"participants": [current_user.id]}


def _page_or_404(interaction_id: int) -> Interaction:
    interaction = services.load_for_page(interaction_id)
    if interaction is None:
        abort(404)
    return interaction


def _save_new(company: Company, form: InteractionForm):
    """Create the interaction (finalised at once if asked), commit, and go to it."""
    interaction = services.create_interaction(company, form.to_data(), acting_user())
    if form.finalising:
        services.finalize(interaction, acting_user())
    db.session.commit()
    _flash_saved(form.finalising)
    return redirect(url_for("meetings.detail", interaction_id=interaction.id))


def _flash_saved(finalised: bool) -> None:
    if finalised:
        flash(_("Anteckningen är sparad och färdigställd. Den kan inte längre ändras."), "success")
    else:
        flash(_("Utkastet är sparat. Du kan ändra det tills det är färdigställt."), "success")


def _refused(error: services.MeetingLogError, interaction_id: int):
    db.session.rollback()
    flash(str(error), "error")
    return redirect(url_for("meetings.detail", interaction_id=interaction_id))


@bp.route("/moten/")
@roles_required(*WRITERS)
def index():
    form = LogFilterForm(request.args)
    filters = {}
    if form.validate():
        filters = {"kind": form.chosen_kind, "mine": form.mine.data, "drafts_only": form.drafts.data}
    page = db.paginate(
        services.log_query(current_user, **filters),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "meetings/index.html",
        page=page,
        form=form,
    )


@bp.route("/foretag/<int:company_id>/moten/ny", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_for_company(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = InteractionForm(data=_blank_data(), contacts=services.company_contacts(company.id), **_form_choices())
    if form.validate_on_submit():
        return _save_new(company, form)
    return render_template("meetings/form.html", form=form, company=company, interaction=None)


@bp.route("/moten/ny", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new():
    form = QuickInteractionForm(data=_blank_data(), **_form_choices())
    if form.is_submitted():
        company = form.find_company()
        if form.searching:
            form.show_company_error()
        elif form.validate():
            return _save_new(company, form)
    return render_template("meetings/form.html", form=form, company=form.chosen_company, interaction=None)


def _reassign_form(interaction: Interaction, **kwargs) -> ReassignForm | None:
    if not services.may_reassign(current_user, interaction):
        return None
    return ReassignForm(candidates=services.author_candidates(interaction.created_by), **kwargs)


def _render_detail(interaction: Interaction, reassign_form: ReassignForm | None = None):
    versions = services.versions_of(interaction)
    return render_template(
        "meetings/detail.html",
        interaction=interaction,
        versions=versions,
        successor=services.successor_in(versions, interaction),
        owns_draft=services.owns_draft(current_user, interaction),
        reassign_form=reassign_form or _reassign_form(interaction, formdata=None),
    )


@bp.route("/moten/<int:interaction_id>")
@roles_required(*WRITERS)
def detail(interaction_id: int):
    return _render_detail(_page_or_404(interaction_id))


@bp.route("/moten/<int:interaction_id>/ny-ansvarig", methods=["POST"])
@roles_required(Role.ADMIN)
def reassign(interaction_id: int):
    interaction = _page_or_404(interaction_id)
    form = _reassign_form(interaction)
    if form is None:
        return _refused(services.InteractionLocked(), interaction.id)
    if not form.validate_on_submit():
        return _render_detail(interaction, reassign_form=form)
    author = db.session.get(User, form.author.data)
    try:
        services.reassign(interaction, author, acting_user())
    except services.MeetingLogError as error:
        return _refused(error, interaction.id)
    db.session.commit()
    flash(_("Utkastet tillhör nu %(name)s.", name=author.name), "success")
    return redirect(url_for("meetings.detail", interaction_id=interaction.id))


@bp.route("/moten/<int:interaction_id>/redigera", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit(interaction_id: int):
    interaction = _page_or_404(interaction_id)
    try:
        services.check_owner(interaction, acting_user())
    except services.MeetingLogError as error:
        return _refused(error, interaction.id)
    contacts = {contact.id: contact for contact in services.company_contacts(interaction.company_id)}
    contacts.update({contact.id: contact for contact in interaction.contacts})
    form = InteractionForm(
        data=InteractionForm.initial_data(interaction),
        contacts=sorted(contacts.values(), key=lambda contact: swedish_sort_key(contact.name)),
        **_form_choices(interaction),
    )
    if form.validate_on_submit():
        services.update_draft(interaction, form.to_data(), acting_user())
        if form.finalising:
            services.finalize(interaction, acting_user())
        db.session.commit()
        _flash_saved(form.finalising)
        return redirect(url_for("meetings.detail", interaction_id=interaction.id))
    return render_template("meetings/form.html", form=form, company=interaction.company, interaction=interaction)


@bp.route("/moten/<int:interaction_id>/fardigstall", methods=["POST"])
@roles_required(*WRITERS)
def finalize(interaction_id: int):
    interaction = db.get_or_404(Interaction, interaction_id)
    try:
        services.finalize(interaction, acting_user())
    except services.MeetingLogError as error:
        return _refused(error, interaction.id)
    db.session.commit()
    flash(_("Anteckningen är färdigställd. Den kan inte längre ändras."), "success")
    return redirect(url_for("meetings.detail", interaction_id=interaction.id))


@bp.route("/moten/<int:interaction_id>/ta-bort", methods=["POST"])
@roles_required(*WRITERS)
def delete(interaction_id: int):
    interaction = db.get_or_404(Interaction, interaction_id)
    company_id = interaction.company_id
    try:
        services.delete_draft(interaction, acting_user())
    except services.MeetingLogError as error:
        return _refused(error, interaction.id)
    db.session.commit()
    flash(_("Utkastet är borttaget."), "success")
    return redirect(url_for("companies.detail", company_id=company_id))


@bp.route("/moten/<int:interaction_id>/ny-version", methods=["POST"])
@roles_required(*WRITERS)
def new_version(interaction_id: int):
    previous = db.get_or_404(Interaction, interaction_id)
    try:
        successor = services.new_version(previous, acting_user())
    except services.MeetingLogError as error:
        return _refused(error, interaction_id)
    db.session.commit()
    flash(_("Version %(num)d är skapad som utkast. Ändra och färdigställ den.", num=successor.version), "success")
    return redirect(url_for("meetings.edit", interaction_id=successor.id))
