"""Events, invitations, RSVP and attendance."""

from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/evenemang")

# The routes (the public RSVP pages are a blueprint of their own, `rsvp_bp`), and what registers itself on
# import: the organizers' events as busy times for the double-booking check, and the events' panels on the
# contact, company and network pages with the network figures' event counts. Open registration's pages
# (registration_views) are on both blueprints.
from crm.events import (  # noqa: E402,F401
    attendance_views,
    busy,
    invitation_views,
    participation,
    registration_views,
    views,
)
from crm.events.rsvp_views import bp as rsvp_bp  # noqa: E402,F401
