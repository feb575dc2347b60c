"""Contact persons: linked to companies with roles and dates, opt-outs and objection, search."""

from __future__ import annotations

from sqlalchemy import select

from crm.companies.models import ContactPerson
from crm.extensions import db

NEW = {
    "name": "Greta Grön",
    "email": "Greta.Gron@Foretag.example",
    "phone": "070-123 45 67",
    "role": "VD",
    "start_date": "2024-01-01",
    "end_date": "",
    "opt_out_breakfasts": "y",
}


def test_add_contact_to_company(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    db.session.commit()
    response = client.post(f"/foretag/{company.id}/kontaktpersoner/ny", data=NEW)
    assert response.status_code == 302
    contact = db.session.execute(select(ContactPerson).where(ContactPerson.name == "Greta Grön")).scalar_one()
    assert contact.email == "greta.gron@foretag.example"
    assert contact.company_links[0].company_id == company.id and contact.company_links[0].role == "VD"
    assert contact.opt_out_breakfasts and not contact.opt_out_networks
    assert contact.may_receive("networks") and not contact.may_receive("breakfasts")


def test_objection_stops_every_mailing(factories, app):
    contact = factories.contact(objection=True)
    assert not any(contact.may_receive(kind) for kind in ("networks", "breakfasts", "procurement"))


def test_bad_email_and_dates_are_explained(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    db.session.commit()
    html = client.post(
        f"/foretag/{company.id}/kontaktpersoner/ny",
        data={**NEW, "email": "inte-en-adress", "start_date": "2025-01-01", "end_date": "2024-01-01"},
    ).get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="end_date-error"' in html
    assert "Slutdatum kan inte vara före startdatum." in html
    assert db.session.execute(select(ContactPerson)).first() is None


def test_existing_email_offers_to_link_instead(client, login_as, factories):
    login_as("staff")
    first = factories.company(name="Första AB")
    second = factories.company(name="Andra AB")
    existing = factories.contact(first, email="delad@person.example")
    db.session.commit()
    html = client.post(
        f"/foretag/{second.id}/kontaktpersoner/ny", data={**NEW, "email": "DELAD@person.example"}
    ).get_data(as_text=True)
    assert "Det finns redan en kontaktperson med den e-postadressen." in html
    link_url = f"/foretag/{second.id}/kontaktpersoner/{existing.id}/koppla"
    assert link_url in html
    assert client.post(link_url, data={"role": "Styrelseledamot"}).status_code == 302
    db.session.refresh(existing)
    assert sorted(link.company.name for link in existing.company_links) == ["Andra AB", "Första AB"]


def test_contact_has_no_personnummer_field(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    db.session.commit()
    html = client.get(f"/foretag/{company.id}/kontaktpersoner/ny").get_data(as_text=True).lower()
    assert "personnummer" not in html
    assert not any("personnummer" in column.name for column in ContactPerson.__table__.columns)


def test_contact_search(client, login_as, factories):
    login_as("organizer")
    company = factories.company(name="Ängsbackens Gård AB")
    factories.contact(company, name="Åsa Öhman", email="asa@angsbacken.example")
    factories.contact(name="Helt Annan", email="annan@x.example")
    db.session.commit()
    for q in ("asa ohman", "ÅSA", "angsbacken", "asa@angs"):
        html = client.get("/kontaktpersoner/", query_string={"q": q}).get_data(as_text=True)
        assert "Åsa Öhman" in html and "Helt Annan" not in html, q


def test_edit_contact_and_role(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    contact = factories.contact(company, role="HR")
    db.session.commit()
    response = client.post(
        f"/kontaktpersoner/{contact.id}/redigera",
        data={"name": "Nytt Namn", "email": "", "objection": "y", "objection_scope": "utskick"},
    )
    assert response.status_code == 302
    link = contact.company_links[0]
    response = client.post(f"/kontaktpersoner/roll/{link.id}", data={"role": "Inköp", "end_date": "2026-06-30"})
    assert response.status_code == 302
    db.session.expire_all()
    contact = db.session.get(ContactPerson, contact.id)
    assert contact.name == "Nytt Namn" and contact.email is None and contact.objection
    assert contact.company_links[0].role == "Inköp"


def test_control_characters_are_removed_from_a_typed_name_and_address(client, login_as, factories):
    # Removed, not refused: they are invisible on the page, so a message could not say where they are.
    login_as("staff")
    company = factories.company()
    db.session.commit()
    data = dict(NEW, name="Greta\x00 Grön\r\nBcc: x@evil.example\x07", email="greta@foretag.example\r\n",
                role="VD\t")
    response = client.post(f"/foretag/{company.id}/kontaktpersoner/ny", data=data)
    assert response.status_code == 302
    contact = db.session.execute(select(ContactPerson).where(ContactPerson.email == "greta@foretag.example")
                                 ).scalar_one()
    assert contact.name == "Greta Grön  Bcc: x@evil.example"
    assert contact.company_links[0].role == "VD"
