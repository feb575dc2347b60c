"""The meeting log (möteslogg): interactions with companies, drafts, finalised notes and their versions."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)

from crm.meetings import timeline, views  # noqa: E402,F401  (routes and the company timeline provider)
