"""Creating, editing, searching, filtering and sorting companies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.companies.models import Company, CompanyStatus, SniVersion
from crm.extensions import db

VALID = {
    "name": "Ny Verkstad AB",
    "org_number": "5560360793",
    "legal_form": "Aktiebolag",
    "status": "aktiv",
    "sni_codes": "25620, 01110",
    "sni_version": "SNI 2007",
    "size_class": "3",
    "employees": "14",
    "employees_date": "2026-10-01",
    "visiting_address": "Verkstadsgatan 4",
    "visiting_postcode": "64134",
    "visiting_city": "Åbyvik",
    "district": "Södra Porten",
    "website": "www.nyverkstad.se",
    "switchboard": "0152-12 34 56",
    "tags": "Tillverkning, Nyetablerad",
    "women_led": "ja",
    "women_owned": "",
    "owner_id": "",
}


def test_staff_creates_a_company(client, login_as):
    login_as("staff")
    response = client.post("/foretag/nytt", data=VALID)
    assert response.status_code == 302
    company = db.session.execute(select(Company).where(Company.name == "Ny Verkstad AB")).scalar_one()
    assert company.org_number == "556036-0793"
    assert company.visiting_postcode == "641 34"
    assert company.website == "https://www.nyverkstad.se"
    assert [(s.code, s.version) for s in company.sni_codes] == [
        ("25620", SniVersion.SNI2007),
        ("01110", SniVersion.SNI2007),
    ]
    assert sorted(tag.name for tag in company.tags) == ["Nyetablerad", "Tillverkning"]
    assert company.women_led is True and company.women_owned is None
    assert company.employees == 14


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("org_number", "556036-0794", "kontrollsiffran stämmer inte"),
        ("org_number", "12345", "tio siffror"),
        ("visiting_postcode", "1234", "fem siffror"),
        ("sni_codes", "04000", "04000 finns inte i SNI 2007."),
        ("name", "", "Fyll i företagets namn."),
        ("employees", "-3", "Skriv ett antal"),
    ],
)
def test_bad_input_is_explained_next_to_the_field(client, login_as, field, value, message):
    login_as("staff")
    response = client.post("/foretag/nytt", data={**VALID, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in html and message in html
    assert db.session.execute(select(Company)).first() is None, "nothing is written"


def test_org_number_is_unique(client, login_as, factories):
    login_as("staff")
    factories.company(name="Först AB", org_number="556036-0793")
    db.session.commit()
    html = client.post("/foretag/nytt", data=VALID).get_data(as_text=True)
    assert "Organisationsnumret finns redan hos Först AB." in html


def test_edit_keeps_own_number_and_records_changes(client, login_as, factories):
    login_as("staff")
    company = factories.company(name="Gammalt Namn AB", org_number="556036-0793")
    db.session.commit()
    form = client.get(f"/foretag/{company.id}/redigera").get_data(as_text=True)
    assert 'value="556036-0793"' in form
    response = client.post(f"/foretag/{company.id}/redigera", data={**VALID, "name": "Nytt Namn AB"})
    assert response.status_code == 302
    db.session.refresh(company)
    assert company.name == "Nytt Namn AB" and company.name_key == "nytt namn"


def test_politician_and_organizer_cannot_write(client, login_as, factories):
    company = factories.company()
    db.session.commit()
    for role in ("politician", "organizer"):
        client.post("/logga-ut")
        login_as(role)
        assert client.post("/foretag/nytt", data=VALID).status_code == 403
        assert client.post(f"/foretag/{company.id}/redigera", data=VALID).status_code == 403


@pytest.fixture
def register(factories):
    a = factories.company(
        name="Åbyvik Mekaniska AB",
        org_number="556036-0793",
        district="Hamnen",
        size_class="5",
        status=CompanyStatus.ACTIVE,
    )
    b = factories.company(name="Södra Portens Logistik AB", org_number=None, district="Södra Porten", size_class="6")
    c = factories.company(name="Hamnkrogen HB", district="Hamnen", size_class="3", status=CompanyStatus.DORMANT)
    from crm.companies.models import CompanySni
    from crm.companies.services import tags_by_name

    a.sni_codes = [CompanySni(code="25620")]
    b.sni_codes = [CompanySni(code="52100")]
    c.sni_codes = [CompanySni(code="56101")]
    c.tags = tags_by_name(["Besöksnäring"])
    factories.contact(b, name="Örjan Ängström", email="orjan@logistik.example")
    db.session.commit()
    return a, b, c


def names(html: str, register) -> list[str]:
    return [company.name for company in register if company.name in html]


@pytest.mark.parametrize(
    "q, expected",
    [
        ("abyvik", ["Åbyvik Mekaniska AB"]),
        ("ÅBYVIK", ["Åbyvik Mekaniska AB"]),
        ("sodra porten", ["Södra Portens Logistik AB"]),
        ("logistik sodra", ["Södra Portens Logistik AB"]),
        ("5560360793", ["Åbyvik Mekaniska AB"]),
        ("556036-0793", ["Åbyvik Mekaniska AB"]),
        ("16556036-0793", ["Åbyvik Mekaniska AB"]),
        ("orjan", ["Södra Portens Logistik AB"]),
        ("orjan@logistik", ["Södra Portens Logistik AB"]),
        ("besöksnäring", ["Hamnkrogen HB"]),
        ("finns inte", []),
    ],
)
def test_one_search_box_finds_by_name_number_contact_and_tag(client, login_as, register, q, expected):
    login_as("staff")
    html = client.get("/foretag/", query_string={"q": q}).get_data(as_text=True)
    assert names(html, register) == expected


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"sni_section": "C"}, ["Åbyvik Mekaniska AB"]),
        ({"sni_section": "I"}, ["Hamnkrogen HB"]),
        ({"district": "Hamnen"}, ["Åbyvik Mekaniska AB", "Hamnkrogen HB"]),
        ({"size_class": "6"}, ["Södra Portens Logistik AB"]),
        ({"tag": "Besöksnäring"}, ["Hamnkrogen HB"]),
        ({"status": "vilande"}, ["Hamnkrogen HB"]),
        ({"district": "Hamnen", "status": "aktiv"}, ["Åbyvik Mekaniska AB"]),
    ],
)
def test_filters(client, login_as, register, args, expected):
    login_as("organizer")
    html = client.get("/foretag/", query_string=args).get_data(as_text=True)
    assert names(html, register) == expected


def test_sort_by_name_descending(client, login_as, register):
    login_as("staff")
    html = client.get("/foretag/", query_string={"sort": "namn", "order": "desc"}).get_data(as_text=True)
    positions = [html.index(company.name) for company in register]
    assert positions[0] < positions[1] < positions[2]  # Åbyvik, Södra, Hamnkrogen (Å after Z)


def test_pagination_keeps_filters(app, client, login_as, factories):
    login_as("staff")
    for i in range(30):
        factories.company(name=f"Sida Företag {i:02d}", district="Lövsta")
    db.session.commit()
    html = client.get("/foretag/", query_string={"district": "Lövsta"}).get_data(as_text=True)
    assert "Sida 1 av 2" in html
    assert "district=L%C3%B6vsta" in html and "page=2" in html
