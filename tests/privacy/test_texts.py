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


def test_an_admin_changes_a_text_and_puts_the_default_back(client, login_as, factories):
    from sqlalchemy import select

    from crm.audit.models import AuditEntry

    login_as("admin")
    html = client.get("/admin/integritet/texter").get_data(as_text=True)
    assert DEFAULT_TEXTS["complaint"][1] in html and "Återställ standardtext" not in html
    response = client.post("/admin/integritet/texter/complaint",
                           data={"complaint-text": "Klaga hos IMY, imy.se, eller hör av dig till oss först."})
    assert response.status_code == 302
    assert privacy_text("complaint") == "Klaga hos IMY, imy.se, eller hör av dig till oss först."
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.entity == "PrivacyText")).scalar_one()
    assert (entry.action, entry.entity_id) == ("create", "complaint")

    contact = factories.contact()
    db.session.commit()
    report = client.get(f"/kontaktpersoner/{contact.id}/registerutdrag.json").get_json()
    assert report["information"]["complaint"] == "Klaga hos IMY, imy.se, eller hör av dig till oss först."

    html = client.get("/admin/integritet/texter").get_data(as_text=True)
    assert "Återställ standardtext" in html and "Ändrad av en administratör." in html
    assert client.post("/admin/integritet/texter/complaint/aterstall", data={}).status_code == 302
    db.session.expire_all()
    assert privacy_text("complaint") == DEFAULT_TEXTS["complaint"][1]
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "PrivacyText")).all()
    assert sorted(actions) == ["create", "delete"]


def test_too_long_a_text_is_explained(client, login_as):
    login_as("admin")
    html = client.post("/admin/integritet/texter/rights", data={"rights-text": "x" * 5001}).get_data(as_text=True)
    assert 'id="rights-text-error"' in html and "Högst 5000 tecken." in html
    assert privacy_text("rights") == DEFAULT_TEXTS["rights"][1]
    assert client.post("/admin/integritet/texter/okand", data={}).status_code == 404
