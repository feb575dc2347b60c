"""The register's list and detail pages send the same number of SQL statements however much data there is."""

from __future__ import annotations

import pytest

from crm.companies.models import CompanySni
from crm.companies.services import tags_by_name
from crm.extensions import db
from tests.support.queries import count_queries, page_statements


def grow_register(factories, owner, companies: int, contacts_each: int) -> list:
    created = []
    tags = tags_by_name(["Medtech", "Logistik", "Nyckelföretag"])
    for i in range(companies):
        company = factories.company(name=f"Mätföretag {i:03d} AB", district="Hamnen", owner=owner)
        company.tags = tags[: (i % 3) + 1]
        company.sni_codes = [CompanySni(code="62010"), CompanySni(code="47761", position=1)]
        for _ in range(contacts_each):
            factories.contact(company)
        created.append(company)
    db.session.commit()
    return created


@pytest.mark.parametrize(
    "url",
    [
        "/foretag/",
        "/foretag/?q=matforetag",
        "/foretag/?district=Hamnen&sort=andrad&order=desc",
        "/kontaktpersoner/",
        "/kontaktpersoner/?q=kontakt",
    ],
)
def test_list_pages_are_constant(client, login_as, factories, url):
    staff = login_as("staff")
    grow_register(factories, staff, companies=3, contacts_each=1)
    small = page_statements(client, url)
    grow_register(factories, staff, companies=40, contacts_each=2)
    large = page_statements(client, url)
    assert small == large, f"{url}: {small} statements with few rows, {large} with many"


def test_company_page_is_constant(client, login_as, factories):
    staff = login_as("staff")
    small_company = grow_register(factories, staff, companies=1, contacts_each=1)[0]
    large_company = grow_register(factories, staff, companies=1, contacts_each=25)[0]
    small = page_statements(client, f"/foretag/{small_company.id}")
    large = page_statements(client, f"/foretag/{large_company.id}")
    assert small == large


def test_export_is_constant(client, login_as, factories):
    staff = login_as("staff")
    grow_register(factories, staff, companies=3, contacts_each=0)
    with count_queries() as small:
        client.get("/foretag/export.csv").get_data()
    grow_register(factories, staff, companies=60, contacts_each=0)
    with count_queries() as large:
        client.get("/foretag/export.csv").get_data()
    assert small.count == large.count
