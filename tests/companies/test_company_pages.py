"""The register pages as they stand: list, company page, masking and the politician's view."""

from __future__ import annotations

from crm.extensions import db


def test_sole_traders_number_is_masked_in_the_list(client, login_as, factories):
    login_as("staff")
    factories.company(name="Enskild Firma Svensson", org_number="640823-3234")
    factories.company(name="Aktiebolaget Stort", org_number="556036-0793")
    db.session.commit()
    html = client.get("/foretag/").get_data(as_text=True)
    assert "640823-****" in html and "640823-3234" not in html
    assert "556036-0793" in html


def test_politician_sees_company_but_no_contact_details(client, login_as, factories):
    login_as("politician")
    company = factories.company(name="Besöksföretaget AB")
    factories.contact(company, name="Vera Verkställande", email="vera@besok.example", phone="070-111 22 33")
    db.session.commit()
    html = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert "Besöksföretaget AB" in html and "Vera Verkställande" in html
    assert "vera@besok.example" not in html and "070-111 22 33" not in html


def test_staff_sees_contact_details(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    factories.contact(company, email="kontakt@synlig.example")
    db.session.commit()
    assert "kontakt@synlig.example" in client.get(f"/foretag/{company.id}").get_data(as_text=True)


def test_search_by_name(client, login_as, factories):
    login_as("organizer")
    factories.company(name="Hittas Här AB")
    factories.company(name="Syns Inte AB")
    db.session.commit()
    html = client.get("/foretag/?q=hittas").get_data(as_text=True)
    assert "Hittas Här AB" in html and "Syns Inte AB" not in html
