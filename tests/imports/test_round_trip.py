"""Export the register, import the file again: nothing changes."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.companies.models import Company, CompanySni, CompanyStatus
from crm.companies.services import tags_by_name
from crm.extensions import db
from crm.imports import jobs, planning
from tests.imports.helpers import upload_job


def snapshot() -> list[tuple]:
    db.session.expire_all()
    companies = db.session.execute(select(Company).order_by(Company.id)).scalars()
    return [
        (
            c.id,
            c.org_number,
            c.name,
            c.legal_form,
            c.size_class,
            c.employees,
            c.employees_date,
            c.visiting_address,
            c.visiting_postcode,
            c.visiting_city,
            c.postal_address,
            c.postal_postcode,
            c.postal_city,
            c.district,
            c.website,
            c.switchboard,
            c.women_led,
            c.women_owned,
            c.status,
            c.owner_id,
            tuple((s.code, s.version) for s in c.sni_codes),
            tuple(sorted(t.name for t in c.tags)),
        )
        for c in companies
    ]


@pytest.fixture
def register(factories, users):
    tags = tags_by_name(["Medtech", "Besöksnäring"])
    first = factories.company(
        name="Åbyvik Mekaniska AB",
        org_number="556036-0793",
        legal_form="Aktiebolag",
        size_class="5",
        employees=70,
        employees_date=date(2026, 3, 1),
        visiting_address="Verkstadsgatan 4",
        visiting_postcode="641 34",
        visiting_city="Åbyvik",
        postal_address="Box 12",
        postal_postcode="641 21",
        postal_city="Åbyvik",
        district="Hamnen",
        website="https://www.abyvikmek.se",
        switchboard="0152-12 34 56",
        women_led=True,
        women_owned=False,
        owner=users["staff"],
        status=CompanyStatus.ACTIVE,
    )
    first.sni_codes = [CompanySni(code="01110"), CompanySni(code="25620", position=1)]
    first.tags = tags
    factories.company(
        name="Wikström Frisör",
        org_number="640823-3234",
        legal_form="Enskild näringsverksamhet",
        district="Centrum",
        status=CompanyStatus.DORMANT,
    )
    factories.company(name="=Formelbolaget AB", org_number=None, district="Lövsta")
    db.session.commit()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(client, login_as, register, fmt):
    login_as("staff")
    before = snapshot()
    exported = client.get(f"/foretag/export.{fmt}").get_data()
    if fmt == "xlsx":
        assert load_workbook(io.BytesIO(exported)).active.max_row == 4

    job = upload_job(exported, filename=f"export.{fmt}")
    plan = planning.plan_job(job)
    assert [row.errors for row in plan.rows if row.errors] == []
    assert all(row.company_id is not None for row in plan.rows), "every row matches the company it came from"
    audit_before = db.session.execute(select(AuditEntry.id)).all()
    result = jobs.run_import(job.id)

    assert result.created == 0 and result.unchanged == 3
    assert snapshot() == before
    new_entries = (
        db.session.execute(select(AuditEntry).where(AuditEntry.id.not_in([a.id for a in audit_before]))).scalars().all()
    )
    assert [entry.action for entry in new_entries] == ["import"], "only the summary is logged"
