"""Likely duplicates, and merging two companies with everything attached."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.companies.models import Company, CompanyContact, CompanySni
from crm.companies.services import find_duplicates, merge_companies, tags_by_name
from crm.extensions import db
from crm.meetings.models import Interaction, InteractionKind


def test_duplicates_by_same_and_similar_names(app, factories):
    a = factories.company(name="Bergs Bygg AB")
    b = factories.company(name="BERGS BYGG AKTIEBOLAG", org_number=None)
    c = factories.company(name="Bergs Byggg AB", org_number=None)
    factories.company(name="Bergs Blommor AB")
    db.session.commit()
    pairs = {(p.first_id, p.second_id): p.reason for p in find_duplicates()}
    assert pairs[(a.id, b.id)] == "same_name"
    assert pairs[(a.id, c.id)] == "similar_name"
    assert len(pairs) == 3


def test_merge_moves_everything_and_is_audited(app, factories, users):
    keep = factories.company(name="Bergs Bygg AB", org_number=None, district=None)
    remove = factories.company(name="Bergs Bygg Aktiebolag", org_number="556036-0793", district="Hamnen")
    shared = factories.contact(keep, role="VD")
    db.session.add(CompanyContact(company=remove, contact=shared, role="VD"))
    factories.contact(remove, role="Ekonomichef")
    keep.sni_codes = [CompanySni(code="41200")]
    remove.sni_codes = [CompanySni(code="41200"), CompanySni(code="43320")]
    keep.tags = tags_by_name(["Bygg"])
    remove.tags = tags_by_name(["Bygg", "Nyckelföretag"])
    meeting = Interaction(company=remove, kind=InteractionKind.MEETING, occurred_on=date(2026, 5, 4), note="x")
    db.session.add(meeting)
    db.session.commit()
    remove_id = remove.id

    merge_companies(keep, remove)
    db.session.commit()

    assert db.session.get(Company, remove_id) is None
    db.session.refresh(keep)
    assert keep.org_number == "556036-0793" and keep.district == "Hamnen", "empty fields are filled"
    assert sorted((link.contact_id, link.role) for link in keep.contact_links) == sorted(
        {(link.contact_id, link.role) for link in keep.contact_links}
    )
    assert len(keep.contact_links) == 2, "the shared contact is not doubled"
    assert sorted(s.code for s in keep.sni_codes) == ["41200", "43320"]
    assert sorted(t.name for t in keep.tags) == ["Bygg", "Nyckelföretag"]
    assert db.session.get(Interaction, meeting.id).company_id == keep.id
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "merge")).scalar_one()
    assert entry.entity_id == str(keep.id) and entry.changes["merged_id"] == remove_id
    assert entry.changes["moved"]["interactions"] == 1


def test_merge_through_the_pages(client, login_as, factories):
    login_as("staff")
    first = factories.company(name="Dubbel AB")
    second = factories.company(name="Dubbel Aktiebolag", org_number=None)
    db.session.commit()
    first_id, second_id = first.id, second.id
    html = client.get("/foretag/dubbletter").get_data(as_text=True)
    assert f"/foretag/{first.id}/sla-ihop/{second.id}" in html
    refused = client.post(f"/foretag/{first.id}/sla-ihop/{second.id}", data={"keep": str(first.id)})
    assert "Bekräfta att det är samma företag." in refused.get_data(as_text=True)
    assert db.session.get(Company, second.id) is not None
    done = client.post(
        f"/foretag/{first.id}/sla-ihop/{second.id}", data={"keep": str(second.id), "confirm": "y"}
    )
    assert done.status_code == 302 and done.headers["Location"] == f"/foretag/{second.id}"
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Company)).scalar_one() == 1
    assert db.session.get(Company, first_id) is None
    assert db.session.get(Company, second_id) is not None
