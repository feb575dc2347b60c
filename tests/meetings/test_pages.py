"""Logging, editing, finalising and versioning through the pages, and what bad input gets back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.meetings.forms import NOTE_MAX_LENGTH
from crm.meetings.models import Interaction, InteractionKind, NoteStatus
from crm.timeutil import stockholm_today
from tests.meetings.helpers import checked_values, fieldset, form_data, fresh, interaction_count


def test_company_page_has_a_logga_mote_button_for_staff(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    db.session.commit()
    html = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert "Logga möte" in html and f'href="/foretag/{company.id}/moten/ny"' in html


def test_the_form_offers_the_companys_contacts_active_topics_and_today(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    contact = factories.contact(company, name="Vera VD")
    stranger = factories.contact(factories.company(), name="Annan Person")
    factories.topic(name="Upphandling i väst", active=True)
    factories.topic(name="Gammalt ämne", active=False)
    db.session.commit()
    html = client.get(f"/foretag/{company.id}/moten/ny").get_data(as_text=True)
    contacts = fieldset(html, "contacts")
    assert "Vera VD" in contacts and f'value="{contact.id}"' in contacts
    assert "Annan Person" not in html and f'value="{stranger.id}"' not in contacts
    topics = fieldset(html, "topics")
    assert "Upphandling i väst" in topics and "Gammalt ämne" not in topics
    assert f'value="{stockholm_today().isoformat()}"' in html
    kinds = fieldset(html, "kind")
    for label in ("Möte", "Telefon", "E-post", "Rådgivning", "Dukat bord", "Lotsmöte", "Etableringsmöte"):
        assert f"<span>{label}</span>" in kinds
    assert 'type="radio"' in kinds and checked_values(html, "kind") == ["mote"]
    assert "Spara utkast" in html and "Spara och färdigställ" in html


def test_current_user_is_preselected_as_participant(client, login_as, factories):
    me = login_as("staff")
    factories.user(role="staff", name="Kollega")
    company = factories.company()
    db.session.commit()
    html = client.get(f"/foretag/{company.id}/moten/ny").get_data(as_text=True)
    assert checked_values(html, "participants") == [str(me.id)]
    assert "Kollega" in fieldset(html, "participants")


def test_save_draft_from_the_company_page(client, login_as, factories):
    me = login_as("staff")
    company = factories.company()
    contact = factories.contact(company)
    topic = factories.topic()
    db.session.commit()
    response = client.post(
        f"/foretag/{company.id}/moten/ny",
        data=form_data(kind="dukat_bord", contacts=[str(contact.id)], participants=[str(me.id)],
                       topics=[str(topic.id)]),
    )
    assert response.status_code == 302
    interaction = db.session.execute(select(Interaction)).scalar_one()
    assert response.headers["Location"] == f"/moten/{interaction.id}"
    assert interaction.status == NoteStatus.DRAFT and interaction.kind == InteractionKind.COORDINATED_ADVICE
    assert interaction.company_id == company.id and interaction.created_by_id == me.id
    assert [c.id for c in interaction.contacts] == [contact.id] and [t.id for t in interaction.topics] == [topic.id]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Utkastet är sparat" in page and "Dukat bord" in page and "Ändra utkastet" in page


def test_save_and_finalise_at_once(client, login_as, factories):
    me = login_as("staff")
    company = factories.company()
    db.session.commit()
    data = form_data(save_draft=None, save_final="Spara och färdigställ")
    assert client.post(f"/foretag/{company.id}/moten/ny", data=data).status_code == 302
    interaction = db.session.execute(select(Interaction)).scalar_one()
    assert interaction.status == NoteStatus.FINAL and interaction.finalized_by_id == me.id
    assert interaction.finalized_at is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("occurred_on", "", "Fyll i datumet."),
        ("occurred_on", "22/11/2026", "Skriv datumet som ÅÅÅÅ-MM-DD"),
        ("occurred_on", (stockholm_today() + timedelta(days=370)).isoformat(), "mer än ett år fram i tiden"),
        ("note", "x" * (NOTE_MAX_LENGTH + 1), f"högst {NOTE_MAX_LENGTH} tecken"),
        ("kind", "fika", "Välj en av typerna i listan."),
        ("topics", ["999999"], "Välj bara ämnen i listan."),
        ("participants", ["abc"], "Välj bland deltagarna i listan."),
    ],
)
def test_bad_input_is_explained_and_writes_nothing(client, login_as, factories, field, value, message):
    login_as("staff")
    company = factories.company()
    db.session.commit()
    response = client.post(f"/foretag/{company.id}/moten/ny", data=form_data(**{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and "Något behöver rättas" in html
    assert interaction_count() == 0


def test_a_contact_of_another_company_is_refused(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    stranger = factories.contact(factories.company())
    db.session.commit()
    response = client.post(f"/foretag/{company.id}/moten/ny", data=form_data(contacts=[str(stranger.id)]))
    assert "Välj bara kontaktpersoner som hör till företaget." in response.get_data(as_text=True)
    assert interaction_count() == 0


def test_a_date_a_year_ahead_is_accepted(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    db.session.commit()
    today = stockholm_today()
    ahead = today.replace(year=today.year + 1) if not (today.month == 2 and today.day == 29) else today
    response = client.post(f"/foretag/{company.id}/moten/ny", data=form_data(occurred_on=ahead.isoformat()))
    assert response.status_code == 302


def test_edit_a_draft(client, login_as, factories):
    me = login_as("staff")
    company = factories.company()
    keep = factories.contact(company)
    draft = factories.interaction(company, author=me, contacts=[keep], note="Före")
    db.session.commit()
    form = client.get(f"/moten/{draft.id}/redigera").get_data(as_text=True)
    assert "Före" in form and "Ta bort utkastet" in form
    response = client.post(f"/moten/{draft.id}/redigera", data=form_data(note="Efter", kind="telefon"))
    assert response.status_code == 302
    edited = fresh(draft)
    assert edited.note == "Efter" and edited.kind == InteractionKind.PHONE and edited.contacts == []
    assert edited.status == NoteStatus.DRAFT


def test_editing_a_final_is_refused_and_nothing_changes(client, login_as, factories):
    me = login_as("staff")
    final = factories.interaction(author=me, final=True, note="Låst text")
    db.session.commit()
    stamped = final.finalized_at
    for response in (
        client.get(f"/moten/{final.id}/redigera"),
        client.post(f"/moten/{final.id}/redigera", data=form_data(note="Ändrad")),
        client.post(f"/moten/{final.id}/ta-bort"),
        client.post(f"/moten/{final.id}/fardigstall"),
    ):
        assert response.status_code == 302 and response.headers["Location"] == f"/moten/{final.id}"
    page = client.get(f"/moten/{final.id}").get_data(as_text=True)
    assert "kan inte ändras eller tas bort" in page
    kept = fresh(final)
    assert kept.note == "Låst text" and kept.is_final and kept.finalized_at == stamped


def test_finalise_a_draft(client, login_as, factories):
    me = login_as("staff")
    draft = factories.interaction(author=me)
    db.session.commit()
    response = client.post(f"/moten/{draft.id}/fardigstall", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Anteckningen är färdigställd" in html and "Skapa ny version" in html and "Ändra utkastet" not in html
    done = fresh(draft)
    assert done.is_final and done.finalized_by_id == me.id


def test_delete_a_draft(client, login_as, factories):
    me = login_as("staff")
    draft = factories.interaction(author=me)
    db.session.commit()
    response = client.post(f"/moten/{draft.id}/ta-bort")
    assert response.headers["Location"] == f"/foretag/{draft.company_id}"
    assert interaction_count() == 0


def test_new_version_through_the_pages(client, login_as, factories):
    me = login_as("staff")
    first = factories.interaction(author=me, final=True, note="Första versionen")
    db.session.commit()

    response = client.post(f"/moten/{first.id}/ny-version")
    second = db.session.execute(select(Interaction).where(Interaction.supersedes_id == first.id)).scalar_one()
    assert response.headers["Location"] == f"/moten/{second.id}/redigera"
    assert second.version == 2 and second.status == NoteStatus.DRAFT and second.note == "Första versionen"

    old_page = client.get(f"/moten/{first.id}").get_data(as_text=True)
    assert "En ny version (2) är påbörjad" in old_page and "Skapa ny version" not in old_page

    client.post(f"/moten/{second.id}/redigera", data=form_data(note="Andra versionen", save_draft=None,
                                                               save_final="Spara och färdigställ"))
    second = fresh(second)
    assert second.is_final

    old_page = client.get(f"/moten/{first.id}").get_data(as_text=True)
    assert "Ersatt av version 2" in old_page and f'href="/moten/{second.id}"' in old_page
    assert "Första versionen" in old_page
    new_page = client.get(f"/moten/{second.id}").get_data(as_text=True)
    assert "Ersatt av" not in new_page and f'href="/moten/{first.id}"' in new_page
    for page in (old_page, new_page):
        assert "Version 1" in page and "Version 2" in page
        versions = page.split("<h2>Versioner</h2>", 1)[1]
        assert versions.count("· skapad 20") == 2 and versions.count("· färdigställd 20") == 2

    again = client.post(f"/moten/{first.id}/ny-version", follow_redirects=True).get_data(as_text=True)
    assert "Bara den senaste versionen kan få en ny version." in again
    assert interaction_count() == 2


def test_a_draft_cannot_get_a_new_version(client, login_as, factories):
    me = login_as("staff")
    draft = factories.interaction(author=me)
    db.session.commit()
    html = client.post(f"/moten/{draft.id}/ny-version", follow_redirects=True).get_data(as_text=True)
    assert "Bara en färdigställd anteckning kan få en ny version." in html
    assert interaction_count() == 1


def test_the_log_lists_newest_first_and_filters(client, login_as, factories):
    me = login_as("staff")
    other = factories.user(role="staff", name="Olle Annan")
    company = factories.company(name="Listföretaget AB")
    today = stockholm_today()
    factories.interaction(company, author=other, occurred_on=today - timedelta(days=3), note="gammal",
                          kind=InteractionKind.PHONE, final=True)
    factories.interaction(company, author=me, occurred_on=today - timedelta(days=1), kind=InteractionKind.MEETING)
    factories.interaction(company, author=other, occurred_on=today - timedelta(days=2), participants=[me],
                          kind=InteractionKind.ADVICE, final=True)
    db.session.commit()

    html = client.get("/moten/").get_data(as_text=True)
    assert "3 anteckningar" in html
    rows = html.split('class="meeting-list"', 1)[1]
    assert rows.index("Möte") < rows.index("Rådgivning") < rows.index("Telefon")
    assert "1 anteckning" in client.get("/moten/?kind=telefon").get_data(as_text=True)
    assert "2 anteckningar" in client.get("/moten/?mine=y").get_data(as_text=True)
    drafts = client.get("/moten/?drafts=y").get_data(as_text=True)
    assert "1 anteckning" in drafts


def test_the_log_shows_each_chain_once(client, login_as, factories):
    me = login_as("staff")
    first = factories.interaction(author=me, final=True)
    factories.interaction(first.company, author=me, final=True, version=2, supersedes=first)
    db.session.commit()
    html = client.get("/moten/").get_data(as_text=True)
    assert "1 anteckning" in html and "Version 2" in html


def test_the_log_is_paginated(client, login_as, factories, app):
    me = login_as("staff")
    company = factories.company()
    for _ in range(app.config["ITEMS_PER_PAGE"] + 1):
        factories.interaction(company, author=me)
    db.session.commit()
    html = client.get("/moten/").get_data(as_text=True)
    assert "Sida 1 av 2" in html
    assert "Sida 2 av 2" in client.get("/moten/?page=2").get_data(as_text=True)


def test_meeting_pages_have_no_inline_script_or_style(client, login_as, factories):
    me = login_as("staff")
    company = factories.company(name="Stilrent AB")
    factories.company(name="Stilfullt AB")
    draft = factories.interaction(company, author=me)
    final = factories.interaction(company, author=me, final=True)
    factories.interaction(company, author=me, version=2, supersedes=final)
    db.session.commit()
    pages = [
        client.get("/moten/"),
        client.get("/moten/ny"),
        client.post("/moten/ny", data=form_data(company_query="stil")),
        client.get(f"/foretag/{company.id}/moten/ny"),
        client.get(f"/foretag/{company.id}"),
        client.get(f"/moten/{draft.id}"),
        client.get(f"/moten/{draft.id}/redigera"),
        client.get(f"/moten/{final.id}"),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200, response.request.path
        assert "<script" not in html and " style=" not in html and "<style" not in html, response.request.path
        assert re.search(r"\son[a-z]+=", html) is None, response.request.path
