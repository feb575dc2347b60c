"""Events, invitations, RSVP and attendance."""

# What registers itself on import: the organizers' events as busy times for the double-booking check.
from crm.events import busy  # noqa: E402,F401
