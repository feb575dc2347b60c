"""Links with a secret in them (RSVP, registration confirmation): a random key stored with the row, plus an
HMAC of it for its purpose under the app's secret.

A copy of the database alone makes no working link, a forged or altered token is refused in
constant time, and the token never needs to be stored in the clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from crm.events.models import Invitation
from crm.extensions import db


def new_key() -> str:
    return secrets.token_urlsafe(16)


def signed(purpose: str, key: str) -> str:
    """`key.mac`: the key with an HMAC of it for this purpose under the app's secret."""
    return f"{key}.{_mac(key, purpose)}"


def verified_key(purpose: str, token: str | None) -> str | None:
    """The key of a token signed for this purpose; None for anything forged, altered or overlong."""
    key, _, mac = (token or "").partition(".")
    if not key or not mac or len(token) > 120 or not hmac.compare_digest(mac, _mac(key, purpose)):
        return None
    return key


def _mac(key: str, purpose: str = "rsvp") -> str:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(secret, f"{purpose}:{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def token_for(invitation: Invitation) -> str:
    return signed("rsvp", invitation.rsvp_key)


def invitation_for(token: str) -> Invitation | None:
    """The invitation a token names, or None for anything forged, altered or unknown."""
    key = verified_key("rsvp", token)
    if key is None:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.rsvp_key == key))
