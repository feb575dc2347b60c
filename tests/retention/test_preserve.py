"""Marking a company or contact person "bevaras" from its page: admins only, with CSRF, audited; gallring then
leaves it alone."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from crm.audit.models import AuditEntry
from crm.companies.models import Company, CompanyStatus, ContactPerson
from crm.extensions import db
from crm.retention import proposals
from crm.timeutil import format_date, utcnow
from tests.conftest import PASSWORD


def _admin_with_csrf(app, client, admin) -> str:
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/logga-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/logga-in", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    return token


def test_an_admin_marks_a_contact_bevaras_and_gallring_leaves_it(app, client, factories):
    admin = factories.user("admin")
    person = factories.contact(name="Rut Bevaras", email="rut@privat.example")
    db.session.commit()
    _admin_with_csrf(app, client, admin)

    html = client.get(f"/kontaktpersoner/{person.id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/admin/gallring/bevaras/kontaktperson/\d+">.*?</form>', html,
                     flags=re.S).group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert 'name="preserve" value="1"' in form and "Markera ”bevaras”" in form

    assert client.post(f"/admin/gallring/bevaras/kontaktperson/{person.id}", data={"preserve": "1"}).status_code == 400
    response = client.post(f"/admin/gallring/bevaras/kontaktperson/{person.id}",
                           data={"preserve": "1", "csrf_token": token}, follow_redirects=True)
    assert "Markerad ”bevaras”: gallras aldrig enligt gallringsplanen." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ContactPerson, person.id).preserved
    (entry,) = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "ContactPerson", AuditEntry.entity_id == str(person.id), AuditEntry.action == "update"))
    assert entry.changes["preserved"] == [False, True] and entry.actor == admin.name

    factories.contact(name="Kim Kontroll")
    long_ago = utcnow() - timedelta(days=6 * 366)
    db.session.execute(update(ContactPerson).values(created_at=long_ago, updated_at=long_ago))
    db.session.commit()
    proposal = proposals.make_proposal()
    assert proposals.counts(proposal) == {"contacts": 1}  # the control, not the preserved person
    assert proposals.sample(proposal, "contacts") == [f"Kim Kontroll ({format_date(long_ago)})"]
    db.session.commit()

    client.post(f"/admin/gallring/bevaras/kontaktperson/{person.id}", data={"preserve": "0", "csrf_token": token})
    db.session.expire_all()
    assert not db.session.get(ContactPerson, person.id).preserved


def test_the_company_page_has_the_mark_for_admins_only(client, factories, login_as):
    company = factories.company(name="Arkiv AB", status=CompanyStatus.DORMANT, preserved=True)
    db.session.commit()
    login_as("staff")
    assert "/admin/gallring/bevaras/" not in client.get(f"/foretag/{company.id}").get_data(as_text=True)
    client.post("/logga-ut")
    login_as("admin")
    html = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert "Markerad ”bevaras”" in html and "Ta bort markeringen ”bevaras”" in html
    response = client.post(f"/admin/gallring/bevaras/foretag/{company.id}", data={"preserve": "0"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/foretag/{company.id}")
    db.session.expire_all()
    assert not db.session.get(Company, company.id).preserved
    assert client.post(f"/admin/gallring/bevaras/foretag/{company.id}", data={"preserve": "ja"}).status_code == 302
    assert not db.session.get(Company, company.id).preserved
