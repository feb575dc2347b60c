"""Members one by one: search and pick a contact, role, company and date; end a membership; change role (history)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.companies.models import CompanyContact
from crm.extensions import db
from crm.networks import services
from crm.networks.models import NetworkMembership
from crm.timeutil import stockholm_today
from tests.networks.helpers import error_next_to, fresh, section


def memberships(network) -> list[NetworkMembership]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(NetworkMembership).where(NetworkMembership.network_id == network.id).order_by(NetworkMembership.id)
    ))


@pytest.fixture
def network(factories, login_as):
    login_as("organizer")
    network = factories.network(name="Kvinnliga företagare")
    db.session.commit()
    return network


# --- Adding one member -------------------------------------------------------------------------


def test_the_search_finds_contacts_by_name_and_email_without_javascript(client, network, factories):
    company = factories.company(name="Verkstaden i Järna AB")
    anna = factories.contact(company, name="Anna Ödman", email="anna@verkstaden.example")
    factories.contact(name="Bo Berg", email="bo@berg.example")
    already = factories.contact(name="Anna Andersson", email="aa@example.com")
    factories.member(network, already, starts_on=date(2025, 1, 1))
    db.session.commit()

    html = client.get(f"/natverk/{network.id}/medlemmar/ny?q=anna").get_data(as_text=True)
    assert "Anna Ödman" in html and "Anna Andersson" in html and "Bo Berg" not in html
    assert "Verkstaden i Järna AB (VD)" in html
    assert f'href="/natverk/{network.id}/medlemmar/ny?contact_id={anna.id}"' in html
    assert f"contact_id={already.id}" not in html and "redan medlem" in html
    assert "<script" not in html

    by_email = client.get(f"/natverk/{network.id}/medlemmar/ny?q=bo@berg").get_data(as_text=True)
    assert "Bo Berg" in by_email and "Anna Ödman" not in by_email
    nothing = client.get(f"/natverk/{network.id}/medlemmar/ny?q=zzzz").get_data(as_text=True)
    assert "Ingen kontaktperson matchar ”zzzz”." in nothing


def test_adding_a_member_defaults_to_the_contacts_present_company(client, network, factories):
    former, present = factories.company(name="Gamla Jobbet AB"), factories.company(name="Nya Jobbet AB")
    contact = factories.contact(former, name="Cecilia Lind")
    db.session.add(CompanyContact(company=present, contact=contact, role="Ägare"))
    db.session.flush()
    contact.company_links[0].end_date = date(2024, 12, 31)
    db.session.commit()

    html = client.get(f"/natverk/{network.id}/medlemmar/ny?contact_id={contact.id}").get_data(as_text=True)
    company_select = html.split('id="company_id"', 1)[1].split("</select>", 1)[0]
    assert "Nya Jobbet AB" in company_select and "Gamla Jobbet AB" not in company_select
    assert f'value="{stockholm_today().isoformat()}"' in html, "from today unless told otherwise"
    for role in services.MEMBER_ROLES:
        assert f'value="{role}"' in html

    response = client.post(f"/natverk/{network.id}/medlemmar/ny?contact_id={contact.id}",
                           data={"role": "ordförande", "company_id": str(present.id), "starts_on": "2026-02-01"})
    assert response.status_code == 302 and response.headers["Location"] == f"/natverk/{network.id}"
    [membership] = memberships(network)
    assert (membership.contact_id, membership.company_id, membership.role, membership.starts_on, membership.ends_on) \
        == (contact.id, present.id, "ordförande", date(2026, 2, 1), None)

    page = client.get(f"/natverk/{network.id}").get_data(as_text=True)
    members = section(page, "Medlemmar")
    assert f'href="/kontaktpersoner/{contact.id}">Cecilia Lind</a>' in members
    assert "Nya Jobbet AB" in members and "ordförande" in members and "2026-02-01" in members


def test_a_contact_without_a_company_joins_without_one(client, network, factories):
    contact = factories.contact(name="Fristående Person")
    db.session.commit()
    response = client.post(f"/natverk/{network.id}/medlemmar/ny?contact_id={contact.id}",
                           data={"role": "medlem", "company_id": "", "starts_on": "2026-03-01"})
    assert response.status_code == 302
    assert memberships(network)[0].company_id is None


def test_adding_refuses_a_member_twice_and_bad_values(client, network, factories):
    company = factories.company()
    contact = factories.contact(company, name="Dag Dubbel")
    factories.member(network, contact, starts_on=date(2026, 1, 1))
    db.session.commit()
    url = f"/natverk/{network.id}/medlemmar/ny?contact_id={contact.id}"

    html = client.post(url, data={"role": "medlem", "company_id": str(company.id), "starts_on": "2026-03-01"}
                       ).get_data(as_text=True)
    assert "Dag Dubbel är redan medlem den dagen." in error_next_to(html, "starts_on")

    html = client.post(url, data={"role": "kung", "company_id": "999999", "starts_on": "1 mars"}).get_data(as_text=True)
    assert "Välj en roll i listan." in error_next_to(html, "role")
    assert "Välj ett av kontaktpersonens företag." in error_next_to(html, "company_id")
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in error_next_to(html, "starts_on")
    html = client.post(url, data={"role": "medlem", "company_id": str(company.id), "starts_on": ""}
                       ).get_data(as_text=True)
    assert "Fyll i från vilken dag personen är medlem." in error_next_to(html, "starts_on")
    assert len(memberships(network)) == 1


# --- Ending a membership -----------------------------------------------------------------------


def test_ending_a_membership_keeps_it_in_the_history(client, network, factories):
    contact = factories.contact(name="Erik Slutar")
    membership = factories.member(network, contact, role="ledamot", starts_on=date(2025, 3, 1))
    db.session.commit()

    form = client.get(f"/natverk/medlemskap/{membership.id}/avsluta").get_data(as_text=True)
    assert f'value="{stockholm_today().isoformat()}"' in form
    response = client.post(f"/natverk/medlemskap/{membership.id}/avsluta", data={"ends_on": "2025-12-31"})
    assert response.status_code == 302
    assert fresh(NetworkMembership, membership.id).ends_on == date(2025, 12, 31)

    page = client.get(f"/natverk/{network.id}").get_data(as_text=True)
    assert "Erik Slutar" not in section(page, "Medlemmar")
    history = section(page, "Tidigare medlemmar och roller")
    assert "Erik Slutar" in history and "ledamot" in history and "2025-03-01" in history and "2025-12-31" in history


def test_a_membership_cannot_end_before_it_started(client, network, factories):
    membership = factories.member(network, starts_on=date(2026, 2, 1))
    db.session.commit()
    response = client.post(f"/natverk/medlemskap/{membership.id}/avsluta", data={"ends_on": "2026-01-31"})
    assert response.status_code == 200
    assert "Slutdatum kan inte vara före startdatum." in error_next_to(response.get_data(as_text=True), "ends_on")
    assert fresh(NetworkMembership, membership.id).ends_on is None

    client.post(f"/natverk/medlemskap/{membership.id}/avsluta", data={"ends_on": "2026-02-01"})
    assert fresh(NetworkMembership, membership.id).ends_on == date(2026, 2, 1), "a one-day membership is fine"


def test_ending_needs_the_csrf_token(app, client, network, factories):
    membership = factories.member(network, starts_on=date(2026, 1, 1))
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/natverk/medlemskap/{membership.id}/avsluta").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    refused = client.post(f"/natverk/medlemskap/{membership.id}/avsluta", data={"ends_on": "2026-06-30"})
    assert refused.status_code == 400 and fresh(NetworkMembership, membership.id).ends_on is None
    accepted = client.post(f"/natverk/medlemskap/{membership.id}/avsluta",
                           data={"ends_on": "2026-06-30", "csrf_token": token})
    assert accepted.status_code == 302 and fresh(NetworkMembership, membership.id).ends_on == date(2026, 6, 30)


# --- Changing role -----------------------------------------------------------------------------


def test_changing_role_ends_the_old_membership_and_starts_a_new_one(client, network, factories):
    company = factories.company(name="Rollbytet AB")
    contact = factories.contact(company, name="Fia Ordförande")
    old = factories.member(network, contact, role="ledamot", starts_on=date(2025, 1, 1), company_id=company.id)
    db.session.commit()

    form = client.get(f"/natverk/medlemskap/{old.id}/byt-roll").get_data(as_text=True)
    assert '<option selected value="ledamot">' in form
    response = client.post(f"/natverk/medlemskap/{old.id}/byt-roll",
                           data={"role": "ordförande", "starts_on": "2026-03-01"})
    assert response.status_code == 302

    first, second = memberships(network)
    assert (first.role, first.starts_on, first.ends_on) == ("ledamot", date(2025, 1, 1), date(2026, 2, 28))
    assert (second.role, second.starts_on, second.ends_on) == ("ordförande", date(2026, 3, 1), None)
    assert second.contact_id == contact.id and second.company_id == company.id
    assert services.figures([network.id], date(2026, 3, 1))[network.id].members == 1
    assert services.figures([network.id], date(2026, 2, 28))[network.id].members == 1

    page = client.get(f"/natverk/{network.id}").get_data(as_text=True)
    assert "ordförande" in section(page, "Medlemmar") and "ledamot" not in section(page, "Medlemmar")
    assert "ledamot" in section(page, "Tidigare medlemmar och roller")


def test_changing_role_is_refused_with_reasons_next_to_the_fields(client, network, factories):
    membership = factories.member(network, role="medlem", starts_on=date(2026, 2, 1))
    db.session.commit()
    url = f"/natverk/medlemskap/{membership.id}/byt-roll"

    html = client.post(url, data={"role": "medlem", "starts_on": "2026-03-01"}).get_data(as_text=True)
    assert "Välj en annan roll än den nuvarande." in error_next_to(html, "role")
    html = client.post(url, data={"role": "sekreterare", "starts_on": "2026-01-15"}).get_data(as_text=True)
    assert "Den nya rollen kan inte börja innan medlemskapet började." in error_next_to(html, "starts_on")
    assert len(memberships(network)) == 1

    ended = factories.member(network, role="medlem", starts_on=date(2025, 1, 1), ends_on=date(2025, 6, 30))
    db.session.commit()
    html = client.post(f"/natverk/medlemskap/{ended.id}/byt-roll",
                       data={"role": "ledamot", "starts_on": "2025-09-01"}).get_data(as_text=True)
    assert "Medlemskapet har redan upphört den dagen." in error_next_to(html, "starts_on")
    assert len(memberships(network)) == 2


def test_a_role_changed_on_the_first_day_is_a_correction(app, factories):
    network = factories.network()
    membership = factories.member(network, role="medlem", starts_on=date(2026, 4, 1))
    result = services.change_role(membership, "vice ordförande", date(2026, 4, 1))
    assert result is membership and membership.role == "vice ordförande" and membership.ends_on is None
    assert len(memberships(network)) == 1


def test_a_planned_end_carries_over_to_the_new_role(app, factories):
    network = factories.network()
    membership = factories.member(network, role="ledamot", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    successor = services.change_role(membership, "ordförande", date(2026, 7, 1))
    assert membership.ends_on == date(2026, 6, 30)
    assert (successor.starts_on, successor.ends_on) == (date(2026, 7, 1), date(2026, 12, 31))
    assert successor.starts_on - membership.ends_on == timedelta(days=1)
