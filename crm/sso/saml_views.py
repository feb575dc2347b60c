"""SAML pages: the login redirect, the ACS (the IdP's POST, exempt from CSRF: the signed response is its proof)
and the SP metadata."""

from __future__ import annotations

import logging

from flask import Response, redirect, request, url_for

from crm.auth.access import public
from crm.auth.views import safe_next
from crm.extensions import csrf
from crm.sso import bp, saml, settings
from crm.sso.views import refused, signed_in

log = logging.getLogger(__name__)


@bp.route("/sso/saml/logga-in")
@public
def saml_login():
    config = settings.saml()
    if config is None:
        return redirect(url_for("auth.login"))
    started = saml.start(config, safe_next(request.args.get("next")))
    return redirect(started.url)


@bp.route("/sso/saml/acs", methods=["POST"])
@csrf.exempt
@public
def saml_acs():
    config = settings.saml()
    if config is None or "SAMLResponse" not in request.form:
        return redirect(url_for("auth.login"))
    try:
        identity, next_url = saml.finish(config, request.form.to_dict())
    except saml.LoginFailed as error:
        log.warning("SAML login refused: %s", error)
        return refused("failed", 400)
    return signed_in(identity, safe_next(next_url))


@bp.route("/sso/saml/metadata")
@public
def saml_metadata():
    config = settings.saml()
    if config is None:
        return redirect(url_for("auth.login"))
    return Response(saml.metadata(config), mimetype="application/samlmetadata+xml")
