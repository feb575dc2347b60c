"""Secrets stored by the admin page (the OIDC client secret, the SAML SP private key), encrypted with Fernet.

The key is CRM_ENCRYPTION_KEY (a Fernet key: 32 url-safe base64-encoded bytes, `Fernet.generate_key()`) when
set; otherwise it is derived from SECRET_KEY with HKDF-SHA256, so changing SECRET_KEY makes the stored
secrets unreadable (they must then be entered again).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

HKDF_INFO = b"crm.sso stored secrets v1"


class SecretUnreadable(Exception):
    """A stored secret that the current key cannot decrypt."""


def _fernet() -> Fernet:
    key = current_app.config.get("ENCRYPTION_KEY")
    if key:
        return Fernet(key.encode() if isinstance(key, str) else key)
    secret_key = current_app.config["SECRET_KEY"]
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("The stored SSO secret cannot be decrypted with the current key.") from None
