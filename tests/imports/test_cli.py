"""`flask import-companies FILE [--dry-run] [--skip-errors] [--map SOURCE=field ...]`."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.companies.models import Company
from crm.extensions import db
from crm.imports.models import ImportJob, ImportStatus
from tests.imports.helpers import csv_bytes
from tests.support.factories import valid_org_number


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def write_file(tmp_path, rows, name: str = "foretag.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return path


def invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=["import-companies", *args])


VALID = [
    ["Organisationsnummer", "Företagsnamn", "Ort"],
    [valid_org_number(1), "Första AB", "Södertälje"],
    [valid_org_number(2), "Andra AB", "Järna"],
]
WITH_ERRORS = [*VALID, ["556036-0794", "Fel Nummer AB", "Mölnbo"], [valid_org_number(3), "", "Hölö"]]


def test_dry_run_prints_the_preview_and_writes_nothing(app, factories, tmp_path):
    factories.company(name="Finns Redan AB", org_number=valid_org_number(1))
    db.session.commit()
    result = invoke(app, str(write_file(tmp_path, VALID)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Rader: 2, giltiga: 2, med fel: 0" in result.output
    assert "Nya företag: 1, uppdateras: 1 (1 på organisationsnummer, 0 på namn)" in result.output
    assert "Rad 2: Första AB -> företag" in result.output
    assert "Organisationsnummer -> org_number (Organisationsnummer)" in result.output
    assert "inget har sparats" in result.output
    assert count(Company) == 1 and count(ImportJob) == 0


def test_dry_run_lists_each_error_and_fails(app, tmp_path):
    result = invoke(app, str(write_file(tmp_path, WITH_ERRORS)), "--dry-run")
    assert result.exit_code != 0
    assert "Rad 4: Organisationsnummer:" in result.output and "kontrollsiffran" in result.output
    assert "Rad 5: Företagsnamn: Företagsnamn saknas." in result.output
    assert "2 rader med fel" in result.output
    assert count(Company) == 0 and count(ImportJob) == 0


def test_dry_run_with_skip_errors_succeeds_without_writing(app, tmp_path):
    result = invoke(app, str(write_file(tmp_path, WITH_ERRORS)), "--dry-run", "--skip-errors")
    assert result.exit_code == 0, result.output
    assert count(Company) == 0 and count(ImportJob) == 0


def test_import_writes_the_rows(app, tmp_path, import_folder):
    result = invoke(app, str(write_file(tmp_path, VALID)))
    assert result.exit_code == 0, result.output
    assert "Importen är klar: 2 nya företag, 0 uppdaterade" in result.output
    assert count(Company) == 2
    job = db.session.execute(select(ImportJob)).scalar_one()
    assert (job.status, job.created_count, job.filename, job.created_by_id) == (
        ImportStatus.DONE, 2, "foretag.csv", None,
    )
    summary = db.session.execute(select(AuditEntry).where(AuditEntry.action == "import")).scalar_one()
    assert summary.actor == "import-companies"
    assert list(import_folder.iterdir()) == []


def test_errors_stop_the_import_unless_skipped(app, tmp_path):
    path = write_file(tmp_path, WITH_ERRORS)
    refused = invoke(app, str(path))
    assert refused.exit_code != 0
    assert count(Company) == 0 and count(ImportJob) == 0
    skipped = invoke(app, str(path), "--skip-errors")
    assert skipped.exit_code == 0, skipped.output
    assert "2 rader med fel överhoppade" in skipped.output
    assert {company.name for company in db.session.execute(select(Company)).scalars()} == {"Första AB", "Andra AB"}


def test_map_overrides_the_guess(app, tmp_path):
    rows = [["Kundnummer", "Kundnamn", "Ort"], ["K1", "Mappad AB", "Trosa"]]
    path = write_file(tmp_path, rows)
    unmapped = invoke(app, str(path), "--dry-run")
    assert unmapped.exit_code != 0 and "företagsnamn eller organisationsnummer" in unmapped.output
    left_out = invoke(app, str(path), "--map", "Kundnamn=name", "--map", "ort=-", "--dry-run")
    assert left_out.exit_code == 0, left_out.output
    assert "Ort -> (importeras inte)" in left_out.output
    result = invoke(app, str(path), "--map", "Kundnamn=Företagsnamn", "--map", "3=Kommundel")
    assert result.exit_code == 0, result.output
    company = db.session.execute(select(Company)).scalar_one()
    assert (company.name, company.district, company.visiting_city) == ("Mappad AB", "Trosa", None)


def test_bad_map_arguments_are_refused(app, tmp_path):
    path = write_file(tmp_path, VALID)
    assert invoke(app, str(path), "--map", "Saknas=name").exit_code == 2
    assert invoke(app, str(path), "--map", "Ort=inget_falt").exit_code == 2
    assert invoke(app, str(path), "--map", "Ort").exit_code == 2
    assert invoke(app, str(path), "--map", "Ort=name").exit_code == 2  # two columns would be the name


def test_an_unreadable_file_is_refused(app, tmp_path):
    path = tmp_path / "tom.csv"
    path.write_bytes(b"")
    result = invoke(app, str(path))
    assert result.exit_code != 0 and "Filen är tom." in result.output


def test_help_is_the_docstring(app):
    result = app.test_cli_runner().invoke(args=["import-companies", "--help"])
    assert "Import companies (and one contact person per row)" in result.output
    assert "--dry-run" in result.output and "--skip-errors" in result.output and "--map" in result.output
