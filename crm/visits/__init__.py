"""Company visits, the yearly visit plan and follow-ups."""

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/besok")
plan_bp = Blueprint("plan", __name__, url_prefix="/besoksplan")
followups_bp = Blueprint("followups", __name__, url_prefix="/uppfoljningar")

from crm.visits import followup_views, plan_views, views  # noqa: E402,F401
