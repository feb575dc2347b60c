"""Companies, contact persons and the meeting log."""

from flask import Blueprint

bp = Blueprint("companies", __name__, url_prefix="/foretag")

from crm.companies import views  # noqa: E402,F401
