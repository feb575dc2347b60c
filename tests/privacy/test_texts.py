"""The art. 15 texts: a default for every key, an admin's text replaces it."""

from __future__ import annotations

import pytest

from crm.extensions import db
from crm.privacy.models import PrivacyText
from crm.privacy.texts import DEFAULT_TEXTS, privacy_text

KEYS = ("purposes", "legal_basis", "recipients", "rights", "complaint", "controller")


def test_every_key_has_a_plain_swedish_default(app):
    for key in KEYS:
        assert privacy_text(key) == DEFAULT_TEXTS[key][1]
    assert "6.1 e" in privacy_text("legal_basis")
    assert "imy.se" in privacy_text("complaint")
    for word in ("rättade", "raderade", "begränsas", "invända"):
        assert word in privacy_text("rights")


def test_an_admins_text_replaces_the_default(app):
    db.session.add(PrivacyText(key="purposes", text="Vår egen text."))
    db.session.flush()
    assert privacy_text("purposes") == "Vår egen text."
    assert privacy_text("rights") == DEFAULT_TEXTS["rights"][1]


def test_an_unknown_key_is_an_error(app):
    with pytest.raises(KeyError):
        privacy_text("okänd")
