"""Gallring by the municipality's own plan: the rules, the nightly proposal, an admin's approval, the log."""

from flask import Blueprint

bp = Blueprint("retention", __name__, url_prefix="/admin/gallring")

from crm.retention import views  # noqa: E402,F401
