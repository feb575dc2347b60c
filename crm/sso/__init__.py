"""Single sign-on: OpenID Connect (Entra ID) and SAML 2.0, roles from IdP groups, and the break-glass login."""

from flask import Blueprint

bp = Blueprint("sso", __name__)

from crm.sso import admin_views, hooks, saml_views, settings, views  # noqa: E402,F401

bp.record_once(settings.load_environment)
