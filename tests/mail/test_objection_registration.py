"""Open registration by a known person who objected: no confirmation mail (nor any other) goes to them; the
public pages read the same as for anyone (they never tell who objected) and say what happens next; the
organizers see the sign-up marked and confirm it themselves, still without a mail. A sign-up whose address
gets mail is confirmed by the guest only."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from crm.companies.models import ObjectionScope
from crm.events import registration as service
from crm.events.models import Answer
from crm.events.registration_models import Registration
from crm.extensions import db
from crm.mail.models import OutboxMessage
from tests.conftest import login
from tests.feeds.helpers import local_days_from_now


@pytest.fixture
def event(factories):
    return factories.event(title="Frukostmöte i hamnen", start=local_days_from_now(12, 7, 30), capacity=5)


@pytest.fixture
def page(event):
    page = service.save_page(event, "frukost-i-hamnen", True)
    db.session.commit()
    return page


@pytest.fixture
def bertil(factories):
    contact = factories.contact(name="Bertil Berg", email="bertil@foretag.example", objection=True,
                                objection_on=date(2026, 11, 30), objection_scope=ObjectionScope.MAILINGS)
    db.session.commit()
    return contact


def _sign_up(client, name: str, email: str):
    return client.post("/anmalan/frukost-i-hamnen", data={"name": name, "email": email})


def _registration(email: str) -> Registration:
    db.session.expire_all()
    return db.session.scalar(select(Registration).where(Registration.email == email))


def _without_tokens(html: str) -> str:
    """The page without its CSRF token, which is signed with the second it was made in."""
    return re.sub(r'(name="csrf[-_]token" content=|name="csrf_token" value=)"[^"]*"', r"\1", html)


def _mail_to(address: str) -> list[str]:
    db.session.expire_all()
    return [row.dedupe_key for row in db.session.scalars(select(OutboxMessage)) if address in row.recipient_list]


def test_a_known_objecting_person_gets_no_confirmation_and_the_page_says_what_happens_next(client, page, bertil):
    answered = _sign_up(client, "Bertil Berg", "Bertil@Foretag.example")
    assert answered.status_code == 302
    sent_page = client.get(answered.headers["Location"]).get_data(as_text=True)

    other = _sign_up(client, "Anna Ek", "anna@oppna.example")
    other_page = client.get(other.headers["Location"]).get_data(as_text=True)

    assert _registration("Bertil@Foretag.example") is not None
    assert _mail_to("bertil@foretag.example") == []
    assert _mail_to("anna@oppna.example") == [f"registration-confirm:{_registration('anna@oppna.example').id}"]
    assert "Då bekräftar arrangören din anmälan och hör av sig till dig på annat sätt." in sent_page
    assert _without_tokens(sent_page) == _without_tokens(other_page), "the page never tells who objected"


def test_the_organizer_sees_the_sign_up_marked_and_confirms_it_without_a_mail(client, users, page, bertil):
    _sign_up(client, "Bertil Berg", "bertil@foretag.example")
    _sign_up(client, "Anna Ek", "anna@oppna.example")
    login(client, users["organizer"])
    event_id = page.event_id

    html = client.get(f"/evenemang/{event_id}/anmalan").get_data(as_text=True)
    bertil_row = html.split("Bertil Berg", 1)[1].split("</tr>", 1)[0]
    anna_row = html.split("Anna Ek", 1)[1].split("</tr>", 1)[0]
    assert "adressen får inga mejl från oss" in bertil_row and "Bekräfta anmälan" in bertil_row
    assert "Bekräfta anmälan" not in anna_row and "Inte bekräftad" in anna_row
    assert "Bekräfta anmälan" in client.get(f"/evenemang/{event_id}").get_data(as_text=True), "the panel too"

    registration = _registration("bertil@foretag.example")
    response = client.post(f"/evenemang/{event_id}/anmalan/{registration.id}/bekrafta")

    assert response.status_code == 302
    registration = _registration("bertil@foretag.example")
    assert registration.confirmed_at is not None
    assert registration.invitation.answer == Answer.YES and registration.invitation.has_place
    assert _mail_to("bertil@foretag.example") == [], "neither a confirmation nor the invitation"
    page_after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Inget mejl skickas" in page_after


def test_a_sign_up_whose_address_gets_mail_is_confirmed_by_the_guest_only(client, users, page, bertil):
    _sign_up(client, "Anna Ek", "anna@oppna.example")
    login(client, users["organizer"])
    registration = _registration("anna@oppna.example")

    response = client.post(f"/evenemang/{page.event_id}/anmalan/{registration.id}/bekrafta")

    assert response.status_code == 302
    assert _registration("anna@oppna.example").confirmed_at is None
    assert "Gästen bekräftar själv anmälan" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_reklamsparr_companys_generic_address_signing_up_is_treated_alike(client, factories, page):
    factories.company(name="Spärrade AB", email="info@sparrade.example", ad_block=True)
    db.session.commit()

    assert _sign_up(client, "Info Spärrade", "info@sparrade.example").status_code == 302

    assert _mail_to("info@sparrade.example") == []
    assert service.unmailed([_registration("info@sparrade.example")]) == {_registration("info@sparrade.example").id}
