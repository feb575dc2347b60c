"""The visit plan (besöksplan): the year's dashboard, its target, and suggestions of whom to visit next.

The pages only read: the register's counts and the ranked suggestions are stored by the scheduled job
(crm.plan.tasks); before its first run a page counts and ranks what it shows without storing it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.access import acting_user, roles_required
from crm.auth.models import Role
from crm.companies.models import Company
from crm.extensions import db
from crm.plan import bp, proposals, suggestions
from crm.plan import services as plan
from crm.plan.forms import BACK_TO_LIST, ProposeForm, TargetForm
from crm.plan.spread import percent, spread
from crm.timeutil import stockholm_today, utcnow

READERS = (Role.STAFF, Role.ORGANIZER, Role.POLITICIAN)
PROPOSERS = (Role.STAFF,)


@bp.context_processor
def _plan_helpers() -> dict:
    return {"bar_step": plan.bar_step, "percent": percent, "plan_years": (plan.FIRST_YEAR, plan.LAST_YEAR)}


def _checked_year(year: int) -> int:
    if not plan.is_plan_year(year):
        abort(404)
    return year


def _visible_follow_ups_only() -> bool:
    """Only staff and admins see every follow-up; others only those marked visible to politicians."""
    return not current_user.has_role(*PROPOSERS)


@bp.route("/")
@roles_required(*READERS)
def index():
    return redirect(url_for("plan.show", year=stockholm_today().year))


@bp.route("/<int:year>")
@roles_required(*READERS)
def show(year: int):
    figures = plan.figures(_checked_year(year), stockholm_today())
    top = suggestions.suggestions(
        year, utcnow(), figures.spreads, suggestions.PLAN_PAGE_COUNT, visible_follow_ups_only=_visible_follow_ups_only()
    )
    return render_template(
        "plan/show.html", figures=figures, suggestions=top, can_propose=current_user.has_role(*PROPOSERS)
    )


@bp.route("/<int:year>/mal", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def target(year: int):
    existing = plan.plan_for(_checked_year(year))
    form = TargetForm(data={"target": existing.target} if existing else None)
    if form.validate_on_submit():
        plan.set_target(year, form.target.data)
        db.session.commit()
        target_text = format_number(form.target.data)
        flash(_("Målet för %(year)d är %(target)s besök.", year=year, target=target_text), "success")
        return redirect(url_for("plan.show", year=year))
    return render_template("plan/target.html", form=form, year=year, existing=existing)


@bp.route("/<int:year>/forslag")
@roles_required(*READERS)
def suggestion_list(year: int):
    spreads = spread(_checked_year(year))
    found = suggestions.suggestions(
        year, utcnow(), spreads, suggestions.FULL_LIST_COUNT, visible_follow_ups_only=_visible_follow_ups_only()
    )
    return render_template(
        "plan/suggestions.html", year=year, suggestions=found, can_propose=current_user.has_role(*PROPOSERS)
    )


@bp.route("/<int:year>/forslag/<int:company_id>", methods=["POST"])
@roles_required(*PROPOSERS)
def propose(year: int, company_id: int):
    _checked_year(year)
    company = db.get_or_404(Company, company_id)
    form = ProposeForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("plan.suggestion_list" if form.back.data == BACK_TO_LIST else "plan.show", year=year)
    try:
        proposals.propose_visit(company, year, acting_user(), utcnow())
    except proposals.ProposalRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Besök hos %(name)s är föreslaget för %(year)d.", name=company.name, year=year), "success")
    return redirect(back)
