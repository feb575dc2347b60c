"""A company page links an existing contact person through a search: a GET form lists matches by name or
e-mail, each with a role field and a "Koppla" button that posts, so it works without JavaScript."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.companies.models import CompanyContact
from crm.extensions import db


@pytest.fixture
def people(factories):
    company = factories.company(name="Åbyvik Energi AB")
    elsewhere = factories.company(name="Hamnens Varv AB")
    emma = factories.contact(elsewhere, name="Emma Öberg", email="emma.oberg@varvet.example")
    factories.contact(elsewhere, name="Olle Andersson", email="olle@varvet.example")
    db.session.commit()
    return {"company": company, "emma": emma}


def test_search_and_link_from_the_company_page(client, login_as, people):
    login_as("staff")
    company, emma = people["company"], people["emma"]
    page = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert f'href="/foretag/{company.id}/kontaktpersoner/sok"' in page

    html = client.get(f"/foretag/{company.id}/kontaktpersoner/sok?q=Öberg").get_data(as_text=True)
    assert "Emma Öberg" in html and "emma.oberg@varvet.example" in html and "Hamnens Varv AB" in html
    assert "Olle Andersson" not in html and "1 kontaktperson hittades" in html
    assert f'action="/foretag/{company.id}/kontaktpersoner/{emma.id}/koppla"' in html
    assert f'<label for="role-{emma.id}">' in html and 'name="csrf_token"' in html

    response = client.post(f"/foretag/{company.id}/kontaktpersoner/{emma.id}/koppla", data={"role": "VD"})
    assert response.status_code == 302 and response.headers["Location"] == f"/foretag/{company.id}"
    link = db.session.execute(
        select(CompanyContact).where(CompanyContact.company_id == company.id, CompanyContact.contact_id == emma.id)
    ).scalar_one()
    assert link.role == "VD"
    again = client.get(f"/foretag/{company.id}/kontaktpersoner/sok?q=emma.oberg").get_data(as_text=True)
    assert "Redan kopplad hit" in again


def test_no_match_offers_a_new_contact(client, login_as, people):
    login_as("staff")
    company = people["company"]
    html = client.get(f"/foretag/{company.id}/kontaktpersoner/sok?q=Zlatan").get_data(as_text=True)
    assert "Ingen kontaktperson matchar" in html and f"/foretag/{company.id}/kontaktpersoner/ny" in html
    empty = client.get(f"/foretag/{company.id}/kontaktpersoner/sok").get_data(as_text=True)
    assert "Emma Öberg" not in empty and "hittades" not in empty


@pytest.mark.parametrize("role", ["organizer", "politician"])
def test_only_staff_and_admins_search_and_link(client, login_as, people, role):
    login_as(role)
    company, emma = people["company"], people["emma"]
    assert client.get(f"/foretag/{company.id}/kontaktpersoner/sok?q=Öberg").status_code == 403
    link = f"/foretag/{company.id}/kontaktpersoner/{emma.id}/koppla"
    assert client.post(link, data={"role": "VD"}).status_code == 403
    assert "kontaktpersoner/sok" not in client.get(f"/foretag/{company.id}").get_data(as_text=True)
