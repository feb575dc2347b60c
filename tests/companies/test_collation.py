"""Names sort in Swedish order (Å, Ä, Ö after Z, case second) in lists, pickers and exports, on both databases."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select, text

from crm.companies.models import Company
from crm.companies.search import CompanyFilters, company_query, district_names
from crm.dbtypes import swedish
from crm.extensions import db
from crm.text import swedish_compare, swedish_sort_key

# In Swedish order; the database inserts them shuffled.
SWEDISH_ORDER = ["aaa AB", "Aab AB", "Vik AB", "Wik AB", "Zeta AB", "Åbyvik AB", "Ängelholm AB", "Öberg AB"]
SHUFFLED = ["Öberg AB", "Zeta AB", "Aab AB", "Ängelholm AB", "Wik AB", "Åbyvik AB", "aaa AB", "Vik AB"]


def order_in(html: str, names: list[str]) -> list[str]:
    """The names as they appear in the page, first occurrence first."""
    return sorted(names, key=lambda name: html.index(name))


def test_the_sort_key_follows_the_swedish_alphabet():
    names = ["Öberg", "Ängelholm", "Åbyvik", "Zeta", "Aab", "aaa", "Ékström", "Ekström", "ekström", "Müller", "Myr",
             "Mz", "Æble", "Ørsted", "Östen"]
    assert sorted(names, key=swedish_sort_key) == [
        "aaa", "Aab",  # letters first: aaa < aab whatever the case
        "ekström", "Ekström", "Ékström",  # then accents, then case (lower first)
        "Müller", "Myr", "Mz",  # ü is filed as y
        "Zeta", "Åbyvik", "Æble", "Ängelholm", "Öberg", "Ørsted", "Östen",  # æ as ä, ø as ö
    ]
    assert swedish_compare("Zeta", "Åbyvik") == -1
    assert swedish_compare("Åbyvik", "Ängelholm") == -1
    assert swedish_compare("Ängelholm", "Öberg") == -1
    assert swedish_compare("aaa", "Aab") == -1
    assert swedish_compare("Ekström", "ekström") == 1
    assert swedish_compare("Müller", "Myr") == -1
    assert swedish_compare("Öberg", "Öberg") == 0


@pytest.mark.parametrize("names", [
    ["Zeta", "Åbyvik", "Ängelholm", "Öberg"],
    ["aaa", "Aab", "AAC", "abb"],
    ["ab", "Ab", "aB", "AB"],
    ["Eke", "Éke", "Ekström", "Ékström"],
    ["Vik", "Wik", "Vil"],
    ["Myller", "Müller", "Myr", "Mz"],
])
def test_the_database_sorts_names_as_the_key_does(app, names):
    """The SQLite collation and PostgreSQL's ICU collation agree with the key on these."""
    values = " UNION ALL ".join(f"SELECT :n{i} AS name" for i in range(len(names)))
    query = text(f"SELECT name FROM ({values}) AS names ORDER BY name COLLATE sv")
    found = db.session.scalars(query, {f"n{i}": name for i, name in enumerate(names)}).all()
    assert found == sorted(names, key=swedish_sort_key)


@pytest.fixture
def swedish_companies(factories, users):
    for name in SHUFFLED:
        factories.company(name=name, district=name.removesuffix(" AB"), owner=users["staff"])
    db.session.commit()


def test_the_company_list_sorts_in_swedish_order(client, login_as, swedish_companies):
    login_as("staff")
    html = client.get("/foretag/").get_data(as_text=True)
    assert order_in(html, SWEDISH_ORDER) == SWEDISH_ORDER
    html = client.get("/foretag/", query_string={"order": "desc"}).get_data(as_text=True)
    assert order_in(html, SWEDISH_ORDER) == SWEDISH_ORDER[::-1]


def test_the_company_query_sorts_districts_in_swedish_order(app, swedish_companies):
    districts = [name.removesuffix(" AB") for name in SWEDISH_ORDER]
    assert district_names() == districts
    query = company_query(CompanyFilters(sort="kommundel")).with_only_columns(Company.district)
    assert db.session.scalars(query).all() == districts


def test_the_csv_export_sorts_in_swedish_order(client, login_as, swedish_companies):
    login_as("staff")
    body = client.get("/foretag/export.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    column = rows[0].index("Företagsnamn")
    assert [row[column] for row in rows[1:]] == SWEDISH_ORDER


def test_the_contact_list_sorts_in_swedish_order(client, login_as, factories):
    people = ["Åsa Berg", "Örjan Lind", "Zara Ek", "anna Holm", "Anders Ås", "Ärla Wik"]
    company = factories.company()
    for name in people:
        factories.contact(company, name=name)
    db.session.commit()
    login_as("staff")
    html = client.get("/kontaktpersoner/").get_data(as_text=True)
    assert order_in(html, people) == ["Anders Ås", "anna Holm", "Zara Ek", "Åsa Berg", "Ärla Wik", "Örjan Lind"]


def _options(html: str, select_name: str) -> list[str]:
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", block) if label.strip()]


def test_pickers_list_users_companies_and_networks_in_swedish_order(client, login_as, factories, users):
    for name in ("Östen Ek", "Zlatan Berg", "Åke Lund", "Ärna Holm", "Adam Ny"):
        factories.user(role="staff", name=name)
    for name in ("Öresundsnätverket", "Zonnätverket", "Ängsnätverket", "Ådalsnätverket"):
        factories.network(name=name)
    db.session.commit()

    login_as("staff")
    owners = _options(client.get("/foretag/nytt").get_data(as_text=True), "owner_id")
    people = [name for name in owners if name in {"Östen Ek", "Zlatan Berg", "Åke Lund", "Ärna Holm", "Adam Ny"}]
    assert people == ["Adam Ny", "Zlatan Berg", "Åke Lund", "Ärna Holm", "Östen Ek"]

    login_as("organizer")
    networks = _options(client.get("/evenemang/ny").get_data(as_text=True), "network_id")
    assert networks[1:] == ["Zonnätverket", "Ådalsnätverket", "Ängsnätverket", "Öresundsnätverket"]


def test_the_company_pickers_search_lists_in_swedish_order(app, factories):
    from crm.meetings.services import match_companies
    from crm.visits.queries import find_companies

    expected = [name.replace(" AB", " Bygg AB") for name in SWEDISH_ORDER]
    for name in SHUFFLED:
        factories.company(name=name.replace(" AB", " Bygg AB"))
    db.session.commit()
    assert [company.name for company in find_companies("bygg")] == expected
    assert [company.name for company in match_companies("bygg").companies] == expected


def _plan(statement) -> str:
    compiled = statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(row[-1] for row in rows)
    # A small table is cheapest to sort; forbidding the sort shows whether the index can give the order.
    db.session.execute(text("SET LOCAL enable_sort = off"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_the_sorted_company_list_reads_the_swedish_name_index(app, swedish_companies, order):
    plan = _plan(company_query(CompanyFilters(order=order)).limit(25))
    db.session.rollback()
    assert "ix_companies_name_sv" in plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_the_contact_list_reads_the_swedish_name_index(app):
    from crm.companies.search import contact_query

    plan = _plan(contact_query("").limit(25))
    db.session.rollback()
    assert "ix_contact_persons_name_sv" in plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_the_order_by_is_the_collation_on_both_databases(app):
    compiled = str(select(Company.name).order_by(swedish(Company.name)).compile(dialect=db.engine.dialect))
    assert "COLLATE sv" in compiled
