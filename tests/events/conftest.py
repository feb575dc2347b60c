"""Fixtures for the event tests: RSVP endpoints for the links in invitation mail."""

from __future__ import annotations

import pytest
from flask import Blueprint

from crm.auth.access import public


def _rsvp_blueprint() -> Blueprint:
    """Stand-ins at the public RSVP addresses, used only while the app has no RSVP pages of its own."""
    blueprint = Blueprint("rsvp", __name__)

    @blueprint.route("/svar/<token>", methods=["GET", "POST"])
    @public
    def respond(token: str):
        return "svar"

    @blueprint.route("/svar/<token>/avregistrera", methods=["GET", "POST"])
    @public
    def opt_out(token: str):
        return "avregistrerad"

    return blueprint


@pytest.fixture(autouse=True)
def rsvp_links(app):
    """Invitation mail links to `rsvp.respond` and `rsvp.opt_out`: make sure both endpoints exist."""
    if "rsvp.respond" not in app.view_functions:
        app.register_blueprint(_rsvp_blueprint())
    return app
