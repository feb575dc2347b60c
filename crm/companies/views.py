"""The company register: list and company page."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from crm.auth.access import roles_required
from crm.auth.models import Role
from crm.companies import bp
from crm.companies.models import Company, CompanyContact
from crm.companies.timeline import timeline_for
from crm.extensions import db

READERS = (Role.STAFF, Role.ORGANIZER, Role.POLITICIAN)


@bp.route("/")
@roles_required(*READERS)
def index():
    q = (request.args.get("q") or "").strip()
    query = select(Company).options(selectinload(Company.tags)).order_by(Company.name, Company.id)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Company.name).like(pattern), Company.org_number.like(f"%{q}%")))
    page = db.paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("companies/index.html", page=page, q=q)


@bp.route("/<int:company_id>")
@roles_required(*READERS)
def detail(company_id: int):
    company = db.get_or_404(
        Company,
        company_id,
        options=[
            selectinload(Company.sni_codes),
            selectinload(Company.tags),
            selectinload(Company.contact_links).selectinload(CompanyContact.contact),
        ],
    )
    show_contact_details = current_user.has_role(Role.STAFF, Role.ORGANIZER)
    return render_template(
        "companies/detail.html",
        company=company,
        show_contact_details=show_contact_details,
        timeline=timeline_for(company.id, current_user),
    )
