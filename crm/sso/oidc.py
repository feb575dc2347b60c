"""OpenID Connect with Authlib: authorization code flow with PKCE (S256), state and nonce, a strict issuer.

The issuer in the provider's metadata and in every ID token must be exactly the configured one (for Entra ID
the tenant's own issuer, `https://login.microsoftonline.com/<tenant id>/v2.0`; with CRM_OIDC_TENANT_ID set the
`tid` claim must match it too). The ID token is verified with the provider's keys (joserfc, Authlib's JOSE
library); UserInfo is fetched with the access token, its `sub` must be the ID token's, and the claims of both
are merged (the ID token's win).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from crm.sso.services import Identity
from crm.sso.settings import OidcSettings, http_timeout

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256"]
LEEWAY_SECONDS = 60  # clock skew allowed between us and the IdP
MAX_FLOW_SECONDS = 15 * 60  # a login started longer ago than this is refused


class ProviderUnavailable(Exception):
    """The IdP could not be reached or answered with something unusable."""


class LoginFailed(Exception):
    """The IdP's answer did not pass a check (state, issuer, signature, nonce, expiry...)."""


@dataclass(frozen=True)
class Started:
    url: str
    flow: dict  # kept in the session until the callback


def clock() -> float:
    """Now, as seconds since the epoch (tests move it to check expiry)."""
    return time.time()


def _get_json(url: str, **kwargs) -> dict:
    try:
        response = requests.get(url, timeout=http_timeout(), **kwargs)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"{url}: {error}") from error


def metadata(config: OidcSettings) -> dict:
    """The provider's discovery document; its issuer must be the configured one, exactly."""
    document = _get_json(config.metadata_url)
    if document.get("issuer") != config.issuer:
        raise LoginFailed(f"metadata issuer {document.get('issuer')!r} is not the configured {config.issuer!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not document.get(key):
            raise ProviderUnavailable(f"metadata without {key}")
    return document


def _client(config: OidcSettings, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        config.client_id,
        config.client_secret or None,
        scope=config.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if config.client_secret else "none",
    )


def start(config: OidcSettings, redirect_uri: str) -> Started:
    document = metadata(config)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    with _client(config, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            document["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    flow = {"state": state, "nonce": nonce, "verifier": verifier, "issuer": config.issuer, "started": clock()}
    return Started(url=url, flow=flow)


def finish(config: OidcSettings, redirect_uri: str, flow: dict | None, args: dict) -> Identity:
    """Check the callback against the flow kept in the session, redeem the code, verify and merge the claims."""
    if not flow or not args.get("state") or args.get("state") != flow.get("state"):
        raise LoginFailed("state missing or not this session's")
    if flow.get("issuer") != config.issuer or clock() - flow.get("started", 0) > MAX_FLOW_SECONDS:
        raise LoginFailed("the login was started too long ago or for another issuer")
    if args.get("error"):
        raise LoginFailed(f"the IdP answered {args.get('error')}: {args.get('error_description', '')}")
    if args.get("iss") and args["iss"] != config.issuer:  # RFC 9207: mix-up defence
        raise LoginFailed(f"authorization response from issuer {args['iss']!r}")
    if not args.get("code"):
        raise LoginFailed("no code")
    document = metadata(config)
    with _client(config, redirect_uri) as client:
        try:
            token = client.fetch_token(
                document["token_endpoint"], grant_type="authorization_code", code=args["code"],
                code_verifier=flow["verifier"], timeout=http_timeout(),
            )
        except requests.RequestException as error:
            raise ProviderUnavailable(f"token endpoint: {error}") from error
        except Exception as error:  # an OAuth error answer (invalid_grant...)
            raise LoginFailed(f"token endpoint refused: {error}") from error
    if not token.get("id_token"):
        raise LoginFailed("no ID token")
    claims = verify_id_token(config, document, token["id_token"], flow["nonce"])
    merged = dict(claims)
    if document.get("userinfo_endpoint") and token.get("access_token"):
        userinfo = _get_json(document["userinfo_endpoint"],
                             headers={"Authorization": f"Bearer {token['access_token']}"})
        if userinfo.get("sub") != claims["sub"]:
            raise LoginFailed("UserInfo is about another subject")
        merged = {**userinfo, **claims}
    return identity_from(config, merged)


def verify_id_token(config: OidcSettings, document: dict, id_token: str, nonce: str) -> dict:
    keys = KeySet.import_key_set(_get_json(document["jwks_uri"]))
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            now=int(clock()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": config.issuer},
            aud={"essential": True, "value": config.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError) as error:
        raise LoginFailed(f"ID token refused: {error}") from error
    claims = token.claims
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != config.client_id:
        raise LoginFailed("ID token for several audiences without us as azp")
    if config.tenant_id and claims.get("tid") != config.tenant_id:
        raise LoginFailed(f"ID token from tenant {claims.get('tid')!r}")
    return claims


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def identity_from(config: OidcSettings, claims: dict) -> Identity:
    """Entra ID (a `tid` and an `oid`): keyed on (tid, oid); any other IdP on (issuer, sub)."""
    if claims.get("tid") and claims.get("oid"):
        issuer, subject = f"entra:{claims['tid']}", str(claims["oid"])
    else:
        issuer, subject = config.issuer, str(claims["sub"])
    email = claims.get("email") or claims.get("preferred_username") or claims.get("upn") or ""
    if "@" not in email:
        email = ""
    name = (claims.get("name") or " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p)
            or claims.get("preferred_username") or email)
    groups = frozenset(_strings(claims.get("groups")) + _strings(claims.get("roles")))
    if "groups" in (claims.get("_claim_names") or {}) or claims.get("hasgroups"):
        # Entra's group overage: too many groups for the token, so none are in it.
        log.warning("OIDC: the token names no groups (overage); let it carry only the groups assigned to the "
                    "application, or use app roles")
    return Identity(protocol="oidc", issuer=issuer, subject=subject, email=email, name=str(name), groups=groups)
