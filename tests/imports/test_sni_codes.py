"""SNI codes in an import are checked against the classification of the row's version, as the company form checks
them: a made-up code or a class is a row error with the form's message; a code Excel took the leading zero from is
put back when that gives a real detailed code."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.companies import sni
from crm.companies.models import Company, CompanySni, SniVersion
from crm.extensions import db
from crm.imports import jobs, planning
from crm.imports.jobs import ImportRefused
from crm.imports.mapping import guess_mapping
from crm.imports.reading import read_table
from crm.imports.values import FieldProblem, parse_sni_codes
from tests.imports.helpers import csv_bytes, swedish, upload_job
from tests.support.factories import valid_org_number

HEADERS = ["Organisationsnummer", "Företagsnamn", "SNI-koder"]
ROWS = [
    HEADERS,
    [valid_org_number(301), "Påhittad Kod AB", "12345"],
    [valid_org_number(302), "Klasskod AB", "6201"],
    [valid_org_number(303), "Excel Tappade Nollan AB", "1110"],
    [valid_org_number(304), "Rätt Kod AB", "62010"],
]


def plan_for(rows: list[list[object]]) -> planning.ImportPlan:
    table = read_table(csv_bytes(rows), "csv")
    return planning.plan_rows(table, guess_mapping(table.headers))


def sni_messages(plan: planning.ImportPlan) -> dict[int, list[str]]:
    return {row.number: [swedish(error.message) for error in row.errors if error.field == "sni_codes"]
            for row in plan.rows}


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_codes_not_in_the_classification_are_row_errors_with_the_forms_message(app):
    plan = plan_for(ROWS)
    messages = sni_messages(plan)
    assert messages[2] == ["12345 finns inte i SNI 2007."]
    assert messages[3] == ["En SNI-kod har fem siffror. Menar du 62010 Dataprogrammering?"]
    assert messages[2] == [swedish(sni.resolve("12345").message)]  # the form's own text, not a copy
    assert messages[3] == [swedish(sni.resolve("6201").message)]
    assert [error.kind for row in plan.error_rows for error in row.errors] == ["sni_code", "sni_code"]
    assert messages[4] == [] and messages[5] == []
    assert [row.number for row in plan.valid_rows] == [4, 5]
    assert plan.rows[2].parsed.company["sni_codes"] == ["01110"]  # the lost leading zero put back, no error


def test_without_skipping_errors_nothing_is_imported(app):
    job = upload_job(csv_bytes(ROWS))
    with pytest.raises(ImportRefused):
        jobs.run_import(job.id)
    assert count(Company) == 0 and count(CompanySni) == 0


def test_skipping_errors_imports_the_real_codes_only(app):
    result = jobs.run_import(upload_job(csv_bytes(ROWS)).id, skip_errors=True)
    assert result.created == 2
    stored = db.session.execute(
        select(Company.name, CompanySni.code, CompanySni.version).join(CompanySni).order_by(Company.name)
    ).all()
    assert stored == [("Excel Tappade Nollan AB", "01110", SniVersion.SNI2007),
                      ("Rätt Kod AB", "62010", SniVersion.SNI2007)]


def test_a_bad_secondary_code_fails_the_whole_row(app):
    """SCB's Ng2 is checked like Ng1: the row is refused rather than imported with a code left out unseen."""
    plan = plan_for([["PeOrgNr", "Företagsnamn", "Ng1", "Ng2"],
                     [f"16{valid_org_number(305).replace('-', '')}", "Bisyssla AB", "62010", "12345"]])
    assert sni_messages(plan) == {2: ["12345 finns inte i SNI 2007."]}
    assert plan.valid_count == 0


def test_codes_are_checked_against_the_rows_own_version(app):
    """62010 is SNI 2007's Dataprogrammering; SNI 2025 has it as 62100."""
    headers = ["Organisationsnummer", "Företagsnamn", "SNI-version", "SNI-koder"]
    plan = plan_for([
        headers,
        [valid_org_number(306), "Ny Version AB", "SNI 2025", "62100"],
        [valid_org_number(307), "Gammal Kod AB", "SNI 2025", "62010"],
        [valid_org_number(308), "Standard AB", "", "62100"],
        [valid_org_number(309), "Okänd Version AB", "SNI 2002", "12345"],
    ])
    messages = sni_messages(plan)
    assert messages[2] == []
    assert messages[3] and messages[3][0].startswith("62010 finns inte i SNI 2025.")
    assert messages[4] and messages[4][0].startswith("62100 finns inte i SNI 2007.")
    assert messages[5] == []  # the version is refused; its codes cannot be checked until it is known
    assert [error.field for error in plan.rows[3].errors] == ["sni_version"]


def test_the_mapping_pages_version_applies_when_the_file_has_none(app):
    table = read_table(csv_bytes([HEADERS, [valid_org_number(310), "Ny AB", "62100"]]), "csv")
    plan = planning.plan_rows(table, guess_mapping(table.headers), SniVersion.SNI2025)
    assert plan.valid_count == 1 and plan.rows[0].parsed.company["sni_codes"] == ["62100"]


@pytest.mark.parametrize(("cell", "expected"), [("12345", "12345 finns inte i SNI 2007."),
                                                ("62.01", "Menar du 62010 Dataprogrammering?")])
def test_parse_sni_codes_refuses_what_the_form_refuses(app, cell, expected):
    with pytest.raises(FieldProblem) as problem:
        parse_sni_codes(["62010", cell])
    assert problem.value.kind == "sni_code"
    assert expected in swedish(problem.value.message)


def test_the_cli_dry_run_reports_the_code(app, tmp_path):
    path = tmp_path / "foretag.csv"
    path.write_bytes(csv_bytes(ROWS))
    result = app.test_cli_runner().invoke(args=["import-companies", str(path), "--dry-run"])
    assert result.exit_code != 0
    assert "Rad 2: SNI-koder: 12345 finns inte i SNI 2007. (värde: 12345)" in result.output
    assert "Rad 3: SNI-koder: En SNI-kod har fem siffror. Menar du 62010 Dataprogrammering?" in result.output
    assert "2 rader med fel" in result.output
    assert count(Company) == 0


def test_the_preview_page_shows_the_message_next_to_the_row(app, client, login_as):
    login_as("staff")
    job = upload_job(csv_bytes(ROWS))
    preview = client.get(f"/foretag/import/{job.id}/forhandsgranskning").get_data(as_text=True)
    assert "Importera 2 giltiga rader" in preview
    assert "<td>2</td><td>SNI-koder</td><td>12345</td><td>12345 finns inte i SNI 2007.</td>" in preview
    assert "<td>3</td><td>SNI-koder</td><td>6201</td><td>En SNI-kod har fem siffror." in preview
