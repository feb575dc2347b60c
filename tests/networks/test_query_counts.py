"""The network list, a network's page, the bulk page and the attendance sections send as many statements for many
rows as for few."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm.companies.models import CompanyContact
from crm.events.models import Answer, Attendance
from crm.extensions import db
from crm.timeutil import stockholm_today
from tests.networks.helpers import held_event, stockholm_wall_clock
from tests.support.queries import page_statements

FEW, MANY = 2, 30


def grow_network(factories, network, size: int) -> None:
    """`size` members (with companies), former members, and held and upcoming events with attendance."""
    today = stockholm_today()
    for n in range(size):
        company = factories.company()
        contact = factories.contact(company)
        factories.member(network, contact, starts_on=today - timedelta(days=200), company_id=company.id)
        factories.member(network, starts_on=date(2020, 1, 1), ends_on=date(2021, 1, 1), company_id=company.id)
        held_event(factories, network, days_ago=n + 1, attended=2, no_shows=1)
        factories.event(network_id=network.id, start=stockholm_wall_clock(n + 1))
    db.session.commit()


@pytest.mark.parametrize("role", ["staff", "organizer"])
def test_the_list_and_the_network_page_are_constant(client, login_as, factories, count_queries, role):
    me = login_as(role)
    small = factories.network(owner=me)
    grow_network(factories, small, FEW)
    urls = ["/natverk/", "/natverk/?active=alla&kind=natverk", f"/natverk/{small.id}"]
    few = {url: page_statements(client, url) for url in urls}

    large = factories.network(owner=factories.user(role="organizer"))
    grow_network(factories, large, MANY)
    for _ in range(MANY):
        grow_network(factories, factories.network(owner=factories.user(role="staff")), 1)
    many = {url.replace(str(small.id), str(large.id)): count for url, count in few.items()}
    assert {url: page_statements(client, url) for url in many} == many, few


def grow_register(factories, companies: int, contacts_each: int, network) -> None:
    for n in range(companies):
        company = factories.company(name=f"Urvalsföretag {n:03d} AB", district="Hamnen")
        for m in range(contacts_each):
            contact = factories.contact(company)
            if m == 0:
                factories.member(network, contact, starts_on=date(2025, 1, 1))
    db.session.commit()


@pytest.mark.parametrize("query", ["district=Hamnen", "district=Hamnen&markera=alla", "q=urvalsforetag&page=2"])
def test_the_bulk_page_is_constant(app, client, login_as, factories, count_queries, query):
    login_as("organizer")
    app.config["ITEMS_PER_PAGE"] = 10
    network = factories.network()
    grow_register(factories, companies=4, contacts_each=3, network=network)
    url = f"/natverk/{network.id}/medlemmar/urval?{query}"
    small = page_statements(client, url)
    grow_register(factories, companies=40, contacts_each=3, network=network)
    assert page_statements(client, url) == small


def give_history(factories, company, contact, size: int) -> None:
    for n in range(size):
        network = factories.network()
        factories.member(network, contact, starts_on=date(2024, 1, 1), company_id=company.id)
        event = factories.event(network_id=network.id, start=stockholm_wall_clock(-(n + 1)))
        factories.invitation(event, contact, answer=Answer.YES,
                             attendance=Attendance.NO_SHOW if n % 2 else Attendance.ATTENDED)
        colleague = factories.contact(company)
        factories.invitation(event, colleague, answer=Answer.NO)
    db.session.commit()


def test_the_contact_and_company_pages_stay_constant_with_history(client, login_as, factories, count_queries):
    login_as("staff")

    def person_with(size: int):
        company = factories.company()
        contact = factories.contact(company)
        give_history(factories, company, contact, size)
        return company, contact

    (small_company, small_contact), (large_company, large_contact) = person_with(FEW), person_with(MANY)
    assert page_statements(client, f"/kontaktpersoner/{small_contact.id}") == page_statements(
        client, f"/kontaktpersoner/{large_contact.id}")
    assert page_statements(client, f"/foretag/{small_company.id}") == page_statements(
        client, f"/foretag/{large_company.id}")
    assert db.session.query(CompanyContact).filter_by(company_id=large_company.id).count() == MANY + 1
