"""Company visits, the yearly visit plan and follow-ups."""

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/besok")
plan_bp = Blueprint("plan", __name__, url_prefix="/besoksplan")
followups_bp = Blueprint("followups", __name__, url_prefix="/uppfoljningar")

# The routes, and what registers itself on import: the visits' SEQUENCE listener, both timeline providers
# and the participants' visits as busy times for the double-booking check.
from crm.visits import busy, calendar, followup_timeline, followup_views, plan_views, timeline, views  # noqa: E402,F401
