"""Replies from calendar programs: the organizer mailbox read over IMAP, iTIP REPLY applied to invitations
as the RSVP page would, COUNTER shown as a proposal, and the queue of what could not be matched."""

from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inkorg")

from crm.inbox import mail_gate, panels, views  # noqa: E402,F401
