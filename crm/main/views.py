"""The start page: what the signed-in user has to do today."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from crm.auth.access import any_user
from crm.auth.models import Role
from crm.companies.models import Company, CompanyStatus
from crm.extensions import db
from crm.main import bp


@bp.route("/")
@any_user
def index():
    figures = {}
    if current_user.has_role(Role.STAFF, Role.ORGANIZER, Role.POLITICIAN):
        figures["companies"] = db.session.execute(
            select(func.count()).select_from(Company).where(Company.status == CompanyStatus.ACTIVE)
        ).scalar_one()
    return render_template("main/index.html", figures=figures)
