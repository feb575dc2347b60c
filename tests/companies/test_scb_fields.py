"""A company's own e-mail, Reklamspärr, CFAR number and kommun: the form, the company page, SCB's legal forms."""

from __future__ import annotations

from sqlalchemy import select

from crm.companies.fields import legal_form_name, legal_forms
from crm.companies.models import Company
from crm.extensions import db
from tests.companies.test_companies import VALID


def test_the_form_saves_the_scb_fields_and_the_page_shows_them(client, login_as):
    login_as("staff")
    data = {**VALID, "email": "info@nyverkstad.se", "ad_block": "y", "cfar_number": "12 345 678",
            "municipality": "0181 Södertälje", "legal_form": "Övriga aktiebolag"}
    response = client.post("/foretag/nytt", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    company = db.session.execute(select(Company).where(Company.name == "Ny Verkstad AB")).scalar_one()
    assert (company.email, company.ad_block, company.cfar_number, company.municipality, company.legal_form) == (
        "info@nyverkstad.se", True, "12345678", "0181 Södertälje", "Övriga aktiebolag",
    )
    page = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert "info@nyverkstad.se" in page and "12345678" in page and "0181 Södertälje" in page
    assert "10–19 anställda" in page, "the size class shows as its label"
    edit = client.get(f"/foretag/{company.id}/redigera").get_data(as_text=True)
    assert 'value="Övriga aktiebolag" selected' in edit or 'selected value="Övriga aktiebolag"' in edit


def test_bad_cfar_number_and_address_are_explained_next_to_the_field(client, login_as):
    login_as("staff")
    html = client.post("/foretag/nytt", data={**VALID, "cfar_number": "1234", "email": "inte-en-adress"}).get_data(
        as_text=True)
    assert "Ett CFAR-nummer har åtta siffror" in html
    assert "Skriv en giltig e-postadress" in html
    assert db.session.execute(select(Company)).first() is None


def test_scb_legal_form_codes_have_names():
    assert legal_form_name("49") == "Övriga aktiebolag"
    assert legal_form_name("049") == legal_form_name("49.0") == "Övriga aktiebolag"
    assert legal_form_name("10") == "Fysiska personer (enskild näringsidkare)"
    assert legal_form_name("Aktiebolag") == "Aktiebolag", "a name is kept as given"
    assert {"21", "31", "51", "53", "61", "72", "82", "96", "99"} <= set(legal_forms())
