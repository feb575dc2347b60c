"""SAML pages: the login redirect, the ACS (the IdP's POST, exempt from CSRF: the signed response is its proof)
and the SP metadata.

The request id also goes into a cookie of its own, for the ACS path only and SameSite=None on https (the IdP's
POST is cross-site, where the Lax session cookie is not sent): the ACS accepts the answer to a request only
in the browser that made it, and only once, as the cookie is deleted when it is used."""

from __future__ import annotations

import logging

from flask import Response, current_app, make_response, redirect, request, url_for

from crm.auth.access import public
from crm.auth.views import safe_next
from crm.extensions import csrf
from crm.sso import bp, saml, settings
from crm.sso.views import refused, signed_in

log = logging.getLogger(__name__)
FLOW_COOKIE = "crm_saml_request"


@bp.route("/sso/saml/logga-in")
@public
def saml_login():
    config = settings.saml()
    if config is None:
        return redirect(url_for("auth.login"))
    started = saml.start(config, safe_next(request.args.get("next")))
    response = redirect(started.url)
    https = current_app.config["BASE_URL"].startswith("https://")
    response.set_cookie(FLOW_COOKIE, started.request_id, max_age=saml.MAX_FLOW_SECONDS, path=url_for("sso.saml_acs"),
                        httponly=True, secure=https, samesite="None" if https else "Lax")
    return response


@bp.route("/sso/saml/acs", methods=["POST"])
@csrf.exempt
@public
def saml_acs():
    config = settings.saml()
    if config is None or "SAMLResponse" not in request.form:
        return redirect(url_for("auth.login"))
    try:
        identity, next_url = saml.finish(config, request.form.to_dict(), request.cookies.get(FLOW_COOKIE))
    except saml.LoginFailed as error:
        log.warning("SAML login refused: %s", error)
        response = make_response(refused("failed", 400))
    else:
        response = make_response(signed_in(identity, safe_next(next_url)))
    response.delete_cookie(FLOW_COOKIE, path=url_for("sso.saml_acs"))
    return response


@bp.route("/sso/saml/metadata")
@public
def saml_metadata():
    config = settings.saml()
    if config is None:
        return redirect(url_for("auth.login"))
    return Response(saml.metadata(config), mimetype="application/samlmetadata+xml")
