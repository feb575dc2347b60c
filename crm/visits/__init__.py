"""Company visits, the yearly visit plan and follow-ups."""

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/besok")
plan_bp = Blueprint("plan", __name__, url_prefix="/besoksplan")
followups_bp = Blueprint("followups", __name__, url_prefix="/uppfoljningar")

# The routes, and what registers itself on import: the visits' SEQUENCE listener and both timeline providers.
from crm.visits import calendar, followup_timeline, followup_views, plan_views, timeline, views  # noqa: E402,F401
