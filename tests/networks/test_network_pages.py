"""Creating, editing and listing networks: validation in Swedish next to the field, filters, the audit log, access."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.networks.models import Network, NetworkKind
from tests.networks.helpers import error_next_to, fresh


def network_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Network))


def network_form(owner, **fields) -> dict:
    data = {"name": "Kvinnliga företagare", "kind": "natverk", "description": "Träffas första tisdagen i månaden.",
            "owner_id": str(owner.id), "active": "y"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize("role", ["admin", "staff", "organizer"])
def test_network_users_create_a_network(client, login_as, users, role):
    login_as(role)
    owner = users["organizer"]
    response = client.post("/natverk/nytt", data=network_form(owner, kind="branschrad"))
    assert response.status_code == 302
    network = db.session.execute(select(Network)).scalar_one()
    assert response.headers["Location"] == f"/natverk/{network.id}"
    assert (network.name, network.kind, network.owner_id, network.active) == (
        "Kvinnliga företagare", NetworkKind.SECTOR_COUNCIL, owner.id, True)
    page = client.get(f"/natverk/{network.id}").get_data(as_text=True)
    assert "Kvinnliga företagare" in page and "Branschråd" in page and owner.name in page


def test_the_new_form_offers_active_staff_and_organizers_as_owner(client, login_as, users, factories):
    me = login_as("organizer")
    retired = factories.user(role="staff", name="Pensionerad Handläggare", active=False)
    db.session.commit()
    html = client.get("/natverk/nytt").get_data(as_text=True)
    owner_select = html.split('id="owner_id"', 1)[1].split("</select>", 1)[0]
    assert users["staff"].name in owner_select and me.name in owner_select
    assert users["politician"].name not in owner_select and users["admin"].name not in owner_select
    assert retired.name not in owner_select
    assert f'<option selected value="{me.id}">' in owner_select, "the organizer owns what they create"


def test_missing_and_invalid_values_are_explained_next_to_the_fields(client, login_as, users):
    login_as("staff")
    response = client.post("/natverk/nytt", data=network_form(
        users["staff"], name="  ", kind="okand", owner_id=str(users["politician"].id), description="x" * 10_001))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and network_count() == 0
    assert "Skriv nätverkets namn." in error_next_to(html, "name")
    assert "Välj en av typerna i listan." in error_next_to(html, "kind")
    assert "Välj en ansvarig i listan." in error_next_to(html, "owner_id")
    assert "Högst 10000 tecken." in error_next_to(html, "description")
    assert 'class="error-summary"' in html


def test_an_owner_is_required(client, login_as, users):
    login_as("admin")
    html = client.post("/natverk/nytt", data=network_form(users["staff"], owner_id="")).get_data(as_text=True)
    assert "Välj vem som ansvarar för nätverket." in error_next_to(html, "owner_id")
    assert network_count() == 0


def test_editing_changes_the_network_and_is_audited(client, login_as, users, factories):
    staff = login_as("staff")
    network = factories.network(name="Frukostklubben", kind=NetworkKind.BREAKFAST, owner=users["organizer"])
    db.session.commit()
    form = client.get(f"/natverk/{network.id}/redigera").get_data(as_text=True)
    assert 'value="Frukostklubben"' in form
    assert '<input checked id="kind-3" name="kind" type="radio" value="frukostmote">' in form
    response = client.post(f"/natverk/{network.id}/redigera",
                           data=network_form(staff, name="Frukostklubben Södra", kind="frukostmote", active=None))
    assert response.status_code == 302
    network = fresh(Network, network.id)
    assert (network.name, network.owner_id, network.active) == ("Frukostklubben Södra", staff.id, False)
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.entity == "Network", AuditEntry.action == "update")
    ).scalar_one()
    assert entry.user_id == staff.id
    assert entry.changes["name"] == ["Frukostklubben", "Frukostklubben Södra"]
    assert entry.changes["active"] == [True, False]


def test_a_former_owner_stays_choosable_when_editing(client, login_as, factories):
    login_as("staff")
    gone = factories.user(role="organizer", name="Slutat Arrangör", active=False)
    network = factories.network(owner=gone)
    db.session.commit()
    html = client.get(f"/natverk/{network.id}/redigera").get_data(as_text=True)
    assert f'<option selected value="{gone.id}">Slutat Arrangör</option>' in html


def test_the_list_shows_kind_in_swedish_and_filters_by_kind_and_activity(client, login_as, users, factories):
    login_as("organizer")
    factories.network(name="Näringslivsrådet", kind=NetworkKind.BUSINESS_COUNCIL, owner=users["staff"])
    factories.network(name="Frukost i hamnen", kind=NetworkKind.BREAKFAST)
    factories.network(name="Gamla branschrådet", kind=NetworkKind.SECTOR_COUNCIL, active=False)
    db.session.commit()

    html = client.get("/natverk/").get_data(as_text=True)
    assert "Näringslivsrådet" in html and "Näringslivsråd</td>" in html and users["staff"].name in html
    assert "Frukost i hamnen" in html and "Frukostmöte</td>" in html
    assert "Gamla branschrådet" not in html, "only active networks by default"

    only_breakfasts = client.get("/natverk/?kind=frukostmote").get_data(as_text=True)
    assert "Frukost i hamnen" in only_breakfasts and "Näringslivsrådet" not in only_breakfasts

    inactive = client.get("/natverk/?active=inaktiva").get_data(as_text=True)
    assert "Gamla branschrådet" in inactive and "Näringslivsrådet" not in inactive
    every = client.get("/natverk/?active=alla").get_data(as_text=True)
    assert all(name in every for name in ("Gamla branschrådet", "Näringslivsrådet", "Frukost i hamnen"))


@pytest.mark.parametrize("role, sees", [("staff", True), ("organizer", True), ("admin", True), ("politician", False)])
def test_the_menu_links_networks_for_those_who_use_them(client, login_as, role, sees):
    login_as(role)
    html = client.get("/").get_data(as_text=True)
    assert ('href="/natverk/"' in html) is sees


def test_politicians_get_403_everywhere(client, login_as, factories):
    login_as("politician")
    network = factories.network()
    membership = factories.member(network)
    db.session.commit()
    for url in ("/natverk/", "/natverk/nytt", f"/natverk/{network.id}", f"/natverk/{network.id}/redigera",
                f"/natverk/{network.id}/medlemmar/ny", f"/natverk/{network.id}/medlemmar/urval",
                f"/natverk/medlemskap/{membership.id}/avsluta", f"/natverk/medlemskap/{membership.id}/byt-roll"):
        assert client.get(url).status_code == 403, url
    response = client.post(f"/natverk/medlemskap/{membership.id}/avsluta", data={"ends_on": "2026-02-01"})
    assert response.status_code == 403
    assert fresh(type(membership), membership.id).ends_on is None


def test_an_unknown_network_is_404(client, login_as):
    login_as("staff")
    assert client.get("/natverk/999999").status_code == 404
    assert client.get("/natverk/medlemskap/999999/avsluta").status_code == 404


def test_every_post_form_carries_a_csrf_token(app, client, login_as, factories):
    login_as("organizer")
    network = factories.network()
    contact = factories.contact(factories.company(district="Hamnen"))
    membership = factories.member(network)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    for path in (f"/natverk/{network.id}/redigera", "/natverk/nytt", f"/natverk/medlemskap/{membership.id}/avsluta",
                 f"/natverk/medlemskap/{membership.id}/byt-roll", f"/natverk/{network.id}/medlemmar/urval",
                 f"/natverk/{network.id}/medlemmar/ny?contact_id={contact.id}"):
        page = client.get(path).get_data(as_text=True)
        post_forms = re.findall(r'<form[^>]*method="post".*?</form>', page, flags=re.S)
        assert len(post_forms) >= 2, path  # the page's own form and the logout button
        for form in post_forms:
            assert 'name="csrf_token"' in form, (path, form[:200])
