"""Where the data came from: an import sets import_job_id on the companies and contacts it creates (not on those
it only updates), and the registerutdrag names the file and its date."""

from __future__ import annotations

import json

from sqlalchemy import select

from crm.companies.models import Company, ContactPerson
from crm.extensions import db
from crm.imports import jobs
from tests.imports.helpers import csv_bytes, upload_job
from tests.support.factories import valid_org_number

HEADERS = ["Organisationsnummer", "Företagsnamn", "Ort", "Kontaktperson", "E-post"]


def test_the_import_sets_its_id_on_what_it_creates(app, factories, tmp_path):
    app.config["IMPORT_FOLDER"] = str(tmp_path)
    known = factories.company(name="Finns Redan AB", org_number=valid_org_number(71))
    known_contact = factories.contact(known, email="kand@finns.example")
    db.session.commit()
    job = upload_job(csv_bytes([
        HEADERS,
        [valid_org_number(72), "Nytt Bolag AB", "Järna", "Ny Person", "ny@nytt.example"],
        [valid_org_number(71), "Finns Redan AB", "Södertälje", "Känd Person", "kand@finns.example"],
    ]), filename="scb-uttag.csv")
    jobs.run_import(job.id)
    db.session.expire_all()
    new = db.session.execute(select(Company).where(Company.name == "Nytt Bolag AB")).scalar_one()
    person = db.session.execute(select(ContactPerson).where(ContactPerson.email == "ny@nytt.example")).scalar_one()
    assert new.import_job_id == job.id and person.import_job_id == job.id
    assert db.session.get(Company, known.id).import_job_id is None
    assert db.session.get(ContactPerson, known_contact.id).import_job_id is None


def test_the_registerutdrag_names_the_import(client, login_as, app, tmp_path):
    user = login_as("staff")
    app.config["IMPORT_FOLDER"] = str(tmp_path)
    job = upload_job(csv_bytes([HEADERS, [valid_org_number(73), "Importerat AB", "Järna", "Imma Import",
                                          "imma@import.example"]]), filename="kontakter-2026.csv",
                     created_by_id=user.id)
    jobs.run_import(job.id)
    person = db.session.execute(select(ContactPerson).where(ContactPerson.email == "imma@import.example")).scalar_one()
    report = json.loads(client.get(f"/kontaktpersoner/{person.id}/registerutdrag.json").get_data(as_text=True))
    [origin] = report["origin"]
    assert origin["source"] == "Import från fil" and origin["file"] == "kontakter-2026.csv"
    assert origin["by"] == user.name and origin["at"]
