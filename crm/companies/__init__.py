"""Companies: the register (with its contact persons' models), search, SNI codes, the company page and its timeline."""

from flask import Blueprint

from crm.companies.models import CompanyStatus

bp = Blueprint("companies", __name__, url_prefix="/foretag")
bp.add_app_template_filter(lambda status: CompanyStatus(status).label, "company_status")

from crm.companies import sni_views, views  # noqa: E402,F401
