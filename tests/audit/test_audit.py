"""Every create, update and delete lands in the audit log with who, when, what and the action."""

from __future__ import annotations

from sqlalchemy import select

from crm.audit.mixins import system_actor
from crm.audit.models import AuditEntry
from crm.companies.models import Company
from crm.extensions import db


def entries(entity: str, entity_id) -> list[AuditEntry]:
    return list(
        db.session.execute(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.id)
        ).scalars()
    )


def test_create_update_delete_are_recorded(app, factories):
    token = system_actor.set((None, "testkörning"))
    try:
        company = factories.company(name="Loggat AB")
        db.session.commit()
        company.name = "Loggat och ändrat AB"
        db.session.commit()
        company_id = company.id
        db.session.delete(company)
        db.session.commit()
    finally:
        system_actor.reset(token)
    log = entries("Company", company_id)
    assert [entry.action for entry in log] == ["create", "update", "delete"]
    assert log[0].changes["name"] == "Loggat AB"
    assert log[1].changes == {"name": ["Loggat AB", "Loggat och ändrat AB"]}
    assert all(entry.actor == "testkörning" for entry in log)
    assert all(entry.at is not None for entry in log)


def test_request_records_the_logged_in_user(client, login_as):
    admin = login_as("admin")
    client.post(
        "/admin/anvandare/ny",
        data={
            "name": "Ny Person",
            "email": "ny.person@kommun.example",
            "role": "politician",
            "locale": "sv",
            "active": "y",
            "new_password": "ett-långt-lösenord",
            "confirm_password": "ett-långt-lösenord",
        },
    )
    entry = (
        db.session.execute(
            select(AuditEntry)
            .where(AuditEntry.entity == "User", AuditEntry.action == "create")
            .order_by(AuditEntry.id.desc())
        )
        .scalars()
        .first()
    )
    assert entry.user_id == admin.id and entry.actor == admin.name
    assert entry.changes["email"] == "ny.person@kommun.example"
    assert "password_hash" not in entry.changes and "session_token" not in entry.changes


def test_a_rolled_back_change_leaves_no_entry(app, factories):
    before = db.session.execute(select(AuditEntry.id)).all()
    factories.company(name="Aldrig sparat AB")
    db.session.rollback()
    assert db.session.execute(select(AuditEntry.id)).all() == before
    assert db.session.execute(select(Company).where(Company.name == "Aldrig sparat AB")).first() is None


def test_admin_filters_the_log(client, login_as, users, factories):
    admin = login_as("admin")
    company = factories.company(name="Filtrerat AB")
    db.session.commit()
    html = client.get(f"/admin/logg/?entity=Company&entity_id={company.id}").get_data(as_text=True)
    assert f'<a href="/foretag/{company.id}">Filtrerat AB</a>' in html
    assert "Användare</span>" not in html
    by_user = client.get(f"/admin/logg/?user_id={admin.id}&action=login").get_data(as_text=True)
    assert "Inloggning" in by_user and f'<a href="/admin/anvandare/{admin.id}">{admin.name}</a>' in by_user
    by_date = client.get("/admin/logg/?date_from=2000-01-01&date_to=2000-01-02").get_data(as_text=True)
    assert "0 händelser" in by_date


def test_bad_filter_is_explained(client, login_as):
    login_as("admin")
    html = client.get("/admin/logg/?date_from=igår").get_data(as_text=True)
    assert 'id="date_from-error"' in html
