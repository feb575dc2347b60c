"""The record of processing (GDPR art. 30): a page the DPO reads and prints, and the same as a tagged PDF."""

from __future__ import annotations

from flask import make_response, render_template

from crm.auth.access import roles_required
from crm.auth.models import Role
from crm.pdf import render_pdf
from crm.privacy import bp
from crm.privacy.record import processing_record


@bp.route("/admin/integritet/behandlingar")
@roles_required(Role.ADMIN)
def processing_record_page():
    return render_template("privacy/record.html", record=processing_record())


@bp.route("/admin/integritet/behandlingar.pdf")
@roles_required(Role.ADMIN)
def processing_record_pdf():
    """PDF/UA-1: a tagged PDF that a screen reader can follow, as the registerutdrag."""
    html = render_template("privacy/record_document.html", record=processing_record())
    response = make_response(render_pdf(html))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = 'inline; filename="behandlingar.pdf"'
    return response
