"""SAML 2.0 with python3-saml: strict mode, signed assertions required, SP metadata, the ACS.

The SP's entity id is its metadata URL. The person is keyed on (IdP entity id, NameID); a transient NameID is
refused (it changes at every login): ask the IdP for a persistent one. Groups come from one attribute
(CRM_SAML_GROUPS_ATTRIBUTE, `memberOf` by default) and are matched on their values.
The AuthnRequest's id travels in a signed RelayState, so the response is checked against the request it
answers (InResponseTo) even when the browser sends no session cookie with the IdP's cross-site POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Constants
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from crm.sso.services import Identity
from crm.sso.settings import SamlSettings

MAX_FLOW_SECONDS = 15 * 60
EMAIL_ATTRIBUTES = ("mail", "email", "urn:oid:0.9.2342.19200300.100.1.3",
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress")
NAME_ATTRIBUTES = ("displayName", "urn:oid:2.16.840.1.113730.3.1.241",
                   "http://schemas.microsoft.com/identity/claims/displayname", "cn", "name")


class LoginFailed(Exception):
    """The response did not pass a check (signature, audience, destination, validity, InResponseTo...)."""


@dataclass(frozen=True)
class Started:
    url: str
    request_id: str


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def sp_entity_id() -> str:
    return _base() + url_for("sso.saml_metadata")


def _settings_dict(config: SamlSettings) -> dict:
    sign_requests = bool(config.sp_private_key and config.sp_certificate)
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": sp_entity_id(),
            "assertionConsumerService": {
                "url": _base() + url_for("sso.saml_acs"), "binding": Constants.BINDING_HTTP_POST,
            },
            "NameIDFormat": Constants.NAMEID_PERSISTENT,
            "x509cert": config.sp_certificate,
            "privateKey": config.sp_private_key,
        },
        "idp": {
            "entityId": config.idp_entity_id,
            "singleSignOnService": {"url": config.idp_sso_url, "binding": Constants.BINDING_HTTP_REDIRECT},
            "x509cert": config.idp_certificate,
        },
        "security": {
            "authnRequestsSigned": sign_requests,
            "wantAssertionsSigned": True,
            "wantMessagesSigned": False,
            "wantNameId": True,
            "wantAttributeStatement": False,
            "requestedAuthnContext": False,
            "rejectDeprecatedAlgorithm": True,
            "signatureAlgorithm": Constants.RSA_SHA256,
            "digestAlgorithm": Constants.SHA256,
        },
    }


def _request_data(path: str, get: dict | None = None, post: dict | None = None) -> dict:
    """What python3-saml needs of the request, built from BASE_URL (behind the proxy the host is not ours)."""
    base = urlsplit(_base())
    https = base.scheme == "https"
    return {
        "https": "on" if https else "off",
        "http_host": base.netloc,  # with the port, if the address has one
        "script_name": base.path + path,
        "get_data": get or {},
        "post_data": post or {},
    }


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="crm.sso.saml.relay-state")


def metadata(config: SamlSettings) -> str:
    settings = OneLogin_Saml2_Settings(_settings_dict(config), sp_validation_only=True)
    xml = settings.get_sp_metadata()
    errors = settings.validate_metadata(xml)
    if errors:
        raise LoginFailed(f"SP metadata invalid: {errors}")
    return xml.decode() if isinstance(xml, bytes) else xml


def start(config: SamlSettings, next_url: str | None) -> Started:
    auth = OneLogin_Saml2_Auth(_request_data(url_for("sso.saml_login")), _settings_dict(config))
    # python3-saml makes the request id while building the URL; the RelayState is signed around it afterwards.
    url = auth.login(return_to="-")
    request_id = auth.get_last_request_id()
    relay_state = _serializer().dumps({"id": request_id, "next": next_url})
    url = url.replace("RelayState=-", "RelayState=" + relay_state, 1)
    return Started(url=url, request_id=request_id)


def finish(config: SamlSettings, form: dict, browser_request_id: str | None) -> tuple[Identity, str | None]:
    """Check the IdP's answer; `browser_request_id` is the id the browser kept from the login's start."""
    try:
        relay = _serializer().loads(form.get("RelayState", ""), max_age=MAX_FLOW_SECONDS)
    except BadSignature as error:
        raise LoginFailed(f"RelayState missing, forged or too old: {error}") from error
    if not browser_request_id or browser_request_id != relay["id"]:
        raise LoginFailed("the answer is not to a request this browser made, or it was used already")
    auth = OneLogin_Saml2_Auth(_request_data(url_for("sso.saml_acs"), post=form), _settings_dict(config))
    auth.process_response(request_id=relay["id"])
    errors = auth.get_errors()
    if errors or not auth.is_authenticated():
        raise LoginFailed(f"{errors}: {auth.get_last_error_reason()}")
    if auth.get_nameid_format() == Constants.NAMEID_TRANSIENT or not auth.get_nameid():
        raise LoginFailed("a transient or empty NameID cannot identify a person from one login to the next")
    attributes = auth.get_attributes()
    email = _first(attributes, EMAIL_ATTRIBUTES)
    name = _first(attributes, NAME_ATTRIBUTES)
    if not name:
        name = " ".join(p for p in (_first(attributes, ("givenName",)), _first(attributes, ("sn",))) if p)
    groups = frozenset(value for value in attributes.get(config.groups_attribute, []) if value)
    identity = Identity(protocol="saml", issuer=config.idp_entity_id, subject=auth.get_nameid(),
                        email=email if "@" in email else "", name=name or email, groups=groups)
    return identity, relay.get("next")


def _first(attributes: dict, names: tuple[str, ...]) -> str:
    for name in names:
        values = attributes.get(name)
        if values:
            return str(values[0]).strip()
    return ""
