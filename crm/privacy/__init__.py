"""The data subject's rights: registerutdrag (art. 15) for a contact person or a sole trader, the register of
requests, erasure (art. 17) where no archival duty applies, and the record of processing (art. 30)."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from crm.privacy import erasure_views, record_views, views  # noqa: E402,F401
