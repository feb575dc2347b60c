"""Follow-up pages: raise and edit one, "Mina uppföljningar", the unit-wide list and the politicians' list.

Who may do what (admins everything):
  staff      read every follow-up, raise and edit them
  organizer  nothing: follow-ups are the unit's casework, not the events'
  politician only /uppfoljningar/politiker and the visit page: follow-ups marked visible to
             politicians, of visits they take part in, showing description, status and feedback
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from crm.auth.access import acting_user, roles_required
from crm.auth.models import Role
from crm.extensions import db
from crm.followups import access, bp
from crm.followups import services as followups
from crm.followups.forms import FEEDBACK_WAYS, FollowUpFilterForm, FollowUpForm
from crm.followups.models import FollowUp
from crm.timeutil import stockholm_today

WRITERS = (Role.STAFF,)
READERS = (Role.STAFF,)
POLITICIANS = (Role.POLITICIAN,)



def _arg_id(name: str) -> int | None:
    return request.args.get(name, type=int)


@bp.app_template_global("visit_follow_ups")
def visit_follow_ups(visit, viewer) -> access.VisitFollowUps:
    """For the visit page's partial: the visit's follow-ups the viewer may see."""
    return access.visit_follow_ups(visit.id, viewer)


@bp.context_processor
def _helpers() -> dict:
    return {
        "visit_url": _visit_url,
        "source_of": followups.source_of,
        "days_overdue": followups.days_overdue,
    }


def _visit_url(visit_id: int) -> str | None:
    """The visit's page, once the visits feature serves one."""
    try:
        return url_for("visits.detail", visit_id=visit_id)
    except BuildError:
        return None


def _form(follow_up: FollowUp | None = None, **kwargs) -> FollowUpForm:
    keep_assignee = follow_up.assignee_id if follow_up else None
    keep_topic = follow_up.topic_id if follow_up else None
    return FollowUpForm(
        today=stockholm_today(),
        previous_due=follow_up.due_date if follow_up else None,
        assignees=followups.assignee_candidates(keep_assignee),
        topics=followups.topic_candidates(keep_topic),
        **kwargs,
    )


def _flash_saved(follow_up: FollowUp) -> None:
    flash(_("Uppföljningen är sparad."), "success")
    if not follow_up.is_open and followups.closes_its_visit(follow_up):
        flash(_("Besöket är nu helt avslutat: alla uppföljningar är stängda och företaget har fått återkoppling."),
              "success")


@bp.route("/ny", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new():
    ids = {"visit_id": _arg_id("visit_id"), "interaction_id": _arg_id("interaction_id"),
           "company_id": _arg_id("company_id")}
    if not any(ids.values()):
        flash(_("En uppföljning skapas från ett besök, ett möte eller ett företag. Välj företaget först."), "info")
        return redirect(url_for("companies.index"))
    source = followups.find_source(**ids)
    if source is None:
        abort(404)
    form = _form(data={"assignee_id": str(current_user.id)})
    if form.validate_on_submit():
        follow_up = followups.create_follow_up(source, form.to_data(), acting_user(), stockholm_today())
        db.session.commit()
        _flash_saved(follow_up)
        return redirect(url_for("followups.detail", follow_up_id=follow_up.id))
    return render_template("followups/form.html", form=form, source=source, follow_up=None,
                           feedback_ways=FEEDBACK_WAYS)


@bp.route("/<int:follow_up_id>/redigera", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit(follow_up_id: int):
    follow_up = followups.load_for_page(follow_up_id)
    if follow_up is None:
        abort(404)
    form = _form(follow_up, data=FollowUpForm.initial_data(follow_up))
    if form.validate_on_submit():
        followups.update_follow_up(follow_up, form.to_data(), stockholm_today(), actor=acting_user())
        db.session.commit()
        _flash_saved(follow_up)
        return redirect(url_for("followups.detail", follow_up_id=follow_up.id))
    source = followups.Source(company=follow_up.company, visit=follow_up.visit, interaction=follow_up.interaction)
    return render_template("followups/form.html", form=form, source=source, follow_up=follow_up,
                           feedback_ways=FEEDBACK_WAYS)


@bp.route("/<int:follow_up_id>")
@roles_required(*READERS)
def detail(follow_up_id: int):
    follow_up = followups.load_for_page(follow_up_id)
    if follow_up is None:
        abort(404)
    return render_template(
        "followups/detail.html",
        follow_up=follow_up,
        today=stockholm_today(),
        can_write=access.may_write(current_user),
    )


@bp.route("/mina")
@roles_required(*READERS)
def mine():
    return render_template(
        "followups/mine.html",
        mine=followups.my_follow_ups(current_user, stockholm_today()),
        can_write=access.may_write(current_user),
    )


@bp.route("/")
@roles_required(*READERS)
def index():
    today = stockholm_today()
    form = FollowUpFilterForm(
        request.args, assignees=followups.assignee_candidates(), topics=followups.topic_candidates()
    )
    page = db.paginate(
        followups.list_query(form.to_filters(), today),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render_template("followups/index.html", page=page, form=form, today=today)


@bp.route("/politiker")
@roles_required(*POLITICIANS)
def politician():
    page = db.paginate(
        access.politician_query(current_user),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render_template("followups/politician.html", page=page)
