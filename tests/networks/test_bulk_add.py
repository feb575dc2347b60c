"""Members in bulk from the company list's filters: the contact persons of the matching companies, ticked and added."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.companies.models import CompanyContact, CompanySni
from crm.companies.services import tags_by_name
from crm.extensions import db
from crm.networks import services
from crm.networks.models import NetworkMembership


def members(network) -> list[NetworkMembership]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(NetworkMembership).where(NetworkMembership.network_id == network.id).order_by(NetworkMembership.id)
    ))


def ticked(html: str) -> set[int]:
    return {int(value) for value in re.findall(r'name="links" value="(\d+)" id="link-\d+" checked', html)}


def boxes(html: str) -> set[int]:
    return {int(value) for value in re.findall(r'name="links" value="(\d+)"', html)}


class Register:
    """Three companies in Hamnen (one tagged Medtech, with SNI 62010), one in Centrum, a member already."""

    def __init__(self, factories, network):
        self.harbour = [factories.company(name=f"Hamnföretag {n} AB", district="Hamnen", size_class="2")
                        for n in range(3)]
        self.centre = factories.company(name="Torgets Café AB", district="Centrum")
        self.harbour[0].tags = tags_by_name(["Medtech"])
        self.harbour[0].sni_codes = [CompanySni(code="62010")]
        self.anna = factories.contact(self.harbour[0], name="Anna Ankare")
        self.bertil = factories.contact(self.harbour[0], name="Bertil Boj", role="HR")
        self.cecilia = factories.contact(self.harbour[1], name="Cecilia Kaj")
        self.member = factories.contact(self.harbour[2], name="Doris Redan")
        self.gone = factories.contact(self.harbour[2], name="Erik Slutat")
        self.gone.company_links[0].end_date = date(2024, 1, 31)
        self.cafe = factories.contact(self.centre, name="Fredrik Fika")
        # Anna works for two harbour companies: she shows twice but can join only once.
        db.session.add(CompanyContact(company=self.harbour[1], contact=self.anna, role="Styrelseledamot"))
        factories.member(network, self.member, starts_on=date(2025, 1, 1))
        db.session.commit()

    def link(self, contact, company) -> int:
        return db.session.scalar(select(CompanyContact.id).where(
            CompanyContact.contact_id == contact.id, CompanyContact.company_id == company.id))


@pytest.fixture
def setup(factories, login_as):
    login_as("organizer")
    network = factories.network(name="Hamnens nätverk")
    db.session.commit()
    return network, Register(factories, network)


def test_the_filters_pick_companies_and_list_their_present_contacts(client, setup):
    network, register = setup
    html = client.get(f"/natverk/{network.id}/medlemmar/urval?district=Hamnen").get_data(as_text=True)
    for name in ("Anna Ankare", "Bertil Boj", "Cecilia Kaj", "Doris Redan"):
        assert name in html
    assert "Erik Slutat" not in html, "a role that has ended is not offered"
    assert "Fredrik Fika" not in html and "Torgets Café AB" not in html
    assert html.count("Anna Ankare<span") == 2, "once per company she works for"
    assert register.link(register.member, register.harbour[2]) not in boxes(html)
    assert "redan medlem" in html
    assert "5 kontaktpersoner" in html
    assert ticked(html) == set(), "nothing is ticked until asked"


@pytest.mark.parametrize("query, expected", [
    ("tag=Medtech", {"Anna Ankare", "Bertil Boj"}),
    ("sni_section=J", {"Anna Ankare", "Bertil Boj"}),
    ("size_class=2", {"Anna Ankare", "Bertil Boj", "Cecilia Kaj", "Doris Redan"}),
    ("q=Cecilia+Kaj", {"Cecilia Kaj", "Anna Ankare"}),  # the company where Cecilia works, with all its people
    ("q=Torgets", {"Fredrik Fika"}),
])
def test_each_company_filter_narrows_the_list(client, setup, query, expected):
    network, _ = setup
    html = client.get(f"/natverk/{network.id}/medlemmar/urval?{query}").get_data(as_text=True)
    everyone = {"Anna Ankare", "Bertil Boj", "Cecilia Kaj", "Doris Redan", "Fredrik Fika"}
    assert {name for name in everyone if name in html} == expected


def test_adding_the_ticked_reports_added_and_skipped_and_nobody_joins_twice(client, setup):
    network, register = setup
    links = [
        register.link(register.anna, register.harbour[0]),
        register.link(register.anna, register.harbour[1]),
        register.link(register.bertil, register.harbour[0]),
        register.link(register.cecilia, register.harbour[1]),
        register.link(register.member, register.harbour[2]),
    ]
    response = client.post(f"/natverk/{network.id}/medlemmar/urval?district=Hamnen",
                           data={"links": [str(link) for link in links], "role": "ledamot", "starts_on": "2026-09-01"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/natverk/{network.id}/medlemmar/urval?district=Hamnen"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tillagda: 3. Redan medlemmar: 1." in page

    joined = [m for m in members(network) if m.starts_on == date(2026, 9, 1)]
    assert sorted((m.contact_id, m.company_id, m.role) for m in joined) == sorted([
        (register.anna.id, register.harbour[0].id, "ledamot"),
        (register.bertil.id, register.harbour[0].id, "ledamot"),
        (register.cecilia.id, register.harbour[1].id, "ledamot"),
    ])

    again = client.post(f"/natverk/{network.id}/medlemmar/urval?district=Hamnen",
                        data={"links": [str(link) for link in links], "role": "medlem", "starts_on": "2026-09-02"})
    assert "Tillagda: 0. Redan medlemmar: 4." in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(members(network)) == 4


def test_nothing_ticked_is_explained_and_adds_nobody(client, setup):
    network, _ = setup
    response = client.post(f"/natverk/{network.id}/medlemmar/urval?district=Hamnen",
                           data={"role": "medlem", "starts_on": "2026-09-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="links-error"' in html
    assert "Markera minst en kontaktperson." in html and 'href="#links"' in html
    assert len(members(network)) == 1


def test_tick_all_on_the_page_ticks_only_that_page(app, client, setup):
    network, register = setup
    app.config["ITEMS_PER_PAGE"] = 2
    first = client.get(f"/natverk/{network.id}/medlemmar/urval?district=Hamnen&markera=alla").get_data(as_text=True)
    assert ticked(first) == boxes(first) and len(ticked(first)) == 2
    assert "Sida 1 av 3" in first
    assert f'href="/natverk/{network.id}/medlemmar/urval?page=2&amp;district=Hamnen"' in first

    second = client.get(f"/natverk/{network.id}/medlemmar/urval?district=Hamnen&page=2").get_data(as_text=True)
    assert ticked(second) == set() and not boxes(second) & boxes(first)

    response = client.post(f"/natverk/{network.id}/medlemmar/urval?district=Hamnen&page=2",
                           data={"links": [str(link) for link in boxes(second)], "role": "medlem",
                                 "starts_on": "2026-09-01"})
    assert response.headers["Location"] == f"/natverk/{network.id}/medlemmar/urval?district=Hamnen&page=2"


def test_the_service_skips_members_and_duplicates(app, factories):
    network = factories.network()
    company, other = factories.company(), factories.company()
    person = factories.contact(company)
    db.session.add(CompanyContact(company=other, contact=person, role="Ägare"))
    member = factories.contact(company)
    factories.member(network, member, starts_on=date(2026, 1, 1))
    links = services.company_links([link.id for contact in (person, member) for link in contact.company_links])
    added, skipped = services.add_from_company_links(network, links, "medlem", date(2026, 1, 1) + timedelta(days=40))
    assert [m.contact_id for m in added] == [person.id] and [c.id for c in skipped] == [member.id]
    assert added[0].company_id == company.id
