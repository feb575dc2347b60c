"""Follow-ups (uppföljningar): what the unit owes a company after a visit or a meeting, until it is done."""

from flask import Blueprint

bp = Blueprint("followups", __name__, url_prefix="/uppfoljningar")

# The routes, and what registers itself on import: the follow-ups' timeline provider on the company page.
from crm.followups import timeline, views  # noqa: E402,F401
