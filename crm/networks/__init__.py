"""Networks and their members."""

from flask import Blueprint

bp = Blueprint("networks", __name__, url_prefix="/natverk")

# The routes, and what registers itself on import: the contact page's panel of networks.
from crm.networks import participation, views  # noqa: E402,F401
