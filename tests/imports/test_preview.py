"""The preview: per-row errors with row numbers, and which rows match companies already in the register."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.companies.models import Company
from crm.extensions import db
from crm.imports import planning
from crm.imports.mapping import guess_mapping
from crm.imports.reading import read_table
from tests.imports.helpers import csv_bytes, swedish
from tests.support.factories import valid_org_number

HEADERS = [
    "Organisationsnummer", "Företagsnamn", "Postnummer", "Storleksklass", "SNI-koder", "Kvinnligt ledd", "Status",
    "Ansvarig handläggare", "Kontaktperson", "E-post",
]


def plan_for(rows: list[list[object]], headers: list[str] = HEADERS) -> planning.ImportPlan:
    table = read_table(csv_bytes([headers, *rows]), "csv")
    return planning.plan_rows(table, guess_mapping(table.headers))


def errors_by_row(plan: planning.ImportPlan) -> dict[int, set[tuple[str, str]]]:
    return {row.number: {(error.field, error.kind) for error in row.errors} for row in plan.error_rows}


def test_each_kind_of_error_is_reported_with_its_row_number(app, users):
    owner = users["staff"]
    first = valid_org_number(101)
    rows = [
        [first, "Rätt AB", "151 31", "3", "62010", "ja", "aktiv", owner.email, "Anna Andersson", "anna@ratt.se"],
        ["556036-0794", "Fel Kontrollsiffra AB", "", "", "", "", "", "", "", ""],
        ["12345", "Kort Nummer AB", "", "", "", "", "", "", "", ""],
        [valid_org_number(102), "Fel Epost AB", "", "", "", "", "", "", "Bo Berg", "inte-en-adress"],
        [valid_org_number(103), "", "", "", "", "", "", "", "", ""],
        [valid_org_number(104), "Fel Postnummer AB", "1513", "", "", "", "", "", "", ""],
        [valid_org_number(105), "Fel Storlek AB", "", "99", "", "", "", "", "", ""],
        [first, "Dubblett AB", "", "", "", "", "", "", "", ""],
        [valid_org_number(106), "Fel SNI AB", "", "", "62010, ABC", "", "", "", "", ""],
        [valid_org_number(107), "Fel Ja Nej AB", "", "", "", "kanske", "", "", "", ""],
        [valid_org_number(108), "Fel Status AB", "", "", "", "", "nedlagd", "", "", ""],
        [valid_org_number(109), "Okänd Ansvarig AB", "", "", "", "", "", "ingen@kommun.example", "", ""],
        [valid_org_number(110), "Kontakt Utan Namn AB", "", "", "", "", "", "", "", "okand@exempel.se"],
    ]
    plan = plan_for(rows)
    assert errors_by_row(plan) == {
        3: {("org_number", "org_number")},
        4: {("org_number", "org_number")},
        5: {("contact_email", "email")},
        6: {("name", "name_missing")},
        7: {("visiting_postcode", "postcode")},
        8: {("size_class", "size_class")},
        9: {("org_number", "duplicate_org_number")},
        10: {("sni_codes", "sni_code")},
        11: {("women_led", "boolean")},
        12: {("status", "status")},
        13: {("owner_email", "owner")},
        14: {("contact_name", "contact_name_missing")},
    }
    assert (plan.total_count, plan.valid_count, plan.error_count) == (13, 1, 12)
    messages = {row.number: [swedish(error.message) for error in row.errors] for row in plan.error_rows}
    assert "kontrollsiffran" in messages[3][0]
    assert "tio siffror" in messages[4][0]
    assert messages[9] == ["Organisationsnumret finns redan på rad 2 i filen."]
    assert messages[6] == ["Företagsnamn saknas."]
    valid = plan.valid_rows[0]
    assert valid.parsed.company["org_number"] == first
    assert valid.parsed.company["visiting_postcode"] == "151 31"
    assert valid.owner_id == owner.id


def test_rows_match_by_organisationsnummer_else_by_name(app, factories):
    by_number = factories.company(name="Gammalt Namn AB", org_number=valid_org_number(201))
    by_name = factories.company(name="Gamla Bolaget AB", org_number=None)
    factories.company(name="Annat Bolag AB", org_number=valid_org_number(202))
    db.session.commit()
    plan = plan_for(
        [
            [valid_org_number(201), "Nytt Namn AB", "", "", "", "", "", "", "", ""],
            ["", "GAMLA BOLAGET", "", "", "", "", "", "", "", ""],
            [valid_org_number(203), "Annat Bolag AB", "", "", "", "", "", "", "", ""],
            [valid_org_number(204), "Helt Nytt AB", "", "", "", "", "", "", "", ""],
        ]
    )
    assert not plan.error_count
    matches = {row.number: (row.company_id, row.matched_by) for row in plan.rows}
    assert matches == {
        2: (by_number.id, "org_number"),
        3: (by_name.id, "name"),
        4: (None, None),  # same name, but a company with a different number is another company
        5: (None, None),
    }
    assert (plan.create_count, plan.update_count) == (2, 2)


def test_a_row_with_a_number_fills_in_a_company_known_only_by_name(app, factories):
    company = factories.company(name="Utan Nummer AB", org_number=None)
    db.session.commit()
    plan = plan_for([[valid_org_number(301), "Utan Nummer AB", "", "", "", "", "", "", "", ""]])
    assert plan.rows[0].company_id == company.id
    assert plan.rows[0].matched_by == "name"


def test_a_masked_personnummer_matches_by_name_and_birth_date(app, factories):
    sole_trader = factories.company(name="Svenssons Måleri", org_number="640823-3234")
    factories.company(name="Svenssons Måleri", org_number=valid_org_number(5, sole_trader=True))
    db.session.commit()
    plan = plan_for(
        [
            ["640823-****", "Svenssons Måleri", "", "", "", "", "", "", "", ""],
            ["710101-****", "Ny Enskild Firma", "", "", "", "", "", "", "", ""],
        ]
    )
    assert not plan.error_count
    assert plan.rows[0].company_id == sole_trader.id
    assert plan.rows[0].matched_by == "name"
    assert "org_number" not in plan.rows[0].parsed.company
    assert plan.rows[1].company_id is None and "org_number" not in plan.rows[1].parsed.company


def test_an_ambiguous_name_is_an_error(app, factories):
    factories.company(name="Kafé Torget", org_number=None)
    factories.company(name="KAFE TORGET AB", org_number=None)
    db.session.commit()
    plan = plan_for([["", "Kafé Torget", "", "", "", "", "", "", "", ""]])
    assert errors_by_row(plan) == {2: {("name", "ambiguous_name")}}


def test_the_same_company_twice_in_a_file_is_an_error(app, factories):
    factories.company(name="Två Gånger AB", org_number=None)
    db.session.commit()
    plan = plan_for(
        [
            ["", "Två Gånger AB", "", "", "", "", "", "", "", ""],
            ["", "två gånger", "", "", "", "", "", "", "", ""],
            ["", "Ny Utan Nummer", "", "", "", "", "", "", "", ""],
            ["", "NY UTAN NUMMER AB", "", "", "", "", "", "", "", ""],
        ]
    )
    assert errors_by_row(plan) == {3: {("name", "duplicate_company")}, 5: {("name", "duplicate_company")}}


def test_planning_writes_nothing(app, factories):
    factories.company(name="Finns AB", org_number=valid_org_number(401))
    db.session.commit()
    before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    plan = plan_for([[valid_org_number(401), "Finns AB", "", "", "", "", "", "", "", ""],
                     [valid_org_number(402), "Ny AB", "", "", "", "", "", "", "", ""]])
    assert plan.update_count == 1
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Company)).scalar_one() == 1
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == before
