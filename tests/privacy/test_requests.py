"""The register of requests for a registerutdrag: registered with how identity was checked, due a month after
receipt, delivered; overdue ones marked in words; refused input explained next to the field; audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.privacy.models import AccessRequest, DeliveryWay, IdentityCheck
from crm.privacy.services import due_on
from crm.timeutil import stockholm_today
from tests.support.factories import valid_org_number


@pytest.mark.parametrize(("received", "due"), [
    (date(2026, 1, 31), date(2026, 2, 28)),
    (date(2028, 1, 31), date(2028, 2, 29)),
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 12, 15), date(2027, 1, 15)),
    (date(2026, 2, 28), date(2026, 3, 28)),
])
def test_due_one_month_after_receipt(received, due):
    assert due_on(received) == due


def test_a_request_is_registered_and_delivered(client, login_as, factories):
    user = login_as("staff")
    contact = factories.contact(name="Begär Utdrag")
    db.session.commit()
    received = stockholm_today() - timedelta(days=3)
    response = client.post(f"/kontaktpersoner/{contact.id}/registerutdrag/begaran", data={
        "received_on": received.isoformat(), "identity_check": IdentityCheck.E_ID.value,
        "identity_note": "BankID", "note": "Kom via e-post.",
    })
    assert response.status_code == 302
    row = db.session.execute(select(AccessRequest)).scalar_one()
    assert (row.contact_id, row.received_on, row.identity_check, row.identity_note, row.handled_by_id) == (
        contact.id, received, IdentityCheck.E_ID, "BankID", user.id)
    assert db.session.execute(select(AuditEntry).where(AuditEntry.entity == "AccessRequest",
                                                       AuditEntry.action == "create")).scalar_one()
    html = client.get("/registerutdrag/").get_data(as_text=True)
    assert "Begär Utdrag" in html and due_on(received).isoformat() in html and "försenad" not in html

    response = client.post(f"/registerutdrag/{row.id}/levererad", data={
        f"r{row.id}-delivered_on": stockholm_today().isoformat(),
        f"r{row.id}-delivered_how": DeliveryWay.SECURE_MAIL.value,
    })
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(AccessRequest, row.id)
    assert row.delivered_on == stockholm_today() and row.delivered_how == DeliveryWay.SECURE_MAIL
    html = client.get("/registerutdrag/").get_data(as_text=True)
    assert "Inga öppna begäranden." in html and "Krypterad e-post" in html


def test_an_overdue_request_is_marked_in_words(client, login_as, factories):
    login_as("staff")
    contact = factories.contact(name="Väntar Länge")
    db.session.add(AccessRequest(contact=contact, received_on=stockholm_today() - timedelta(days=40),
                                 identity_check=IdentityCheck.ID_DOCUMENT))
    db.session.commit()
    html = client.get("/registerutdrag/").get_data(as_text=True)
    assert "Väntar Länge" in html and "försenad" in html
    html = client.get(f"/kontaktpersoner/{contact.id}/registerutdrag").get_data(as_text=True)
    assert "försenad" in html


def test_bad_input_is_explained_next_to_the_field(client, login_as, factories):
    login_as("staff")
    contact = factories.contact()
    db.session.commit()
    url = f"/kontaktpersoner/{contact.id}/registerutdrag/begaran"
    html = client.post(url, data={"received_on": (stockholm_today() + timedelta(days=1)).isoformat(),
                                  "identity_check": IdentityCheck.E_ID.value}).get_data(as_text=True)
    assert 'id="received_on-error"' in html and "kan inte vara senare än i dag" in html
    html = client.post(url, data={"received_on": "igår", "identity_check": "gissning"}).get_data(as_text=True)
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in html and 'id="identity_check-error"' in html
    html = client.post(url, data={"received_on": stockholm_today().isoformat(),
                                  "identity_check": IdentityCheck.OTHER.value}).get_data(as_text=True)
    assert 'id="identity_note-error"' in html and "Beskriv hur identiteten kontrollerades." in html
    assert db.session.execute(select(AccessRequest)).first() is None


def test_delivery_before_receipt_is_refused(client, login_as, factories):
    login_as("staff")
    contact = factories.contact()
    row = AccessRequest(contact=contact, received_on=stockholm_today(), identity_check=IdentityCheck.E_ID)
    db.session.add(row)
    db.session.commit()
    html = client.post(f"/registerutdrag/{row.id}/levererad", data={
        f"r{row.id}-delivered_on": (stockholm_today() - timedelta(days=1)).isoformat(),
        f"r{row.id}-delivered_how": DeliveryWay.LETTER.value,
    }).get_data(as_text=True)
    assert f'id="r{row.id}-delivered_on-error"' in html and "innan begäran kom in" in html
    assert db.session.get(AccessRequest, row.id).delivered_on is None


def test_a_sole_traders_company_has_a_registerutdrag_and_an_ab_does_not(client, login_as, factories):
    login_as("staff")
    firm = factories.company(name="Eva Enskild Måleri", org_number=valid_org_number(40, sole_trader=True),
                             email="eva@maleri.example")
    ab = factories.company(name="Bolaget AB")
    factories.interaction(firm, note="Eva vill bygga ut.")
    db.session.commit()
    html = client.get(f"/foretag/{firm.id}/registerutdrag").get_data(as_text=True)
    assert "Registerutdrag för Eva Enskild Måleri" in html and "Eva vill bygga ut." in html
    report = client.get(f"/foretag/{firm.id}/registerutdrag.json").get_json()
    company = {row["field"]: row["value"] for row in report["company"]}
    assert company["org_number"] == firm.org_number and company["email"] == "eva@maleri.example"
    assert [row["note"] for row in report["meetings"]] == ["Eva vill bygga ut."]
    pdf = client.get(f"/foretag/{firm.id}/registerutdrag.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    response = client.post(f"/foretag/{firm.id}/registerutdrag/begaran", data={
        "received_on": stockholm_today().isoformat(), "identity_check": IdentityCheck.KNOWN_ADDRESS.value})
    assert response.status_code == 302
    assert db.session.execute(select(AccessRequest.company_id)).scalar_one() == firm.id
    for suffix in ("", ".pdf", ".json"):
        response = client.get(f"/foretag/{ab.id}/registerutdrag{suffix}")
        assert response.status_code == 404
        assert "är inte en enskild firma" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["politician", "organizer"])
def test_politicians_and_organizers_get_403(client, login_as, factories, role):
    login_as(role)
    contact = factories.contact()
    firm = factories.company(org_number=valid_org_number(41, sole_trader=True))
    db.session.commit()
    for url in (f"/kontaktpersoner/{contact.id}/registerutdrag", f"/kontaktpersoner/{contact.id}/registerutdrag.pdf",
                f"/kontaktpersoner/{contact.id}/registerutdrag.json", f"/foretag/{firm.id}/registerutdrag.json",
                "/registerutdrag/", "/admin/integritet/texter"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/kontaktpersoner/{contact.id}/registerutdrag/begaran", data={}).status_code == 403
    pages = [client.get(f"/foretag/{firm.id}")]
    if role == "organizer":  # organizers read contact pages; politicians do not
        pages.append(client.get(f"/kontaktpersoner/{contact.id}"))
    for page in pages:
        assert page.status_code == 200 and "/registerutdrag" not in page.get_data(as_text=True)


def test_staff_find_the_registerutdrag_from_the_contact_and_the_sole_traders_page(client, login_as, factories):
    login_as("staff")
    contact = factories.contact()
    firm = factories.company(org_number=valid_org_number(42, sole_trader=True))
    ab = factories.company()
    db.session.commit()
    assert f'href="/kontaktpersoner/{contact.id}/registerutdrag"' in client.get(
        f"/kontaktpersoner/{contact.id}").get_data(as_text=True)
    assert f'href="/foretag/{firm.id}/registerutdrag"' in client.get(f"/foretag/{firm.id}").get_data(as_text=True)
    assert f"/foretag/{ab.id}/registerutdrag" not in client.get(f"/foretag/{ab.id}").get_data(as_text=True)


def test_staff_cannot_edit_the_texts(client, login_as):
    login_as("staff")
    assert client.get("/admin/integritet/texter").status_code == 403
    assert client.post("/admin/integritet/texter/purposes", data={"purposes-text": "x"}).status_code == 403
