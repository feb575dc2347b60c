"""The registerutdrag (GDPR art. 15) as a page, a tagged PDF and a JSON file, for a contact person or a sole
trader's company; the register of requests; and the admin's art. 15 texts."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from crm.auth.access import acting_user, roles_required
from crm.auth.models import Role
from crm.companies.models import Company, ContactPerson
from crm.extensions import db
from crm.privacy import bp, report_subjects, services
from crm.privacy.forms import AccessRequestForm, DeliveredForm, PrivacyTextForm, ResetTextForm
from crm.privacy.models import AccessRequest, DeliveryWay
from crm.pdf import render_pdf
from crm.privacy.report import load_company, load_contact
from crm.privacy.report_subjects import UnknownMention
from crm.privacy.texts import DEFAULT_TEXTS, all_texts
from crm.timeutil import stockholm_today

HANDLERS = (Role.STAFF,)  # and admins: the registerutdrag and the register of requests


def _contact(contact_id: int) -> ContactPerson:
    contact = load_contact(contact_id)
    if contact is None:
        abort(404)
    return contact


def _company(company_id: int) -> Company | Response:
    company = load_company(company_id)
    if company is None:
        abort(404)
    if not company.is_sole_trader:
        abort(Response(render_template("privacy/not_sole_trader.html", company=company), status=404))
    return company


def _report(subject, chosen: list[str] | None = None):
    build = report_subjects.contact_report if isinstance(subject, ContactPerson) else report_subjects.company_report
    try:
        return build(subject, chosen)
    except UnknownMention:
        abort(Response(render_template("privacy/unknown_mention.html", subject=subject), status=400))


def _endpoints(subject) -> dict[str, str]:
    if isinstance(subject, ContactPerson):
        args = {"contact_id": subject.id}
        names = ("contact_report", "contact_report_pdf", "contact_report_json", "register_contact_request")
    else:
        args = {"company_id": subject.id}
        names = ("company_report", "company_report_pdf", "company_report_json", "register_company_request")
    return {key: url_for(f"privacy.{name}", **args) for key, name in zip(("page", "pdf", "json", "register"), names,
                                                                          strict=True)}


def _page(subject, request_form: AccessRequestForm | None = None, failed_delivery: tuple[int, DeliveredForm] | None
          = None, status: int = 200):
    report = _report(subject)
    requests = services.requests_for(subject)
    deliver_forms = {row.id: DeliveredForm(prefix=f"r{row.id}", formdata=None) for row in requests
                     if row.delivered_on is None}
    if failed_delivery is not None:
        deliver_forms[failed_delivery[0]] = failed_delivery[1]
    return render_template(
        "privacy/report.html", report=report, subject=subject, urls=_endpoints(subject),
        form=request_form or AccessRequestForm(formdata=None), requests=requests, deliver_forms=deliver_forms,
        today=stockholm_today(), due_on=services.due_on,
    ), status


def _pdf(subject, name: str):
    report = _report(subject, request.args.getlist("med"))
    html = render_template("privacy/report_pdf.html", report=report, subject=subject)
    response = Response(render_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="registerutdrag-{name}-{subject.id}.pdf"'
    return response


def _json(subject, name: str):
    report = _report(subject, request.args.getlist("med"))
    response = Response(report.json_text(), content_type="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="registerutdrag-{name}-{subject.id}.json"'
    return response


def _register(subject):
    form = AccessRequestForm()
    if form.validate_on_submit():
        try:
            services.register_request(subject, form.to_data(), acting_user(), stockholm_today())
        except services.RequestRefused as refused:
            form[refused.field].errors.append(str(refused))
        else:
            db.session.commit()
            flash(_("Begäran är registrerad. Den ska besvaras senast %(date)s.",
                    date=services.due_on(form.received_on.data).isoformat()), "success")
            return redirect(_endpoints(subject)["page"] + "#begaran")
    return _page(subject, request_form=form, status=200)


@bp.route("/kontaktpersoner/<int:contact_id>/registerutdrag")
@roles_required(*HANDLERS)
def contact_report(contact_id: int):
    return _page(_contact(contact_id))


@bp.route("/kontaktpersoner/<int:contact_id>/registerutdrag.pdf")
@roles_required(*HANDLERS)
def contact_report_pdf(contact_id: int):
    return _pdf(_contact(contact_id), "kontaktperson")


@bp.route("/kontaktpersoner/<int:contact_id>/registerutdrag.json")
@roles_required(*HANDLERS)
def contact_report_json(contact_id: int):
    return _json(_contact(contact_id), "kontaktperson")


@bp.route("/kontaktpersoner/<int:contact_id>/registerutdrag/begaran", methods=["POST"])
@roles_required(*HANDLERS)
def register_contact_request(contact_id: int):
    return _register(_contact(contact_id))


@bp.route("/foretag/<int:company_id>/registerutdrag")
@roles_required(*HANDLERS)
def company_report(company_id: int):
    return _page(_company(company_id))


@bp.route("/foretag/<int:company_id>/registerutdrag.pdf")
@roles_required(*HANDLERS)
def company_report_pdf(company_id: int):
    return _pdf(_company(company_id), "firma")


@bp.route("/foretag/<int:company_id>/registerutdrag.json")
@roles_required(*HANDLERS)
def company_report_json(company_id: int):
    return _json(_company(company_id), "firma")


@bp.route("/foretag/<int:company_id>/registerutdrag/begaran", methods=["POST"])
@roles_required(*HANDLERS)
def register_company_request(company_id: int):
    return _register(_company(company_id))


@bp.route("/registerutdrag/<int:request_id>/levererad", methods=["POST"])
@roles_required(*HANDLERS)
def deliver_request(request_id: int):
    row = db.get_or_404(AccessRequest, request_id)
    subject = row.contact or row.company
    form = DeliveredForm(prefix=f"r{row.id}")
    if form.validate_on_submit():
        try:
            services.deliver(row, form.delivered_on.data, DeliveryWay(form.delivered_how.data), acting_user(),
                             stockholm_today())
        except services.RequestRefused as refused:
            form[refused.field].errors.append(str(refused))
        else:
            db.session.commit()
            flash(_("Begäran är markerad som levererad."), "success")
            return redirect(_endpoints(subject)["page"] + "#begaran" if subject else url_for("privacy.requests"))
    if subject is None:
        return redirect(url_for("privacy.requests"))
    return _page(subject, failed_delivery=(row.id, form))


@bp.route("/registerutdrag/")
@roles_required(*HANDLERS)
def requests():
    return render_template("privacy/requests.html", open_requests=services.open_requests(),
                           delivered=services.delivered_requests(), today=stockholm_today(), due_on=services.due_on,
                           shown=services.DELIVERED_SHOWN)


# --- The admin's art. 15 texts ------------------------------------------------------------------------------

def _texts_page(failed: tuple[str, PrivacyTextForm] | None = None):
    texts = all_texts()
    forms = {}
    for key, label, text, _changed in texts:
        form = failed[1] if failed and failed[0] == key else PrivacyTextForm(prefix=key, formdata=None,
                                                                              data={"text": text})
        form.text.label.text = label
        forms[key] = form
    reset_forms = {key: ResetTextForm(prefix=f"reset-{key}", formdata=None) for key in DEFAULT_TEXTS}
    return render_template("privacy/texts.html", texts=texts, forms=forms, reset_forms=reset_forms)


@bp.route("/admin/integritet/texter")
@roles_required(Role.ADMIN)
def texts():
    return _texts_page()


@bp.route("/admin/integritet/texter/<text_key>", methods=["POST"])
@roles_required(Role.ADMIN)
def save_text(text_key: str):
    if text_key not in DEFAULT_TEXTS:
        abort(404)
    form = PrivacyTextForm(prefix=text_key)
    if form.validate_on_submit():
        services.save_text(text_key, form.text.data or "")
        db.session.commit()
        flash(_("Texten är sparad."), "success")
        return redirect(url_for("privacy.texts") + f"#text-{text_key}")
    return _texts_page(failed=(text_key, form))


@bp.route("/admin/integritet/texter/<text_key>/aterstall", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_text(text_key: str):
    if text_key not in DEFAULT_TEXTS:
        abort(404)
    form = ResetTextForm(prefix=f"reset-{text_key}")
    if form.validate_on_submit():
        services.reset_text(text_key)
        db.session.commit()
        flash(_("Standardtexten gäller igen."), "success")
    return redirect(url_for("privacy.texts") + f"#text-{text_key}")
