"""The admin's audit log page, and how it names and links every kind of record (crm/auditlog/record_names.py).

It sits above every feature, so it may know all their models; the trail itself is crm.audit, below them all.
"""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/logg")

from crm.auditlog import record_names, views  # noqa: E402,F401
