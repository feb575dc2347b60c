"""What politicians and organizers may see and do at visits."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.visits.models import VisitNote, VisitStatus
from tests.support.rows import fresh


@pytest.fixture
def scene(factories, users):
    """A booked visit the politician takes part in, one they do not, a proposal and a done visit."""
    company = factories.company(name="Hamnens Varv AB")
    contact = factories.contact(company, name="Kim Kontakt", email="kim@varvet.example", phone="070-123 45 67")
    politician = users["politician"]
    other_politician = factories.user(role="politician", name="Olle Annanpolitiker")
    mine = factories.booked_visit(
        company, participants=[politician, users["staff"]], contacts=[contact],
        purpose="Hemligt syfte för deltagare", place="Kajen 3",
    )
    others = factories.booked_visit(
        factories.company(name="Annat Företag AB"), participants=[other_politician], contacts=[],
        start=datetime(2026, 12, 10, 13, 0), purpose="Inte för utomstående", place="Bakgården 9",
    )
    proposed = factories.visit(
        factories.company(name="Förslagsföretaget AB"), suggestion_reason="Intern planering: ej besökt på 5 år",
        purpose="Intern anteckning om förslaget",
    )
    done = factories.visit(company, status=VisitStatus.DONE, start=datetime(2026, 3, 2, 10, 0),
                           participants=[other_politician], summary="Protokoll från mars")
    factories.visit(factories.company(name="Inställda AB"), status=VisitStatus.CANCELLED)
    db.session.add(VisitNote(visit=mine, author=users["staff"], text="Tjänstemannens anteckning"))
    db.session.commit()
    return {"mine": mine, "others": others, "proposed": proposed, "done": done, "contact": contact}


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_politician_lists_booked_and_done_visits_only(client, login_as, scene):
    login_as("politician")
    html = page(client, "/besok/?status=alla")
    assert "Hamnens Varv AB" in html and "Annat Företag AB" in html
    assert "Förslagsföretaget AB" not in html and "Inställda AB" not in html
    assert "Olle Annanpolitiker" in html  # participants are basic facts
    assert "Bakgården 9" not in html and "Inte för utomstående" not in html


def test_a_politician_never_opens_a_proposal(client, login_as, scene):
    login_as("politician")
    response = client.get(f"/besok/{scene['proposed'].id}")
    assert response.status_code == 403
    assert "Intern planering" not in response.get_data(as_text=True)
    assert client.get(f"/besok/{scene['proposed'].id}/protokoll").status_code == 403


def test_a_politician_sees_only_basic_facts_of_others_visits(client, login_as, scene):
    login_as("politician")
    others = scene["others"]
    html = page(client, f"/besok/{others.id}")
    assert "Annat Företag AB" in html and "Olle Annanpolitiker" in html and "2026-12-10" in html
    hidden = ("Inte för utomstående", "Bakgården 9", "Protokoll för utskrift", "besok.ics", "Deltagarnas anteckningar")
    for text in hidden:
        assert text not in html
    assert "Anmäl mig som deltagare" in html
    assert client.get(f"/besok/{others.id}/protokoll").status_code == 403
    assert client.get(f"/besok/{others.id}/besok.ics").status_code == 403
    assert client.post(f"/besok/{others.id}/anteckningar", data={"text": "Hej"}).status_code == 403


def test_a_politician_reads_their_visit_in_full_without_contact_details(client, login_as, scene):
    login_as("politician")
    mine = scene["mine"]
    html = page(client, f"/besok/{mine.id}")
    assert "Hemligt syfte för deltagare" in html and "Kajen 3" in html and "Kim Kontakt" in html
    assert "Tjänstemannens anteckning" in html
    for url in (f"/besok/{mine.id}", f"/besok/{mine.id}/protokoll", "/besok/", f"/foretag/{mine.company_id}"):
        body = page(client, url)
        assert "kim@varvet.example" not in body and "070-123 45 67" not in body and "mailto:" not in body, url
    assert "Kim Kontakt" in page(client, f"/besok/{mine.id}/protokoll")
    assert client.get(f"/besok/{mine.id}/besok.ics").status_code == 200


def test_contact_names_only_at_the_politicians_own_visits(client, login_as, scene, factories):
    login_as("politician")
    others = scene["others"]
    others.contacts = [factories.contact(others.company, name="Dold Kontaktperson")]
    db.session.commit()
    assert "Dold Kontaktperson" not in page(client, f"/besok/{others.id}")
    assert "Dold Kontaktperson" not in page(client, "/besok/")


def test_a_politician_signs_up_and_withdraws(client, login_as, scene):
    me = login_as("politician")
    others = scene["others"]
    assert client.post(f"/besok/{others.id}/delta").status_code == 302
    assert me.id in {user.id for user in fresh(others).participants}
    html = page(client, f"/besok/{others.id}")
    assert "Inte för utomstående" in html and "Lämna besöket" in html  # now in full
    assert client.post(f"/besok/{others.id}/delta").status_code == 302  # twice changes nothing
    assert [user.id for user in fresh(others).participants].count(me.id) == 1
    assert client.post(f"/besok/{others.id}/lamna").status_code == 302
    assert me.id not in {user.id for user in fresh(others).participants}


def test_sign_up_only_for_booked_visits(client, login_as, scene):
    me = login_as("politician")
    done = scene["done"]
    response = client.post(f"/besok/{done.id}/delta", follow_redirects=True)
    assert "bara anmäla dig till" in response.get_data(as_text=True)
    assert me.id not in {user.id for user in fresh(done).participants}
    assert client.post(f"/besok/{scene['proposed'].id}/delta").status_code == 403


def test_a_politician_adds_notes_at_their_visit(client, login_as, scene):
    me = login_as("politician")
    mine = scene["mine"]
    response = client.post(f"/besok/{mine.id}/anteckningar", data={"text": "Företaget vill ha bättre bussar."})
    assert response.status_code == 302
    note = db.session.execute(select(VisitNote).where(VisitNote.author_id == me.id)).scalar_one()
    assert note.visit_id == mine.id and note.text == "Företaget vill ha bättre bussar."
    assert "Företaget vill ha bättre bussar." in page(client, f"/besok/{mine.id}")

    response = client.post(f"/besok/{mine.id}/anteckningar", data={"text": "   "})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="text-error"' in html and "Skriv en anteckning." in html


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/besok/nytt"),
        ("GET", "/besok/{id}/redigera"),
        ("POST", "/besok/{id}/boka"),
        ("POST", "/besok/{id}/genomfor"),
        ("POST", "/besok/{id}/stall-in"),
    ],
)
@pytest.mark.parametrize("role", ["politician", "organizer"])
def test_politicians_and_organizers_cannot_change_visits(client, login_as, scene, role, method, path):
    login_as(role)
    mine = scene["mine"]
    response = client.open(path.format(id=mine.id), method=method, data={"reason": "x"})
    assert response.status_code == 403
    assert fresh(mine).status == VisitStatus.BOOKED


def test_the_organizer_sees_basic_facts_only_and_changes_nothing(client, login_as, scene):
    login_as("organizer")
    listing = page(client, "/besok/?status=alla")
    assert "Hamnens Varv AB" in listing and "Annat Företag AB" in listing and "Nytt besök" not in listing
    assert "Förslagsföretaget AB" not in listing and "Inställda AB" not in listing
    html = page(client, f"/besok/{scene['mine'].id}")
    assert "Hamnens Varv AB" in html
    for hidden in ("Tjänstemannens anteckning", "kim@varvet.example", "Kim Kontakt", "Hemligt syfte", "Kajen 3",
                   "/protokoll", "Ändra", "Markera som genomfört", "Ställ in", "Anmäl mig", "Spara anteckningen"):
        assert hidden not in html, hidden
    done = page(client, f"/besok/{scene['done'].id}")
    assert "Protokoll från mars" not in done and "Sammanfattning" not in done
    assert client.get(f"/besok/{scene['proposed'].id}").status_code == 403
    for url in (f"/besok/{scene['done'].id}/protokoll", f"/besok/{scene['mine'].id}/besok.ics"):
        assert client.get(url).status_code == 403, url
    company_page = page(client, f"/foretag/{scene['done'].company_id}")
    assert "Protokoll från mars" not in company_page and "Hemligt syfte" not in company_page
    assert client.post(f"/besok/{scene['mine'].id}/anteckningar", data={"text": "x"}).status_code == 403
    assert client.post(f"/besok/{scene['others'].id}/delta").status_code == 403


def test_staff_see_contact_details(client, login_as, scene):
    login_as("staff")
    html = page(client, f"/besok/{scene['mine'].id}")
    assert "kim@varvet.example" in html and "070-123 45 67" in html


def test_the_protocol_page_prints_without_navigation(client, login_as, scene):
    login_as("staff")
    done = scene["done"]
    html = page(client, f"/besok/{done.id}/protokoll")
    assert "Protokoll från mars" in html and "Hamnens Varv AB" in html
    assert "main-nav" not in html and "<form" not in html and "<script" not in html and "style=" not in html
    assert 'class="protocol-page"' in html


def test_the_navigation_offers_visits(client, login_as):
    for role in ("staff", "organizer", "politician"):
        login_as(role)
        nav = page(client, "/konto").split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
        assert 'href="/besok/"' in nav and ">Besök<" in nav
