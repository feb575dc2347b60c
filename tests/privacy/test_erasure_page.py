"""The erasure page: what it says before anything is done, its form's checks, and who may use it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.companies.models import ContactPerson
from crm.extensions import db
from crm.privacy.erasure import erased_name
from tests.conftest import login
from tests.privacy.test_erasure import EMAIL, NAME, PHONE, PRIVATE, build_world
from tests.support.forms import error_next_to


@pytest.fixture
def world(factories, users):
    return build_world(factories, users)


def _section(html: str, element_id: str) -> str:
    match = re.search(rf'<ul id="{element_id}">(.*?)</ul>', html, re.S)
    assert match, element_id
    return match.group(1)


def _unchanged(contact_id: int) -> bool:
    db.session.expire_all()
    contact = db.session.get(ContactPerson, contact_id)
    return contact.name == NAME and contact.erased_at is None


def test_the_page_says_what_happens_before_anything_is_done(client, users, world):
    login(client, users["admin"])
    html = client.get(f"/kontaktpersoner/{world.contact.id}/radera").get_data(as_text=True)
    removed = _section(html, "tas-bort-lista")
    assert f"Namnet byts ut mot ”{erased_name(world.contact.id)}”." in removed
    assert f"E-postadressen {EMAIL} tas bort." in removed and f"Telefonnumret {PHONE}" in removed
    assert PRIVATE in removed
    assert "Anteckningen om invändningen tas bort." in removed
    assert "Uppgifter om specialkost tas bort (2)." in removed
    assert "2 kopior av skickade mejl och 1 mejl som inte har skickats än" in removed
    assert "[raderat]" in removed
    kept = _section(html, "finns-kvar-lista")
    assert "möten: 2" in kept and "besök: 2" in kept and "medlemskap i nätverk: 1" in kept
    assert "inbjudningar till evenemang: 2, varav närvarade: 1" in kept
    assert "Invändningen finns kvar som ett faktum" in html
    assert "obesvarad begäran om registerutdrag, mottagen 2026-11-20" in html
    assert "Färdigställda anteckningar är allmänna handlingar." in html
    finals = _section(html, "fardiga-anteckningar")
    assert f'href="/moten/{world.final_linked.id}"' in finals and f'href="/moten/{world.final_mentioning.id}"' in finals
    assert f'href="/moten/{world.draft_mentioning.id}' not in finals and finals.count("<li>") == 2
    drafts = _section(html, "utkast")
    assert f'href="/moten/{world.draft_mentioning.id}/' in drafts and drafts.count("<li>") == 1
    assert f"/besok/{world.visit_mentioning.id}" in _section(html, "andra-texter")
    assert _unchanged(world.contact.id)  # a GET writes nothing


def test_preserved_does_not_block_and_says_so(client, users, world):
    world.contact.preserved = True
    db.session.commit()
    login(client, users["admin"])
    html = client.get(f"/kontaktpersoner/{world.contact.id}/radera").get_data(as_text=True)
    assert "Posten är markerad ”bevaras”. Det hindrar inte raderingen" in html
    response = client.post(f"/kontaktpersoner/{world.contact.id}/radera", data={"reason": "Begäran", "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ContactPerson, world.contact.id).erased_at is not None


@pytest.mark.parametrize("data, field, message", [
    ({"reason": "Begäran i mejl"}, "confirm", "Kryssa i rutan för att bekräfta raderingen."),
    ({"reason": "   ", "confirm": "y"}, "reason", "Skriv varför personen raderas."),
    ({"reason": "x" * 501, "confirm": "y"}, "reason", "Skriv högst 500 tecken."),
])
def test_the_form_says_what_is_missing_next_to_the_field(client, users, world, data, field, message):
    login(client, users["admin"])
    response = client.post(f"/kontaktpersoner/{world.contact.id}/radera", data=data)
    assert response.status_code == 200
    assert message in error_next_to(response.get_data(as_text=True), field)
    assert _unchanged(world.contact.id)


def test_a_post_without_the_csrf_token_erases_nothing(app, client, users, world):
    login(client, users["admin"])
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/kontaktpersoner/{world.contact.id}/radera", data={"reason": "Begäran", "confirm": "y"})
    assert response.status_code in (200, 400)
    assert _unchanged(world.contact.id)
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).all() == []


@pytest.mark.parametrize("role", ["staff", "organizer", "politician"])
def test_only_an_admin_may_erase(client, users, world, role):
    login(client, users[role])
    assert client.get(f"/kontaktpersoner/{world.contact.id}/radera").status_code == 403
    response = client.post(f"/kontaktpersoner/{world.contact.id}/radera", data={"reason": "Begäran", "confirm": "y"})
    assert response.status_code == 403
    assert _unchanged(world.contact.id)
    if role != "politician":  # politicians do not see contact pages at all
        page = client.get(f"/kontaktpersoner/{world.contact.id}").get_data(as_text=True)
        assert "/radera" not in page


def test_the_contact_page_links_admins_to_erasure_until_erased(client, users, world):
    login(client, users["admin"])
    link = f'href="/kontaktpersoner/{world.contact.id}/radera"'
    assert link in client.get(f"/kontaktpersoner/{world.contact.id}").get_data(as_text=True)
    client.post(f"/kontaktpersoner/{world.contact.id}/radera", data={"reason": "Begäran", "confirm": "y"})
    page = client.get(f"/kontaktpersoner/{world.contact.id}").get_data(as_text=True)
    assert link not in page and erased_name(world.contact.id) in page and NAME not in page
