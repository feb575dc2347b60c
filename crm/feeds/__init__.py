"""Calendar subscription feeds."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from crm.feeds import views  # noqa: E402,F401
