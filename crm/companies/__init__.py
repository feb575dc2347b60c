"""Companies, contact persons and the meeting log."""

from flask import Blueprint

from crm.companies.models import CompanyStatus

bp = Blueprint("companies", __name__, url_prefix="/foretag")
contacts_bp = Blueprint("contacts", __name__, url_prefix="/kontaktpersoner")
bp.add_app_template_filter(lambda status: CompanyStatus(status).label, "company_status")

from crm.companies import contacts, sni_views, views  # noqa: E402,F401
