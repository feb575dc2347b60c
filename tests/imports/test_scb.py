"""An SCB register file imports with the guessed mapping, through the CLI and the web pages, and round-trips."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from crm.companies.models import Company
from crm.extensions import db
from crm.imports import jobs, planning
from crm.imports.mapping import guess_mapping
from crm.imports.reading import read_table
from tests.imports.helpers import run_scheduled_imports, upload_job
from tests.imports.scb_file import EXPECTED, HEADERS, ROWS, SOLE_TRADERS, scb_bytes


def companies() -> dict[str, Company]:
    db.session.expire_all()
    return {c.org_number: c for c in db.session.execute(select(Company)).scalars()}


def snapshot() -> list[tuple]:
    found = companies()
    return [
        (c.org_number, c.name, c.legal_form, c.size_class, c.visiting_address, c.visiting_postcode, c.visiting_city,
         c.postal_address, c.postal_postcode, c.postal_city, c.municipality, c.cfar_number, c.switchboard, c.email,
         c.ad_block, c.status, tuple((s.code, s.version) for s in c.sni_codes))
        for _number, c in sorted(found.items())
    ]


def assert_register_as_expected() -> None:
    found = companies()
    assert set(found) == set(EXPECTED)
    for number, wanted in EXPECTED.items():
        company = found[number]
        for key, value in wanted.items():
            actual = [sni.code for sni in company.sni_codes] if key == "sni" else getattr(company, key)
            assert actual == value, (number, key)


def test_scb_headers_are_guessed_without_a_contact_person():
    assert guess_mapping(HEADERS) == [
        "org_number", "cfar_number", "name", "visiting_address", "visiting_postcode", "visiting_city",
        "postal_address", "postal_postcode", "postal_city", "municipality", "legal_form", "sni_codes", "sni_codes",
        "size_class", "switchboard", "email", "ad_block",
    ]


def test_e_post_beside_a_contact_name_is_the_contact_persons():
    assert guess_mapping(["Företagsnamn", "Kontaktperson", "E-post"]) == ["name", "contact_name", "contact_email"]


def test_the_plan_flags_sole_traders_masked_and_only_the_real_errors(app):
    table = read_table(scb_bytes(), "csv")
    assert (table.encoding, table.delimiter, len(table.rows)) == ("Windows-1252", ";", len(ROWS) + 2)
    plan = planning.plan_rows(table, guess_mapping(table.headers))
    errors = {row.number: [(error.field, error.kind, error.value) for error in row.errors] for row in plan.error_rows}
    assert errors == {
        9: [("org_number", "duplicate_org_number", "556036-0793")],
        10: [("org_number", "org_number", "165560360794")],
    }
    assert plan.valid_count == len(ROWS)
    assert {row.parsed.shown_org_number for row in plan.sole_traders} == {"640823-****", "010515-****"}


def test_scb_file_through_the_cli(app, tmp_path):
    path = tmp_path / "scb.csv"
    path.write_bytes(scb_bytes())
    refused = app.test_cli_runner().invoke(args=["import-companies", str(path)])
    assert refused.exit_code != 0 and "2 rader med fel" in refused.output
    assert "Kontaktpersonen saknar namn" not in refused.output
    assert "3234" not in refused.output, "a personnummer is never printed whole"

    result = app.test_cli_runner().invoke(args=["import-companies", str(path), "--skip-errors"])
    assert result.exit_code == 0, result.output
    assert f"Importen är klar: {len(ROWS)} nya företag" in result.output
    assert "E-post -> email" in result.output
    assert_register_as_expected()


def test_a_clean_scb_file_needs_no_flags_and_no_edits(app, tmp_path):
    path = tmp_path / "scb.csv"
    path.write_bytes(scb_bytes(with_errors=False))
    result = app.test_cli_runner().invoke(args=["import-companies", str(path)])
    assert result.exit_code == 0, result.output
    assert_register_as_expected()


def test_scb_file_through_the_web_pages_with_the_guessed_mapping(app, client, login_as):
    login_as("staff")
    uploaded = client.post("/foretag/import/", data={"file": (io.BytesIO(scb_bytes()), "SCB uttag.csv")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 302
    job_id = int(re.search(r"/foretag/import/(\d+)", uploaded.headers["Location"]).group(1))
    preview = client.get(f"/foretag/import/{job_id}/forhandsgranskning").get_data(as_text=True)
    assert "Kontaktpersonen saknar namn" not in preview
    assert "Enskilda näringsidkare" in preview and "personuppgift" in preview
    assert "640823-****" in preview and "010515-****" in preview
    assert "3234" not in preview and "2383" not in preview, "personnummer are shown masked"
    assert f"Importera {len(ROWS)} giltiga rader" in preview

    confirmed = client.post(f"/foretag/import/{job_id}/forhandsgranskning",
                            data={"valid_rows": str(len(ROWS)), "skip_errors": "y"})
    assert confirmed.status_code == 302
    run_scheduled_imports(app)
    assert_register_as_expected()

    page = client.get(f"/foretag/{companies()['556036-0793'].id}").get_data(as_text=True)
    for shown in ("Övriga aktiebolag", "20–49 anställda", "info@abyvik.se", "12345678", "0181"):
        assert shown in page
    assert re.search(r"Reklamspärr</dt><dd>Ja", page)
    listed = client.get("/foretag/", query_string={"q": "Åbyvik"}).get_data(as_text=True)
    assert "20–49 anställda" in listed


def test_scb_round_trip_import_export_import_changes_nothing(app, client, login_as):
    login_as("staff")
    jobs.run_import(upload_job(scb_bytes(with_errors=False), filename="scb.csv").id)
    before = snapshot()
    assert len(before) == len(ROWS)

    exported = client.get("/foretag/export.csv").get_data()
    text = exported.decode("utf-8-sig")
    assert "20–49 anställda" in text and "Övriga aktiebolag" in text and "640823-****" in text

    job = upload_job(exported, filename="export.csv")
    plan = planning.plan_job(job)
    assert [row.errors for row in plan.rows if row.errors] == []
    assert plan.create_count == 0 and all(row.company_id is not None for row in plan.rows)
    result = jobs.run_import(job.id)
    assert (result.created, result.unchanged, result.contacts_created) == (0, len(ROWS), 0)
    assert snapshot() == before
    assert db.session.execute(select(func.count()).select_from(Company)).scalar_one() == len(ROWS)
    assert set(companies()) >= SOLE_TRADERS, "the masked numbers matched their companies by name and birth date"
