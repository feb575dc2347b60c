"""Events, invitations, RSVP and attendance."""
