"""Logging from anywhere: the company is found from what was typed, with no JavaScript."""

from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.meetings.models import Interaction
from tests.meetings.helpers import checked_values, fieldset, form_data, interaction_count

NOTE = "Snabbloggat efter samtal i korridoren."


def companies(factories):
    found = {
        "abyvik": factories.company(name="Åbyvik Mekaniska AB", org_number="556036-0793"),
        "bygg": factories.company(name="Byggstaden AB"),
        "byggtjanst": factories.company(name="Byggtjänst Söder AB"),
    }
    db.session.commit()
    return found


def test_the_log_links_to_the_quick_form(client, login_as):
    login_as("staff")
    html = client.get("/moten/").get_data(as_text=True)
    assert 'href="/moten/ny"' in html
    form = client.get("/moten/ny").get_data(as_text=True)
    assert 'name="company_query"' in form and "Sök företag" in form


def test_one_match_is_used_at_once(client, login_as, factories):
    login_as("staff")
    found = companies(factories)
    response = client.post("/moten/ny", data=form_data(company_query="abyvik", note=NOTE))
    assert response.status_code == 302
    interaction = db.session.execute(select(Interaction)).scalar_one()
    assert interaction.company_id == found["abyvik"].id and interaction.note == NOTE


def test_an_org_number_is_a_match(client, login_as, factories):
    login_as("staff")
    found = companies(factories)
    response = client.post("/moten/ny", data=form_data(company_query="5560360793"))
    assert response.status_code == 302
    assert db.session.execute(select(Interaction.company_id)).scalar_one() == found["abyvik"].id


def test_several_matches_are_offered_and_the_input_kept(client, login_as, factories):
    login_as("staff")
    found = companies(factories)
    response = client.post("/moten/ny", data=form_data(company_query="bygg", kind="telefon", note=NOTE))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and interaction_count() == 0
    assert "Flera företag matchar. Välj ett av dem." in html
    assert "Byggstaden AB" in html and "Byggtjänst Söder AB" in html and "Åbyvik" not in html
    assert 'type="radio"' in fieldset(html, "company") and checked_values(html, "company") == []
    assert NOTE in html and 'value="bygg"' in html and checked_values(html, "kind") == ["telefon"]

    chosen = form_data(company_query="bygg", company=str(found["byggtjanst"].id), kind="telefon", note=NOTE)
    response = client.post("/moten/ny", data=chosen)
    assert response.status_code == 302
    assert db.session.execute(select(Interaction.company_id)).scalar_one() == found["byggtjanst"].id


def test_no_match_says_so(client, login_as, factories):
    login_as("staff")
    companies(factories)
    html = client.post("/moten/ny", data=form_data(company_query="Okänt Företag", note=NOTE)).get_data(as_text=True)
    assert "Inget företag matchar ”Okänt Företag”." in html and NOTE in html
    assert interaction_count() == 0


def test_an_empty_company_box_asks_for_a_company(client, login_as, factories):
    login_as("staff")
    html = client.post("/moten/ny", data=form_data()).get_data(as_text=True)
    assert "Skriv namnet eller organisationsnumret på företaget." in html
    assert interaction_count() == 0


def test_searching_shows_the_company_and_its_contacts_without_saving(client, login_as, factories):
    login_as("staff")
    found = companies(factories)
    from_abyvik = factories.contact(found["abyvik"], name="Åsa Åbyvik")
    db.session.commit()
    html = client.post(
        "/moten/ny", data={"company_query": "ÅBYVIK", "search": "Sök företag", "note": NOTE}
    ).get_data(as_text=True)
    assert interaction_count() == 0
    assert "Något behöver rättas" not in html
    assert "Åsa Åbyvik" in fieldset(html, "contacts") and NOTE in html
    assert checked_values(html, "company") == [str(found["abyvik"].id)]

    response = client.post(
        "/moten/ny", data=form_data(company_query="ÅBYVIK", company=str(found["abyvik"].id),
                                    contacts=[str(from_abyvik.id)])
    )
    assert response.status_code == 302
    interaction = db.session.execute(select(Interaction)).scalar_one()
    assert [contact.id for contact in interaction.contacts] == [from_abyvik.id]


def test_a_contact_from_another_company_is_refused_in_the_quick_log(client, login_as, factories):
    login_as("staff")
    found = companies(factories)
    stranger = factories.contact(found["bygg"])
    db.session.commit()
    response = client.post("/moten/ny", data=form_data(company_query="abyvik", contacts=[str(stranger.id)]))
    assert "Välj bara kontaktpersoner som hör till företaget." in response.get_data(as_text=True)
    assert interaction_count() == 0


def test_a_sole_traders_number_stays_masked_among_matches(client, login_as, factories):
    login_as("staff")
    factories.company(name="Svenssons Snickeri", org_number="640823-3234")
    factories.company(name="Svenssons Bageri AB")
    db.session.commit()
    html = client.post("/moten/ny", data=form_data(company_query="svenssons")).get_data(as_text=True)
    assert "640823-****" in html and "640823-3234" not in html
