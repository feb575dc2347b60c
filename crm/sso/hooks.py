"""What crm.sso adds to lower features: the login page's "Logga in med kommunens konto" (crm.auth.external)."""

from __future__ import annotations

import logging

from flask import request, url_for
from flask_babel import gettext as _

from crm.auth import external
from crm.auth.views import safe_next
from crm.sso import settings
from crm.sso.secrets import SecretUnreadable

log = logging.getLogger(__name__)


def sign_in_options() -> list[external.SignInOption]:
    next_url = safe_next(request.values.get("next"))
    try:
        oidc, saml = settings.oidc(), settings.saml()
    except SecretUnreadable:
        log.error("The stored SSO secret cannot be decrypted: was SECRET_KEY or CRM_ENCRYPTION_KEY changed?")
        oidc = saml = None
    options = []
    if oidc is not None:
        options.append(external.SignInOption(_("Logga in med kommunens konto"),
                                             url_for("sso.oidc_login", next=next_url)))
    if saml is not None:
        label = _("Logga in med kommunens konto (SAML)") if oidc is not None else _("Logga in med kommunens konto")
        options.append(external.SignInOption(label, url_for("sso.saml_login", next=next_url)))
    return options


external.providers.append(sign_in_options)
