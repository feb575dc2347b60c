"""Outgoing mail: the outbox (queue in the change's transaction), delivery, and the admin's Utkorg page."""

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/admin/utkorg")

from crm.mail import views  # noqa: E402,F401
