"""The audit log and its admin view."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/logg")

from crm.audit import views  # noqa: E402,F401
