"""The import itself: creates and updates, SNI codes, tags, contacts, audit, and all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from crm.audit.mixins import system_actor
from crm.audit.models import AuditEntry
from crm.companies.models import Company, CompanyContact, CompanySni, CompanyStatus, ContactPerson, SniVersion, Tag
from crm.extensions import db
from crm.imports import files, jobs, planning
from crm.imports.models import ImportJob, ImportStatus
from tests.imports.helpers import csv_bytes, upload_job, xlsx_bytes
from tests.support.factories import valid_org_number

FULL_HEADERS = [
    "Organisationsnummer", "Företagsnamn", "Besöksadress", "Postnummer", "Ort", "SNI-koder", "SNI-version",
    "Storleksklass", "Taggar", "Kvinnligt ledd", "Status", "Ansvarig handläggare", "Kontaktperson", "E-post",
    "Kontaktpersonens telefon", "Roll",
]


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def company_named(name: str) -> Company:
    return db.session.execute(select(Company).where(Company.name == name)).scalar_one()


def test_a_new_company_gets_every_mapped_field(app, users):
    owner = users["staff"]
    rows = [
        FULL_HEADERS,
        [valid_org_number(1), "Åbyvik Mekaniska AB", "Verkstadsvägen 3", "15131", "Södertälje", "1110; 62010", "",
         "4", "Medtech, nyckelföretag", "x", "Vilande", owner.email.upper(), "Anna Andersson", "Anna@Abyvik.se",
         "070-123 45 67", "VD"],
    ]
    result = jobs.run_import(upload_job(csv_bytes(rows)).id)
    assert (result.created, result.updated, result.contacts_created, result.tags_created) == (1, 0, 1, 2)
    company = company_named("Åbyvik Mekaniska AB")
    assert company.org_number == valid_org_number(1)
    assert company.name_key == "abyvik mekaniska"
    assert (company.visiting_address, company.visiting_postcode, company.visiting_city) == (
        "Verkstadsvägen 3", "151 31", "Södertälje",
    )
    assert [(sni.code, sni.version) for sni in company.sni_codes] == [
        ("01110", SniVersion.SNI2007), ("62010", SniVersion.SNI2007),
    ]
    assert [tag.name for tag in company.tags] == ["Medtech", "nyckelföretag"]
    assert company.size_class == "3"
    assert company.women_led is True and company.women_owned is None
    assert company.status == CompanyStatus.DORMANT
    assert company.owner_id == owner.id
    [link] = company.contact_links
    assert (link.contact.name, link.contact.email, link.contact.phone, link.role) == (
        "Anna Andersson", "Anna@abyvik.se", "070-123 45 67", "VD",
    )
    assert link.contact.name_key == "anna andersson"


def test_matched_companies_get_the_mapped_fields_and_keep_the_rest(app, factories):
    company = factories.company(name="Gammalt Namn AB", org_number=valid_org_number(2), district="Södra Porten",
                                visiting_city="Järna")
    tag = Tag(name="Besöksnäring")
    company.tags.append(tag)
    company.sni_codes.append(CompanySni(code="47111", version=SniVersion.SNI2007))
    company.sni_codes.append(CompanySni(code="47112", version=SniVersion.SNI2025))
    db.session.commit()
    rows = [
        ["Orgnr", "Namn", "Ort", "SNI", "Taggar"],
        [valid_org_number(2), "Nytt Namn AB", "", "62010", "besöksnäring, Medtech"],
    ]
    result = jobs.run_import(upload_job(csv_bytes(rows)).id)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    db.session.expire_all()
    company = db.session.get(Company, company.id)
    assert company.name == "Nytt Namn AB" and company.name_key == "nytt namn"
    assert company.district == "Södra Porten"  # not in the file
    assert company.visiting_city == "Järna"  # an empty cell never clears
    assert sorted((sni.version.value, sni.code) for sni in company.sni_codes) == [
        ("SNI 2007", "62010"), ("SNI 2025", "47112"),
    ]
    assert sorted(tag.name for tag in company.tags) == ["Besöksnäring", "Medtech"]
    assert count(Tag) == 2


def test_a_masked_personnummer_never_overwrites_the_stored_number(app, factories):
    company = factories.company(name="Svenssons Måleri", org_number="640823-3234", district=None)
    db.session.commit()
    rows = [["Organisationsnummer", "Företagsnamn", "Kommundel"], ["640823-****", "Svenssons Måleri", "Centrum"]]
    result = jobs.run_import(upload_job(csv_bytes(rows)).id)
    assert (result.created, result.updated) == (0, 1)
    db.session.expire_all()
    company = db.session.get(Company, company.id)
    assert company.org_number == "640823-3234"
    assert company.district == "Centrum"


def test_a_number_fills_in_a_company_matched_by_name(app, factories):
    company = factories.company(name="Utan Nummer AB", org_number=None)
    db.session.commit()
    rows = [["Organisationsnummer", "Företagsnamn"], [valid_org_number(3), "UTAN NUMMER"]]
    jobs.run_import(upload_job(csv_bytes(rows)).id)
    db.session.expire_all()
    company = db.session.get(Company, company.id)
    assert company.org_number == valid_org_number(3)
    assert company.name == "UTAN NUMMER"


def test_contacts_are_matched_by_email_and_linked_to_each_company(app, factories):
    existing = factories.contact(name="Vera Verkställande", email="vera@exempel.se", phone=None)
    db.session.commit()
    rows = [
        ["Organisationsnummer", "Företagsnamn", "Kontaktperson", "E-post", "Mobil", "Roll"],
        [valid_org_number(4), "Första AB", "Vera Verkställande", "VERA@exempel.se", "070-1", "VD"],
        [valid_org_number(5), "Andra AB", "Vera V", "vera@exempel.se", "070-2", "Ägare"],
        [valid_org_number(6), "Tredje AB", "Per Persson", "per@exempel.se", "", "HR"],
        [valid_org_number(7), "Fjärde AB", "Per Persson", "per@exempel.se", "", "Inköp"],
        [valid_org_number(8), "Femte AB", "Utan Epost", "", "", "Platschef"],
    ]
    result = jobs.run_import(upload_job(csv_bytes(rows)).id)
    assert (result.contacts_created, result.contacts_updated, result.links_created) == (2, 1, 5)
    assert count(ContactPerson) == 3
    db.session.expire_all()
    vera = db.session.get(ContactPerson, existing.id)
    assert vera.phone == "070-1"  # the first row naming her wins
    assert sorted((link.company.name, link.role) for link in vera.company_links) == [
        ("Andra AB", "Ägare"), ("Första AB", "VD"),
    ]
    per = db.session.execute(select(ContactPerson).where(ContactPerson.email == "per@exempel.se")).scalar_one()
    assert len(per.company_links) == 2


def test_importing_the_same_file_again_changes_nothing(app):
    rows = [
        ["Organisationsnummer", "Företagsnamn", "SNI", "Taggar", "Kontaktperson", "E-post", "Roll"],
        [valid_org_number(9), "Samma AB", "62010", "Medtech", "Sam Samuelsson", "sam@samma.se", "VD"],
        [valid_org_number(10), "Också Samma AB", "", "", "Utan Epost", "", "HR"],
    ]
    jobs.run_import(upload_job(csv_bytes(rows)).id)
    counts = [count(model) for model in (Company, CompanySni, Tag, ContactPerson, CompanyContact)]
    audit_before = count(AuditEntry)
    result = jobs.run_import(upload_job(csv_bytes(rows)).id)
    assert (result.created, result.updated, result.unchanged, result.contacts_created, result.links_created) == (
        0, 2, 2, 0, 0,
    )
    assert [count(model) for model in (Company, CompanySni, Tag, ContactPerson, CompanyContact)] == counts
    assert count(AuditEntry) == audit_before + 1  # only the import's summary


@pytest.fixture
def acting_as():
    """Act as a user outside a request (as the background thread does), reset afterwards."""
    tokens = []

    def act(user):
        tokens.append(system_actor.set((user.id, user.name)))

    yield act
    for token in reversed(tokens):
        system_actor.reset(token)


def test_the_audit_log_records_each_change_and_the_import(app, users, factories, acting_as):
    matched = factories.company(name="Ändras AB", org_number=valid_org_number(11), district="Norr")
    db.session.commit()
    before = db.session.execute(select(func.max(AuditEntry.id))).scalar_one()
    acting_as(users["staff"])
    rows = [
        ["Organisationsnummer", "Företagsnamn", "Kommundel", "SNI", "Kontaktperson", "E-post", "Roll"],
        [valid_org_number(11), "Ändras AB", "Söder", "62010", "", "", ""],
        [valid_org_number(12), "Skapas AB", "Väster", "", "Ny Person", "ny@skapas.se", "VD"],
    ]
    job = upload_job(csv_bytes(rows), created_by_id=users["staff"].id)
    jobs.run_import(job.id)
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.id > before)).scalars().all()
    assert sorted((entry.entity, entry.action) for entry in entries) == [
        ("Company", "create"), ("Company", "update"), ("CompanyContact", "create"), ("ContactPerson", "create"),
        ("ImportJob", "import"),
    ]
    by_entity = {(entry.entity, entry.action): entry for entry in entries}
    update = by_entity[("Company", "update")]
    assert update.entity_id == str(matched.id)
    assert update.changes == {"district": ["Norr", "Söder"], "sni_codes": [None, "62010"]}
    create = by_entity[("Company", "create")]
    assert create.changes["name"] == "Skapas AB" and create.changes["district"] == "Väster"
    assert by_entity[("ContactPerson", "create")].changes["email"] == "ny@skapas.se"
    assert by_entity[("CompanyContact", "create")].changes["role"] == "VD"
    summary = by_entity[("ImportJob", "import")]
    assert summary.entity_id == str(job.id)
    assert summary.changes["created"] == 1 and summary.changes["updated"] == 1
    assert summary.changes["file"] == "foretag.csv"
    assert {(entry.user_id, entry.actor) for entry in entries} == {(users["staff"].id, users["staff"].name)}


def test_a_file_with_errors_is_refused_unless_errors_are_skipped(app):
    rows = [
        ["Organisationsnummer", "Företagsnamn"],
        [valid_org_number(13), "Giltig AB"],
        ["556036-0794", "Ogiltig AB"],
        [valid_org_number(14), "Också Giltig AB"],
    ]
    refused = upload_job(csv_bytes(rows))
    with pytest.raises(jobs.ImportRefused):
        jobs.run_import(refused.id)
    db.session.expire_all()
    assert count(Company) == 0
    job = db.session.get(ImportJob, refused.id)
    assert job.status == ImportStatus.FAILED and "Inget har sparats" in job.error

    result = jobs.run_import(refused.id, skip_errors=True)  # a failed job may be retried
    assert (result.created, result.skipped) == (2, 1)
    names = set(db.session.execute(select(Company.name)).scalars())
    assert names == {"Giltig AB", "Också Giltig AB"}
    db.session.expire_all()
    job = db.session.get(ImportJob, refused.id)
    assert (job.status, job.created_count, job.updated_count, job.total_rows) == (ImportStatus.DONE, 2, 0, 3)


def test_a_done_job_cannot_run_again(app):
    job = upload_job(csv_bytes([["Företagsnamn"], ["Ett AB"]]))
    jobs.run_import(job.id)
    with pytest.raises(jobs.ImportNotStartable):
        jobs.run_import(job.id)


def test_the_upload_is_stored_under_a_random_name_and_removed_when_imported(app, import_folder):
    job = upload_job(csv_bytes([["Företagsnamn"], ["Ett AB"]]), filename="../../Kunder 2026.csv")
    assert job.filename == "Kunder 2026.csv"
    assert "Kunder" not in job.stored_name and "/" not in job.stored_name
    assert job.stored_name.endswith(".csv")
    assert (import_folder / job.stored_name).is_file()
    jobs.run_import(job.id)
    assert list(import_folder.iterdir()) == []


def test_xlsx_imports_with_leading_zero_sni(app):
    rows = [["PeOrgNr", "Företagsnamn", "Ng1", "Ng2"], [f"16{valid_org_number(15).replace('-', '')}", "Excel AB",
                                                          1110, "02101"]]
    jobs.run_import(upload_job(xlsx_bytes(rows), filename="scb.xlsx").id)
    company = company_named("Excel AB")
    assert company.org_number == valid_org_number(15)
    assert [sni.code for sni in company.sni_codes] == ["01110", "02101"]


def test_a_failure_in_the_middle_keeps_the_committed_chunks_only(app, monkeypatch, import_folder):
    """Row 25 gets row 2's organisationsnummer after planning: the database refuses it in the third chunk. The
    two chunks before it are committed with the job's progress; nothing of the third is left."""
    app.config["IMPORT_CHUNK_ROWS"] = 10
    rows = [["Organisationsnummer", "Företagsnamn", "SNI", "Taggar", "Kontaktperson", "E-post"]]
    rows += [[valid_org_number(100 + n), f"Bolag {n} AB", "62010", "Medtech", f"Person {n}", f"p{n}@bolag.se"]
             for n in range(30)]
    job = upload_job(csv_bytes(rows))
    real_plan = planning.plan_rows

    def plan_with_a_clash(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        plan.rows[23].parsed.company["org_number"] = plan.rows[0].parsed.company["org_number"]
        return plan

    monkeypatch.setattr(planning, "plan_rows", plan_with_a_clash)
    company_inserts = []

    def note_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO companies"):
            company_inserts.append(statement)

    event.listen(db.engine, "before_cursor_execute", note_insert)
    try:
        with pytest.raises(Exception) as failure:
            jobs.run_import(job.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", note_insert)
    assert "IntegrityError" in type(failure.value).__name__
    assert len(company_inserts) == 3  # two chunks went in before the third failed
    db.session.expire_all()
    for model in (Company, CompanySni, ContactPerson, CompanyContact):
        assert count(model) == 20, model
    assert count(Tag) == 1
    audited = db.session.execute(
        select(AuditEntry.entity, func.count()).where(AuditEntry.entity != "User").group_by(AuditEntry.entity)
    ).all()
    assert dict(audited) == {"Company": 20, "ContactPerson": 20, "CompanyContact": 20, "Tag": 1}
    job = db.session.get(ImportJob, job.id)
    assert job.status == ImportStatus.FAILED and job.rows_written == 20
    assert "IntegrityError" in job.error and "efter 20 av 30 rader" in job.error
    assert (import_folder / job.stored_name).is_file()  # kept, so the import can be retried
    assert not files.progress_path(job).exists()


def test_twenty_thousand_rows_all_land(app):
    """Performance is measured elsewhere; this checks that a file this size goes through in one piece."""
    rows = [["Organisationsnummer", "Företagsnamn", "SNI-koder", "Storleksklass", "Postnummer"]]
    rows += [[valid_org_number(n), f"Företag {n} AB", "1110", str(n % 16 + 1), "15131"] for n in range(1, 20_001)]
    job = upload_job(csv_bytes(rows))
    result = jobs.run_import(job.id)
    assert result.created == 20_000
    assert count(Company) == 20_000
    assert count(CompanySni) == 20_000
    last = db.session.execute(select(Company).where(Company.org_number == valid_org_number(20_000))).scalar_one()
    assert (last.name, last.size_class, last.visiting_postcode) == ("Företag 20000 AB", "0", "151 31")
    assert [sni.code for sni in last.sni_codes] == ["01110"]


def test_ids_taken_by_the_import_do_not_clash_with_later_inserts(app, factories):
    factories.company(name="Före AB")
    db.session.commit()
    jobs.run_import(upload_job(csv_bytes([["Företagsnamn"], ["Import Ett AB"], ["Import Två AB"]])).id)
    after = factories.company(name="Efter AB")
    db.session.commit()
    ids = sorted(db.session.execute(select(Company.id)).scalars())
    assert len(set(ids)) == 4 and after.id == ids[-1]


def test_the_parsed_copy_is_only_a_cache(app, import_folder):
    job = upload_job(xlsx_bytes([["Företagsnamn", "SNI"], ["Kopia AB", 1110]]), filename="f.xlsx")
    cached = files.load_table(job)
    (import_folder / f"{job.stored_name}.table.json").unlink()
    assert files.load_table(job) == cached
    jobs.run_import(job.id)
    assert [sni.code for sni in company_named("Kopia AB").sni_codes] == ["01110"]


def test_an_apostrophe_in_an_address_still_matches(app, factories):
    existing = factories.contact(name="Seán O'Brien", email="Sean.O'Brien@exempel.se")
    db.session.commit()
    rows = [
        ["Företagsnamn", "Kontaktperson", "E-post", "Roll"],
        ["Irländska AB", "Seán O'Brien", "sean.o'brien@exempel.se", "VD"],
    ]
    result = jobs.run_import(upload_job(csv_bytes(rows)).id)
    assert (result.contacts_created, result.links_created) == (0, 1)
    assert company_named("Irländska AB").contact_links[0].contact_id == existing.id
