"""The visit plan (besöksplan): the year's target and pace, the spread of visited companies, whom to visit next."""

from flask import Blueprint

bp = Blueprint("plan", __name__, url_prefix="/besoksplan")

from crm.plan import views  # noqa: E402,F401
