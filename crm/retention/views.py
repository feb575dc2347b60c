"""The gallring plan, the proposal and its approval, and the gallringslogg: admins only."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.access import roles_required
from crm.auth.models import Role
from crm.companies.models import Company, ContactPerson
from crm.extensions import db
from crm.retention import bp, proposals, services
from crm.retention.forms import ApproveForm, PreserveForm, plan_form
from crm.retention.kinds import AUTOMATIC
from crm.retention.models import ProposalStatus
from crm.retention.plan import rules
from crm.timeutil import stockholm_today

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def index():
    form = plan_form(rules())
    if form.validate_on_submit():
        changed = services.save_plan(form.choices())
        db.session.commit()
        flash(_("Gallringsplanen är sparad.") if changed else _("Planen är oförändrad."), "success")
        return redirect(url_for("retention.index"))
    proposal = proposals.latest()
    return render_template(
        "retention/index.html", form=form, automatic=AUTOMATIC, proposal=proposal,
        summary=proposals.summary(proposal) if proposal else [],
        approve_form=ApproveForm(proposal=proposal.id) if proposal else None,
        log=services.log_page(1), kind_label=services.kind_label, status=ProposalStatus,
    )


@bp.route("/godkann", methods=["POST"])
@roles_required(Role.ADMIN)
def approve():
    form = ApproveForm()
    proposal = proposals.find(form.proposal.data)
    if not form.validate_on_submit() or proposal is None:
        flash(_("Förslaget kunde inte godkännas. Ladda sidan och försök igen."), "error")
        return redirect(url_for("retention.index"))
    try:
        proposals.approve(proposal, current_user)
    except proposals.NotApprovable:
        db.session.rollback()
        flash(_("Förslaget väntar inte längre på godkännande (det är redan godkänt eller ersatt)."), "error")
        return redirect(url_for("retention.index"))
    db.session.commit()
    flash(_("Gallringen är godkänd. Den görs i natt."), "success")
    return redirect(url_for("retention.index"))


@bp.route("/bevaras/foretag/<int:company_id>", methods=["POST"])
@roles_required(Role.ADMIN)
def preserve_company(company_id: int):
    company = db.get_or_404(Company, company_id)
    _preserve(company)
    return redirect(url_for("companies.detail", company_id=company.id))


@bp.route("/bevaras/kontaktperson/<int:contact_id>", methods=["POST"])
@roles_required(Role.ADMIN)
def preserve_contact(contact_id: int):
    contact = db.get_or_404(ContactPerson, contact_id)
    _preserve(contact)
    return redirect(url_for("contacts.detail", contact_id=contact.id))


def _preserve(record: Company | ContactPerson) -> None:
    form = PreserveForm()
    if not form.validate_on_submit() or form.preserve.data not in ("1", "0"):
        flash(_("Markeringen kunde inte ändras. Ladda sidan och försök igen."), "error")
        return
    if services.set_preserved(record, form.preserve.data == "1"):
        db.session.commit()
    flash(_("Markerad ”bevaras”: gallras aldrig enligt gallringsplanen.") if record.preserved
          else _("Markeringen ”bevaras” är borttagen: gallras enligt gallringsplanen."), "success")


@bp.route("/logg")
@roles_required(Role.ADMIN)
def log():
    page = services.log_page(request.args.get("page", 1, type=int))
    return render_template("retention/log.html", page=page, kind_label=services.kind_label)


@bp.route("/logg.<any(csv, xlsx):fmt>")
@roles_required(Role.ADMIN)
def export_log(fmt: str):
    if fmt == "csv":
        response = Response(services.log_csv(), content_type="text/csv; charset=utf-8")
    else:
        response = Response(services.log_xlsx(), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{services.export_name(fmt, stockholm_today())}"'
    return response
