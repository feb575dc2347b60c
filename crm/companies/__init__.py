"""Companies, contact persons and the meeting log."""

from flask import Blueprint

bp = Blueprint("companies", __name__, url_prefix="/foretag")
contacts_bp = Blueprint("contacts", __name__, url_prefix="/kontaktpersoner")

from crm.companies import contacts, sni_views, views  # noqa: E402,F401
