"""The company search through its indexes (SQLite FTS5 trigram tables, PostgreSQL pg_trgm) and the SNI divisions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, delete, insert, inspect, select, text, update

from crm import create_app
from crm.companies.models import Company, CompanySni, CompanyStatus, SniVersion
from crm.companies.search import CompanyFilters, company_query
from crm.companies.services import tags_by_name
from crm.extensions import db


def ordered_names(q: str = "", **filters) -> list[str]:
    # Only the name: an older schema (the migration tests) lacks the model's later columns.
    query = company_query(CompanyFilters(q=q, **filters)).with_only_columns(Company.name)
    return list(db.session.scalars(query))


def names(q: str = "", **filters) -> set[str]:
    return set(ordered_names(q, **filters))


def assert_search_index_consistent() -> None:
    """On SQLite, FTS5 checks its index against the companies and contact_persons rows."""
    if db.engine.dialect.name != "sqlite":
        return
    for table in ("company_name_search", "contact_person_search"):
        db.session.execute(text(f"INSERT INTO {table}({table}) VALUES ('integrity-check')"))


@pytest.fixture
def register(factories):
    mekano = factories.company(name="Mekaniska Verkstaden i Åbyvik AB")
    bo = factories.company(name="Bo & Co AB")
    hamn = factories.company(name="Hamnkrogen HB")
    factories.contact(hamn, name="Örjan Ängström", email="orjan_angstrom@hamnkrog.example")
    factories.contact(bo, name="Li Wu", email="li@bo.example")
    hamn.tags = tags_by_name(["Besöksnäring"])
    db.session.commit()
    return mekano, bo, hamn


@pytest.mark.parametrize(
    "q, expected",
    [
        ("kanisk", {"Mekaniska Verkstaden i Åbyvik AB"}),  # an infix of a name
        ("VERKST byvik", {"Mekaniska Verkstaden i Åbyvik AB"}),  # every word, in any order, accents folded
        ("byvik i", {"Mekaniska Verkstaden i Åbyvik AB"}),  # a word of one letter beside a long one
        ("bo", {"Bo & Co AB"}),  # shorter than a trigram
        ("co", {"Bo & Co AB"}),
        ("ängst", {"Hamnkrogen HB"}),  # an infix of a contact person's name
        ("wu", {"Bo & Co AB"}),  # a contact person's short name
        ("hamnkrog.exa", {"Hamnkrogen HB"}),  # an infix of an e-mail address
        ("li_bo", set()),  # LIKE wildcards in the term match only themselves (tests/companies/test_search_scope.py)
        ("orjan%hamnkrog", set()),
        ("orjan_angstrom@", {"Hamnkrogen HB"}),
        ("besöksnäring", {"Hamnkrogen HB"}),  # a tag, whole
        ('"verkstad', {"Mekaniska Verkstaden i Åbyvik AB"}),  # FTS syntax in a term is only text
        ("verkstaden or bo", set()),
        ("xyzzy", set()),
    ],
)
def test_search_finds_infixes_of_names_contacts_and_emails(app, register, q, expected):
    assert names(q) == expected


def test_search_and_filters_combine(app, register):
    mekano, bo, _hamn = register
    mekano.sni_codes = [CompanySni(code="25620")]
    bo.sni_codes = [CompanySni(code="41200")]
    db.session.commit()
    assert names("ab", sni_section="C") == {"Mekaniska Verkstaden i Åbyvik AB"}
    assert names("", sni_section="F") == {"Bo & Co AB"}
    assert names("verkstaden", sni_section="F") == set()


def test_the_index_follows_inserts_updates_and_deletes(app, factories):
    company = factories.company(name="Gamla Namnet AB")
    person = factories.contact(company, name="Astrid Lindqvist", email="astrid@gamla.example")
    db.session.commit()
    assert names("gamla namn") == {"Gamla Namnet AB"}
    assert names("lindqv") == {"Gamla Namnet AB"}

    company.name = "Nya Firman AB"
    person.name = "Astrid Berg"
    person.email = "astrid@nya.example"
    db.session.commit()
    assert names("gamla") == set()
    assert names("lindqv") == set()
    assert names("nya firm") == {"Nya Firman AB"}
    assert names("strid ber") == {"Nya Firman AB"}
    assert names("@nya.ex") == {"Nya Firman AB"}
    assert_search_index_consistent()

    db.session.delete(person)
    db.session.commit()
    assert names("strid ber") == set()
    db.session.delete(company)
    db.session.commit()
    assert names("nya firm") == set()
    assert_search_index_consistent()


def test_bulk_inserts_and_updates_are_indexed_too(app):
    """The import and the benchmark data write with Core statements, not through the ORM."""
    now = datetime.now(UTC)
    db.session.execute(
        insert(Company.__table__),
        [{"name": f"Bulkbolaget {n} AB", "name_key": f"bulkbolaget {n}", "status": CompanyStatus.ACTIVE,
          "created_at": now, "updated_at": now} for n in range(3)],
    )
    db.session.execute(
        insert(CompanySni.__table__),
        [{"company_id": company_id, "code": "56101", "version": SniVersion.SNI2007, "position": 0}
         for company_id in db.session.scalars(select(Company.id))],
    )
    db.session.commit()
    assert len(names("bulkbol")) == 3
    assert db.session.scalars(select(CompanySni.division).distinct()).all() == ["56"]
    assert len(names(sni_section="I")) == 3

    db.session.execute(update(Company.__table__).where(Company.name_key == "bulkbolaget 1")
                       .values(name="Omdöpt AB", name_key="omdopt"))
    db.session.execute(delete(Company.__table__).where(Company.name_key == "bulkbolaget 2"))
    db.session.commit()
    assert names("bulkbol") == {"Bulkbolaget 0 AB"}
    assert names("omdop") == {"Omdöpt AB"}
    assert_search_index_consistent()


def test_an_sni_code_knows_its_division(app):
    sni = CompanySni(code="47111")
    assert sni.division == "47"
    sni.code = "01110"
    assert sni.division == "01"


def test_the_search_page_uses_the_index(client, login_as, register):
    login_as("staff")
    html = client.get("/foretag/", query_string={"q": "kanisk"}).get_data(as_text=True)
    assert "Mekaniska Verkstaden i Åbyvik AB" in html
    assert "Hamnkrogen HB" not in html


# --- the migration ----------------------------------------------------------------------------------


@pytest.fixture
def scratch_url(migrated, tmp_path):
    """An empty database of the same kind as the suite's, for running the migrations on."""
    if not migrated.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migration.sqlite3'}"
        return
    admin = create_engine(migrated, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS crm_migration_test"))
        connection.execute(text("CREATE DATABASE crm_migration_test"))
    try:
        yield migrated.rsplit("/", 1)[0] + "/crm_migration_test"
    finally:
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS crm_migration_test WITH (FORCE)"))
        admin.dispose()


def _search_objects() -> set[str]:
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(text("SELECT name FROM sqlite_master WHERE name LIKE '%\\_search%' ESCAPE '\\'"))
    else:
        rows = db.session.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%\\_trgm'"))
    return set(rows.scalars())


def test_migration_0006_backfills_and_downgrades(scratch_url, monkeypatch):
    from flask_migrate import check, downgrade, upgrade

    monkeypatch.setenv("TEST_DATABASE_URL", scratch_url)
    app = create_app("testing")
    with app.app_context():
        try:
            upgrade(revision="0005")
            now = datetime.now(UTC)
            db.session.execute(
                text("INSERT INTO companies (id, name, name_key, status, created_at, updated_at) "
                     "VALUES (1, 'Förr Mekaniska AB', 'forr mekaniska', 'aktiv', :now, :now)"), {"now": now})
            db.session.execute(
                text("INSERT INTO contact_persons (id, name, name_key, email, opt_out_networks, opt_out_breakfasts, "
                     "opt_out_procurement, objection, created_at, updated_at) VALUES (1, 'Gun Ek', 'gun ek', "
                     "'gun@forr.example', false, false, false, false, :now, :now)"), {"now": now})
            db.session.execute(text("INSERT INTO company_contacts (company_id, contact_id) VALUES (1, 1)"))
            db.session.execute(text("INSERT INTO company_sni (company_id, code, version, position) "
                                    "VALUES (1, '28110', 'SNI 2007', 0)"))
            db.session.commit()

            upgrade(revision="0006")
            assert _search_objects()
            assert db.session.scalar(select(CompanySni.division)) == "28"
            # Sorted by org number: the Swedish collation of names comes with migration 0012.
            assert (names("ekanis", sort="orgnr") == names("gun@forr", sort="orgnr")
                    == names(sni_section="C", sort="orgnr") == {"Förr Mekaniska AB"})
            assert_search_index_consistent()
            db.session.commit()

            downgrade(revision="0005")
            assert not _search_objects()
            assert "division" not in {column["name"] for column in inspect(db.engine).get_columns("company_sni")}

            upgrade()
            assert names("ekanis") == {"Förr Mekaniska AB"}
            db.session.commit()
            check()  # the models and the migrations agree (autogenerate leaves the search objects alone)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_models_and_migrations_agree(app):
    from flask_migrate import check

    check()  # exits non-zero, failing the test, when autogenerate would write a migration



def test_district_names_are_the_distinct_districts_in_order(app, factories):
    from crm.companies.search import district_names

    assert district_names() == []
    for district in ("Hamnen", None, "Centrum", "Hamnen", "Åby", "Brobyholm"):
        factories.company(district=district)
    db.session.commit()
    expected = db.session.scalars(
        select(Company.district).distinct().where(Company.district.is_not(None)).order_by(Company.district)
    ).all()
    assert district_names() == expected
    assert len(expected) == 4


@pytest.mark.parametrize("page, shown", [(1, 25), (2, 5), (3, 0)])
def test_search_results_are_counted_with_the_page(client, login_as, factories, page, shown):
    login_as("staff")
    for n in range(30):
        factories.company(name=f"Sökbar {n:02d} AB")
    factories.company(name="Annat AB")
    db.session.commit()
    html = client.get("/foretag/", query_string={"q": "sokbar", "page": page}).get_data(as_text=True)
    assert "30 företag" in html
    assert html.count("Sökbar ") == shown
    if shown:
        assert f"Sida {page} av 2" in html


# --- å, ä and ö as letters of their own ----------------------------------------------------------------


@pytest.fixture
def wood_and_care(factories):
    for name in ("Vårdcentralen Norra AB", "Träteknik i Åby AB", "Trapets Bygg AB", "TRÄDGÅRDSMÄSTARNA HB"):
        factories.company(name=name)
    db.session.commit()


def test_a_typed_a_with_dots_is_not_an_a(app, wood_and_care):
    # "trä" folded is "tra", which is in "Vårdcentralen" and "Trapets": those are not what was asked for.
    assert ordered_names("Trä") == ["TRÄDGÅRDSMÄSTARNA HB", "Träteknik i Åby AB"]
    assert set(ordered_names("Trä")) == {"Träteknik i Åby AB", "TRÄDGÅRDSMÄSTARNA HB"}
    assert set(ordered_names("TRÄDGÅRD")) == {"TRÄDGÅRDSMÄSTARNA HB"}
    assert ordered_names("vård") == ["Vårdcentralen Norra AB"]


def test_names_holding_what_was_typed_come_before_folded_matches(app, wood_and_care):
    # "tra" as typed is in Trapets and Vårdcentralen; Trä... match only with the accents folded, after them.
    assert ordered_names("tra") == ["Trapets Bygg AB", "Vårdcentralen Norra AB", "TRÄDGÅRDSMÄSTARNA HB",
                                    "Träteknik i Åby AB"]
    assert ordered_names("tra", order="desc")[:2] == ["Vårdcentralen Norra AB", "Trapets Bygg AB"]


def test_a_contact_persons_name_is_matched_the_same_way(app, register):
    assert names("ängström") == names("Angstrom") == {"Hamnkrogen HB"}
    assert names("öjan") == set()  # "Örjan" has its ö first, not after the j


@pytest.mark.parametrize("q", ["besöksnäring", "Besoksnaring", "BESÖKSNÄRING", " besöksnäring "])
def test_tags_are_found_folded_like_names(app, register, q):
    assert names(q) == {"Hamnkrogen HB"}


def test_a_tag_typed_with_other_letters_is_not_found(app, register):
    assert names("besäksnaring") == set()


def test_the_contact_list_search_keeps_a_typed_o_with_dots(client, login_as, factories):
    company = factories.company(name="Ostkusten AB")
    factories.contact(company, name="Östen Lund")
    factories.contact(company, name="Ostrid Berg")
    db.session.commit()
    login_as("staff")
    html = client.get("/kontaktpersoner/", query_string={"q": "öst"}).get_data(as_text=True)
    assert "Östen Lund" in html and "Ostrid Berg" not in html
    html = client.get("/kontaktpersoner/", query_string={"q": "ost"}).get_data(as_text=True)
    assert "Östen Lund" in html and "Ostrid Berg" in html
