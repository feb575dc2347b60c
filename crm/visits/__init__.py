"""Company visits: proposing, booking, the protocol, participants' notes and the calendar entry."""

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/besok")

# The routes, and what registers itself on import: the SEQUENCE listener, the timeline provider
# and the participants' visits as busy times for the double-booking check.
from crm.visits import busy, calendar, timeline, views  # noqa: E402,F401
