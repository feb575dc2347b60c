"""The objection (GDPR art. 21) on the contact form and page: ticking it needs a scope, the date defaults to
today and cannot be later, a note is kept; removing it clears all four, and every change is audited."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.companies.models import ContactPerson, ObjectionScope
from crm.contacts import services
from crm.extensions import db
from crm.timeutil import stockholm_today
from tests.support.forms import error_next_to


def _form(contact: ContactPerson, **fields) -> dict:
    data = {"name": contact.name, "email": contact.email or "", "phone": ""}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def _edit(client, contact, **fields):
    return client.post(f"/kontaktpersoner/{contact.id}/redigera", data=_form(contact, **fields))


def _fresh(contact_id: int) -> ContactPerson:
    db.session.expire_all()
    return db.session.get(ContactPerson, contact_id)


@pytest.fixture
def contact(factories):
    contact = factories.contact(name="Bertil Berg", email="bertil@foretag.example")
    db.session.commit()
    return contact


def test_ticking_the_objection_without_a_scope_is_explained_next_to_the_field(client, login_as, contact):
    login_as("staff")

    response = _edit(client, contact, objection="y")

    assert response.status_code == 200
    assert "Välj vad invändningen gäller." in error_next_to(response.get_data(as_text=True), "objection_scope")
    assert not _fresh(contact.id).objection


def test_an_objection_dated_in_the_future_is_explained_next_to_the_date(client, login_as, contact):
    login_as("staff")
    tomorrow = stockholm_today() + timedelta(days=1)

    response = _edit(client, contact, objection="y", objection_scope="utskick", objection_on=tomorrow.isoformat())

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "kan inte vara senare än i dag" in error_next_to(html, "objection_on")
    assert not _fresh(contact.id).objection


def test_the_date_defaults_to_today_and_the_page_says_date_scope_and_note_in_plain_words(client, login_as, contact):
    login_as("staff")

    response = _edit(client, contact, objection="y", objection_scope="behandling", objection_on="",
                     objection_note="  Ringde och ville inte ha något mer från oss.  ")

    assert response.status_code == 302
    saved = _fresh(contact.id)
    assert saved.objection and saved.objection_on == stockholm_today()
    assert saved.objection_scope == ObjectionScope.PROCESSING
    assert saved.objection_note == "Ringde och ville inte ha något mer från oss."
    html = client.get(f"/kontaktpersoner/{contact.id}").get_data(as_text=True)
    assert "Har invänt: inga utskick alls." in html
    assert f"Invände {stockholm_today():%Y-%m-%d}." in html
    assert "Gäller: all behandling (pröva radering eller begränsning)." in html
    assert "Anteckning: Ringde och ville inte ha något mer från oss." in html


def test_an_earlier_date_is_kept_and_the_edit_form_shows_what_was_saved(client, login_as, contact):
    login_as("staff")

    response = _edit(client, contact, objection="y", objection_scope="utskick", objection_on="2026-10-01")
    assert response.status_code == 302

    assert _fresh(contact.id).objection_on == date(2026, 10, 1)
    html = client.get(f"/kontaktpersoner/{contact.id}/redigera").get_data(as_text=True)
    assert 'value="2026-10-01"' in html
    [chosen] = re.findall(r'<input[^>]*value="utskick"[^>]*>', html)
    [other] = re.findall(r'<input[^>]*value="behandling"[^>]*>', html)
    assert "checked" in chosen and "checked" not in other


def test_removing_the_objection_clears_its_date_scope_and_note_and_is_audited(client, login_as, contact):
    login_as("staff")
    assert _edit(client, contact, objection="y", objection_scope="utskick", objection_on="2026-10-01",
                 objection_note="Mejlade den 1 oktober.").status_code == 302

    response = _edit(client, contact, objection_scope="utskick", objection_on="2026-10-01",
                     objection_note="Mejlade den 1 oktober.")

    assert response.status_code == 302
    saved = _fresh(contact.id)
    assert (saved.objection, saved.objection_on, saved.objection_scope, saved.objection_note) == (
        False, None, None, "")
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "ContactPerson", AuditEntry.entity_id == str(contact.id),
                                 AuditEntry.action == "update").order_by(AuditEntry.id)
    ).all()
    assert len(entries) == 2
    set_it, cleared = entries[0].changes, entries[1].changes
    assert set_it["objection"] == [False, True] and set_it["objection_scope"][1] == "utskick"
    assert cleared["objection"] == [True, False]
    assert cleared["objection_on"][1] is None and cleared["objection_scope"][1] is None
    assert cleared["objection_note"] == ["Mejlade den 1 oktober.", ""]
    assert "Har invänt" not in client.get(f"/kontaktpersoner/{contact.id}").get_data(as_text=True)


def test_a_new_contact_can_be_saved_with_an_objection(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    db.session.commit()

    response = client.post(f"/foretag/{company.id}/kontaktpersoner/ny", data={
        "name": "Greta Grön", "email": "greta@foretag.example", "role": "VD", "objection": "y",
        "objection_scope": "utskick", "objection_note": "Sa nej vid besöket."})

    assert response.status_code == 302
    greta = db.session.scalar(select(ContactPerson).where(ContactPerson.email == "greta@foretag.example"))
    assert greta.objection and greta.objection_on == stockholm_today() and greta.objection_note == "Sa nej vid besöket."


def test_the_service_refuses_what_the_form_refuses_before_changing_anything(app, factories):
    contact = factories.contact(name="Bertil Berg")
    today = date(2026, 12, 2)
    base = {"name": "Nytt Namn", "objection": True}

    with pytest.raises(services.ObjectionScopeMissing):
        services.save_contact(contact, base, today)
    with pytest.raises(services.ObjectionInFuture):
        services.save_contact(contact, {**base, "objection_scope": "utskick", "objection_on": date(2026, 12, 3)}, today)
    assert contact.name == "Bertil Berg" and not contact.objection

    services.save_contact(contact, {**base, "objection_scope": "utskick"}, today)
    assert (contact.objection_on, contact.objection_scope) == (today, ObjectionScope.MAILINGS)
