"""The gallring page: the plan as a form (errors next to the field, changes audited), the proposal with its
sample for the admin, the approval (CSRF), and the log with its exports."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.retention import kinds, proposals
from crm.retention.models import ProposalStatus, RetentionLogEntry, RetentionProposal, RetentionRule
from crm.retention.plan import described_plan
from crm.timeutil import utcnow
from tests.conftest import PASSWORD

PAGE = "/admin/gallring/"


def plan_data(**changes) -> dict[str, str]:
    data = {}
    for kind in kinds.KINDS:
        data[f"{kind.key}_keep"] = "bevaras" if kind.default_keep else "gallras"
        data[f"{kind.key}_amount"] = str(kind.default_amount)
    data.update(changes)
    return data


def error_of(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error-message" id="{field_id}-error">(.*?)</p>', html, flags=re.S)
    assert match, field_id
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_the_page_shows_the_plan_with_its_defaults_and_the_automatic_purges(client, login_as):
    login_as("admin")
    html = client.get(PAGE).get_data(as_text=True)
    assert "informationshanteringsplan" in html
    assert "Företag som inte är aktiva" in html and 'value="5"' in html
    assert "Kostbehov och allergier: gallras 24 timmar efter evenemanget." in html
    assert "Inget förslag ännu" in html
    assert 'href="/admin/gallring/"' in html  # in the admin's menu


def test_the_plan_rejects_bad_input_next_to_the_field(client, login_as):
    login_as("admin")
    html = client.post(PAGE, data=plan_data(outbox_amount="nittio", companies_amount="0",
                                            contacts_amount="")).get_data(as_text=True)
    assert error_of(html, "outbox_amount") == "Fel: Skriv ett heltal, till exempel 12."
    assert error_of(html, "companies_amount") == "Fel: Antalet ska vara mellan 1 och 100 år."
    assert error_of(html, "contacts_amount") == "Fel: Fyll i hur många år, eller välj Bevaras."
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(RetentionRule).limit(1)) is None


def test_a_missing_choice_is_named_next_to_its_group(client, login_as):
    login_as("admin")
    data = plan_data()
    del data["audit_log_keep"]
    html = client.post(PAGE, data=data).get_data(as_text=True)
    assert error_of(html, "audit_log_keep") == "Fel: Välj Gallras eller Bevaras."


def test_saving_the_plan_stores_and_audits_the_changed_rules(client, login_as):
    admin = login_as("admin")
    response = client.post(PAGE, data=plan_data(companies_amount="7", final_notes_keep="gallras",
                                                final_notes_amount="10", outbox_keep="bevaras", outbox_amount=""))
    assert response.status_code == 302
    stored = {rule.kind: (rule.keep, rule.amount) for rule in db.session.scalars(select(RetentionRule))}
    assert len(stored) == len(kinds.KINDS)  # the confirmed plan, defaults included
    assert stored[kinds.COMPANIES] == (False, 7)
    assert stored[kinds.FINAL_NOTES] == (False, 10)
    assert stored[kinds.OUTBOX] == (True, 90)  # the period is kept for when the rule is changed back
    assert stored[kinds.CONTACTS] == (False, 3)
    lines = {line.kind: line.text for line in described_plan()}
    assert lines[kinds.COMPANIES] == "Gallras 7 år efter senaste aktivitet"
    assert lines[kinds.FINAL_NOTES] == "Gallras 10 år efter händelsen"
    assert lines[kinds.OUTBOX] == "Bevaras"

    client.post(PAGE, data=plan_data(companies_amount="7", final_notes_keep="gallras", final_notes_amount="10",
                                     outbox_keep="bevaras", outbox_amount="", contacts_amount="4"))
    audited = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "RetentionRule")).all()
    assert {entry.entity_id for entry in audited if entry.action == "create"} == set(stored)
    (update,) = [entry for entry in audited if entry.action == "update"]
    assert update.entity_id == kinds.CONTACTS and update.changes["amount"] == [3, 4]
    assert {entry.actor for entry in audited} == {admin.name}


def test_the_admin_sees_the_proposal_with_a_sample_and_approves_it(app, client, factories):
    admin = factories.user("admin")
    for n in range(7):
        factories.contact(name=f"Glömd Person {n}", email=f"glomd{n}@privat.example")
    db.session.commit()
    proposal = proposals.make_proposal(utcnow().replace(year=utcnow().year + 4))
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/logga-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/logga-in", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})

    html = client.get(PAGE).get_data(as_text=True)
    assert "Glömd Person 0" in html and "Glömd Person 4" in html and "Glömd Person 5" not in html
    assert "och 2 till" in html
    form = re.search(r'<form method="post" action="/admin/gallring/godkann">.*?</form>', html, flags=re.S).group(0)
    assert 'name="csrf_token"' in form
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)

    refused = client.post("/admin/gallring/godkann", data={"proposal": str(proposal.id)})
    assert refused.status_code == 400  # no CSRF token
    assert db.session.get(RetentionProposal, proposal.id).status == ProposalStatus.PROPOSED

    response = client.post("/admin/gallring/godkann", data={"proposal": str(proposal.id), "csrf_token": token},
                           follow_redirects=True)
    db.session.expire_all()
    approved = db.session.get(RetentionProposal, proposal.id)
    assert (approved.status, approved.approved_by_id) == (ProposalStatus.APPROVED, admin.id)
    assert approved.approved_at is not None
    html = response.get_data(as_text=True)
    assert "Gallringen är godkänd" in html and "Godkänt, gallras i natt" in html
    assert 'action="/admin/gallring/godkann"' not in html

    again = client.post("/admin/gallring/godkann", data={"proposal": str(proposal.id), "csrf_token": token},
                        follow_redirects=True)
    assert "väntar inte längre på godkännande" in again.get_data(as_text=True)


def test_the_log_page_and_its_exports(client, login_as):
    login_as("admin")
    db.session.add(RetentionLogEntry(at=utcnow(), kind=kinds.OUTBOX, rule="Gallras 90 dagar efter sändning",
                                     count=12, proposal_id=3, proposed_at=utcnow(), approved_at=utcnow(),
                                     approved_by="Agda Administratör"))
    db.session.commit()
    html = client.get("/admin/gallring/logg").get_data(as_text=True)
    assert "Skickade e-postmeddelanden (utkorgen)" in html and "Agda Administratör" in html

    csv = client.get("/admin/gallring/logg.csv")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv.headers["Content-Disposition"]
    lines = csv.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Tid;Slag av uppgifter;Regel;Antal")
    assert ";Skickade e-postmeddelanden (utkorgen);Gallras 90 dagar efter sändning;12;3;" in lines[1]

    xlsx = client.get("/admin/gallring/logg.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1:5] == ("Skickade e-postmeddelanden (utkorgen)", "Gallras 90 dagar efter sändning", "12", "3")


def test_others_get_403(client, login_as):
    for role in ("staff", "organizer", "politician"):
        login_as(role)
        assert client.get(PAGE).status_code == 403
        assert client.post("/admin/gallring/godkann").status_code == 403
        assert client.get("/admin/gallring/logg.csv").status_code == 403
        client.post("/logga-ut")
