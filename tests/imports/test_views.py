"""The web flow: upload → columns → preview → queued for the scheduler → status page."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select, update

from crm.companies.models import Company, ContactPerson
from crm.extensions import db
from crm.imports import files, writer
from crm.imports.models import ImportJob, ImportStatus
from tests.imports.helpers import csv_bytes, run_scheduled_imports, upload_job, xlsx_bytes
from tests.support.factories import valid_org_number

ROWS = [
    ["Org.nr", "Namn", "Stkl", "Övrigt", "Kontaktperson", "E-post"],
    [valid_org_number(1), "Webbens Första AB", "3", "x", "Wera Webb", "wera@forsta.se"],
    [valid_org_number(2), "Webbens Andra AB", "4", "y", "", ""],
    ["556036-0794", "Felaktigt Nummer AB", "5", "z", "", ""],
]


def post_file(client, content: bytes, filename: str):
    return client.post(
        "/foretag/import/", data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data"
    )


def job_id_from(location: str) -> int:
    return int(re.search(r"/foretag/import/(\d+)", location).group(1))


def selected(html: str, name: str) -> str:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    found = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html)
    return next(value for value in found.groups() if value is not None) if found else ""


def test_upload_map_preview_import_and_status(app, client, login_as, import_folder):
    login_as("staff")
    assert client.get("/foretag/import/").status_code == 200

    uploaded = post_file(client, csv_bytes(ROWS), "kunder.csv")
    assert uploaded.status_code == 302
    job_id = job_id_from(uploaded.headers["Location"])
    assert uploaded.headers["Location"].endswith(f"/foretag/import/{job_id}/kolumner")
    stored = db.session.get(ImportJob, job_id).stored_name
    assert (import_folder / stored).is_file()
    assert not any("kunder" in path.name for path in import_folder.iterdir())

    mapping = client.get(f"/foretag/import/{job_id}/kolumner").get_data(as_text=True)
    assert [selected(mapping, f"column_{index}") for index in range(6)] == [
        "org_number", "name", "size_class", "", "contact_name", "contact_email",
    ]
    assert "Exempel: x, y, z" in mapping

    columns = {"column_0": "org_number", "column_1": "name", "column_2": "size_class", "column_3": "district",
               "column_4": "contact_name", "column_5": "contact_email", "sni_version": "SNI 2007"}
    mapped = client.post(f"/foretag/import/{job_id}/kolumner", data=columns)
    assert mapped.status_code == 302
    assert mapped.headers["Location"].endswith(f"/foretag/import/{job_id}/forhandsgranskning")

    preview = client.get(f"/foretag/import/{job_id}/forhandsgranskning").get_data(as_text=True)
    assert "Importera 2 giltiga rader" in preview
    assert re.search(r"<td>4</td><td>Organisationsnummer</td><td>556036-0794</td><td>[^<]*kontrollsiffran", preview)
    assert db.session.execute(select(func.count()).select_from(Company)).scalar_one() == 0

    refused = client.post(f"/foretag/import/{job_id}/forhandsgranskning", data={"valid_rows": "2"})
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert re.search(r'id="skip_errors-error">.*Filen har rader med fel', html, re.S)
    assert db.session.get(ImportJob, job_id).status == ImportStatus.UPLOADED

    started = client.post(f"/foretag/import/{job_id}/forhandsgranskning", data={"valid_rows": "2", "skip_errors": "y"})
    assert started.status_code == 302
    assert started.headers["Location"].endswith(f"/foretag/import/{job_id}")
    queued = client.get(f"/foretag/import/{job_id}").get_data(as_text=True)
    assert "I kö" in queued and '<meta http-equiv="refresh" content="5">' in queued
    assert db.session.execute(select(func.count()).select_from(Company)).scalar_one() == 0  # nothing ran here
    run_scheduled_imports(app)

    status = client.get(f"/foretag/import/{job_id}").get_data(as_text=True)
    assert "Importen är klar." in status
    assert 'http-equiv="refresh"' not in status
    assert re.search(r"<dt>Nya företag</dt><dd>2</dd>", status)
    assert re.search(r"<dt>Överhoppade rader med fel</dt><dd>1</dd>", status)
    db.session.expire_all()
    names = set(db.session.execute(select(Company.name)).scalars())
    assert names == {"Webbens Första AB", "Webbens Andra AB"}
    assert db.session.execute(select(Company.district).where(Company.name == "Webbens Första AB")).scalar() == "x"
    assert db.session.execute(select(ContactPerson.email)).scalar_one() == "wera@forsta.se"
    assert list(import_folder.iterdir()) == []  # the upload and its parsed copy are gone


def test_an_xlsx_upload_goes_to_the_mapping_page(client, login_as):
    login_as("admin")
    response = post_file(client, xlsx_bytes([["Företagsnamn"], ["Excel AB"]]), "Företag.XLSX")
    assert response.status_code == 302
    job = db.session.get(ImportJob, job_id_from(response.headers["Location"]))
    assert job.filename == "Företag.XLSX" and job.stored_name.endswith(".xlsx")


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"Namn\r\nEtt AB\r\n", "foretag.txt", "Välj en CSV-fil (.csv) eller en Excel-fil (.xlsx)."),
        (b"", "foretag.csv", "Filen är tom."),
        (b"Namn;Ort\r\n", "foretag.csv", "Filen har inga rader under rubrikraden."),
        (b"inte excel", "foretag.xlsx", "Filen är inte en Excel-fil"),
    ],
)
def test_bad_uploads_are_refused_next_to_the_field(client, login_as, import_folder, content, filename, message):
    login_as("staff")
    response = post_file(client, content, filename)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(rf'<p class="error-message" id="file-error">.*{re.escape(message)}', html)
    assert db.session.execute(select(func.count()).select_from(ImportJob)).scalar_one() == 0
    assert not import_folder.exists() or not list(import_folder.iterdir())


def test_no_file_is_refused(client, login_as):
    login_as("staff")
    response = client.post("/foretag/import/", data={}, content_type="multipart/form-data")
    assert "Välj en fil att importera." in response.get_data(as_text=True)


def test_the_upload_form_needs_its_csrf_token(app, client, login_as):
    login_as("staff")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = post_file(client, csv_bytes(ROWS), "foretag.csv")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400


def test_a_field_chosen_for_two_columns_is_refused(client, login_as):
    login_as("staff")
    job = upload_job(csv_bytes(ROWS))
    data = {f"column_{index}": "" for index in range(6)} | {"column_0": "name", "column_1": "name",
                                                              "sni_version": "SNI 2007"}
    response = client.post(f"/foretag/import/{job.id}/kolumner", data=data)
    assert response.status_code == 200
    assert re.search(r'id="column_1-error">.*Företagsnamn är redan vald för kolumnen Org.nr', response.get_data(
        as_text=True), re.S)
    nothing = {f"column_{index}": "" for index in range(6)} | {"sni_version": "SNI 2007"}
    response = client.post(f"/foretag/import/{job.id}/kolumner", data=nothing)
    assert "Välj vilken kolumn som har företagsnamnet eller organisationsnumret." in response.get_data(as_text=True)


def test_a_stale_preview_is_not_imported(client, login_as):
    login_as("staff")
    job = upload_job(csv_bytes(ROWS[:3]))
    response = client.post(f"/foretag/import/{job.id}/forhandsgranskning", data={"valid_rows": "7"})
    assert response.status_code == 200
    assert "har ändrats sedan förhandsgranskningen" in response.get_data(as_text=True)
    assert db.session.get(ImportJob, job.id).status == ImportStatus.UPLOADED


def test_the_status_page_refreshes_and_shows_progress_while_running(client, login_as):
    login_as("staff")
    job = upload_job(csv_bytes(ROWS))
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(status=ImportStatus.RUNNING))
    db.session.commit()
    progress = files.ProgressFile(files.progress_path(job))
    progress.write("checking", 0, 3)
    html = client.get(f"/foretag/import/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="5">' in html
    assert '<progress id="import-progress"></progress>' in html
    assert f'<a href="/foretag/import/{job.id}">Uppdatera</a>' in html
    progress.write("writing", 500, 1000)
    html = client.get(f"/foretag/import/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="5">' in html
    assert '<progress id="import-progress" max="1000" value="500">' in html
    assert "500 av 1000 rader" in html
    assert "<script" not in html and "style=" not in html
    still = client.get(f"/foretag/import/{job.id}?uppdatera=nej").get_data(as_text=True)  # WCAG 2.2.1
    assert 'http-equiv="refresh"' not in still and "500 av 1000 rader" in still
    # A running job is not previewed or started again.
    assert client.get(f"/foretag/import/{job.id}/forhandsgranskning").status_code == 302
    assert client.post(f"/foretag/import/{job.id}/kolumner", data={}).status_code == 302


def test_a_failure_in_the_scheduler_shows_on_the_status_page_with_a_retry(app, client, login_as, monkeypatch):
    login_as("staff")
    job = upload_job(csv_bytes(ROWS[:3]))

    def fail(self, rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer.ImportWriter, "write", fail)
    response = client.post(f"/foretag/import/{job.id}/forhandsgranskning", data={"valid_rows": "2"})
    assert response.status_code == 302
    run_scheduled_imports(app)
    html = client.get(f"/foretag/import/{job.id}").get_data(as_text=True)
    assert "Importen avbröts av ett fel (RuntimeError). Inget har sparats." in html
    assert f'action="/foretag/import/{job.id}/forsok-igen"' in html and "Försök igen" in html
    assert 'http-equiv="refresh"' not in html
    assert db.session.execute(select(func.count()).select_from(Company)).scalar_one() == 0


def test_recent_imports_are_listed(client, login_as):
    login_as("staff")
    upload_job(csv_bytes(ROWS), filename="lista.csv")
    html = client.get("/foretag/import/").get_data(as_text=True)
    assert "lista.csv" in html and "Inte startad" in html


@pytest.mark.parametrize(("role", "sees"), [("staff", True), ("admin", True), ("organizer", False),
                                            ("politician", False)])
def test_the_import_link_is_shown_to_staff_and_admins(client, login_as, role, sees):
    login_as(role)
    html = client.get("/foretag/").get_data(as_text=True)
    assert ('href="/foretag/import/"' in html) is sees
