"""Rectification (art. 16): every field of a contact person, their role at a company and a company can be
corrected through the pages, and each correction leaves an audit entry with the old and the new value."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.companies.models import CompanySni
from crm.extensions import db
from tests.companies.test_companies import VALID
from tests.conftest import login


def _updates(entity: str, entity_id: int) -> dict:
    """Every field's [old, new] over the update entries about the record, the last change of each field."""
    changes: dict = {}
    for entry in db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id), AuditEntry.action == "update")
            .order_by(AuditEntry.id)):
        changes.update(entry.changes)
    return changes


def test_correcting_a_contact_person_is_audited_field_by_field(client, users, factories):
    contact = factories.contact(factories.company(), name="Ana Lindkvist", email="ana@fel.example", phone="070-1")
    db.session.commit()
    login(client, users["staff"])
    response = client.post(f"/kontaktpersoner/{contact.id}/redigera", data={
        "name": "Anna Lindqvist", "email": "anna@ratt.example", "phone": "070-2", "opt_out_networks": "y",
        "opt_out_breakfasts": "y", "opt_out_procurement": "y", "objection": "y", "objection_scope": "utskick",
        "objection_on": "2026-11-02", "objection_note": "Sa nej i telefon",
    })
    assert response.status_code == 302
    changes = _updates("ContactPerson", contact.id)
    assert changes["name"] == ["Ana Lindkvist", "Anna Lindqvist"]
    assert changes["email"] == ["ana@fel.example", "anna@ratt.example"]
    assert changes["phone"] == ["070-1", "070-2"]
    for opt_out in ("opt_out_networks", "opt_out_breakfasts", "opt_out_procurement", "objection"):
        assert changes[opt_out] == [False, True], opt_out
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "ContactPerson",
                                                        AuditEntry.action == "update")).one()
    assert (entry.actor, entry.user_id) == (users["staff"].name, users["staff"].id)
    client.post(f"/kontaktpersoner/{contact.id}/redigera", data={"name": "Anna Lindqvist", "email": "",
                                                                  "phone": ""})
    changes = _updates("ContactPerson", contact.id)
    assert changes["email"] == ["anna@ratt.example", None] and changes["objection"] == [True, False]


def test_correcting_a_role_at_a_company_is_audited(client, users, factories):
    company = factories.company()
    contact = factories.contact(company, role="Inköp")
    db.session.commit()
    link = contact.company_links[0]
    login(client, users["staff"])
    response = client.post(f"/kontaktpersoner/roll/{link.id}", data={
        "role": "VD", "start_date": "2025-01-01", "end_date": "2026-06-30"})
    assert response.status_code == 302
    changes = _updates("CompanyContact", link.id)
    assert changes == {"role": ["Inköp", "VD"], "start_date": [None, "2025-01-01"], "end_date": [None, "2026-06-30"]}


def test_correcting_an_objection_is_audited_with_its_date_scope_and_note(factories):
    contact = factories.contact()
    db.session.commit()
    contact.objection, contact.objection_on, contact.objection_note = True, date(2026, 11, 3), "Sa nej i telefon"
    db.session.commit()
    contact.objection_on, contact.objection_note = date(2026, 11, 2), "Sa nej i telefon den 2 november"
    db.session.commit()
    changes = _updates("ContactPerson", contact.id)
    assert changes["objection_on"] == ["2026-11-03", "2026-11-02"]
    assert changes["objection_note"] == ["Sa nej i telefon", "Sa nej i telefon den 2 november"]


def test_correcting_every_field_of_a_company_is_audited(client, users, factories):
    company = factories.company(name="Fel Namn AB", org_number="556036-0793")
    db.session.commit()
    login(client, users["staff"])
    assert client.post(f"/foretag/{company.id}/redigera", data=VALID).status_code == 302
    corrected = {**VALID, "name": "Rätt Namn AB", "legal_form": "Handelsbolag", "status": "vilande",
                 "sni_codes": "25620", "size_class": "4", "employees": "21", "employees_date": "2026-11-01",
                 "visiting_address": "Storgatan 1", "visiting_postcode": "64130", "visiting_city": "Flen",
                 "postal_address": "Box 12", "postal_postcode": "64121", "postal_city": "Flen",
                 "district": "Norra", "website": "www.rattnamn.se", "switchboard": "0157-1", "email": "info@ratt.se",
                 "ad_block": "y", "cfar_number": "12345678", "municipality": "Flen", "tags": "Tillverkning",
                 "women_led": "nej", "women_owned": "ja", "women_reported_on": "2026-10-01",
                 "owner_id": str(users["staff"].id)}
    first = _updates("Company", company.id)
    response = client.post(f"/foretag/{company.id}/redigera", data=corrected)
    assert response.status_code == 302, response.get_data(as_text=True)
    changes = _updates("Company", company.id)
    assert changes["name"] == ["Ny Verkstad AB", "Rätt Namn AB"]
    expected_fields = {"name", "legal_form", "status", "size_class", "employees", "employees_date",
                       "visiting_address", "visiting_postcode", "visiting_city", "postal_address", "postal_postcode",
                       "postal_city", "district", "website", "switchboard", "email", "ad_block", "cfar_number",
                       "municipality", "women_led", "women_owned", "women_reported_on", "owner_id", "sni_codes",
                       "tags"}
    assert expected_fields <= set(changes), expected_fields - set(changes)
    assert changes["ad_block"] == [False, True] and changes["owner_id"] == [None, users["staff"].id]
    assert changes["sni_codes"] == ["25620 (SNI 2007), 01110 (SNI 2007)", "25620 (SNI 2007)"]
    assert changes["tags"][1] == "Tillverkning" and "Nyetablerad" in changes["tags"][0]
    assert "sni_codes" in first  # the first save of the form changed the (empty) codes as well
    assert db.session.scalars(select(CompanySni.code).where(CompanySni.company_id == company.id)).all() == ["25620"]
