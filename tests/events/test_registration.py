"""Open registration: the public page, spam (rate limit, honeypot), double opt-in, capacity and the waiting
list, the organizer's acceptance, the orgnr match and the purge of unconfirmed sign-ups."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import func, select

from crm.companies.models import CompanyContact, ContactPerson
from crm.events import registration as service
from crm.events.models import Answer, DietaryNeed, Invitation
from crm.events.registration_models import Registration, RegistrationAttempt, RegistrationPage
from crm.events.tokens import token_for
from crm.extensions import db
from crm.mail.models import OutboxMessage
from crm.timeutil import utcnow
from tests.conftest import login
from tests.events.helpers import outbox
from tests.feeds.helpers import local_days_from_now


@pytest.fixture
def event(factories):
    return factories.event(title="Frukostmöte om kompetensförsörjning", start=local_days_from_now(12, 7, 30),
                           capacity=2)


@pytest.fixture
def page(event):
    page = service.save_page(event, "frukost-december", True)
    db.session.commit()
    return page


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def sign_up(client, slug="frukost-december", **data):
    data.setdefault("name", "Åsa Öberg")
    data.setdefault("email", "asa@example.se")
    return client.post(f"/anmalan/{slug}", data=data)


def confirmation_link(registration_id: int | None = None) -> str:
    rows = outbox("registration-confirm:")
    row = rows[-1] if registration_id is None else next(
        r for r in rows if r.dedupe_key == f"registration-confirm:{registration_id}")
    message = message_from_bytes(row.raw, policy=default_policy)
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/anmalan/bekrafta/\S+", text).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def signed_up_and_confirmed(client, **data) -> Registration:
    assert sign_up(client, **data).status_code == 302
    response = client.post(path_of(confirmation_link()))
    assert response.status_code == 302
    db.session.expire_all()
    return db.session.scalars(select(Registration).order_by(Registration.id.desc())).first()


# --- The page ------------------------------------------------------------------------------------------------


def test_the_public_page_shows_the_event_and_the_form_without_login(client, page):
    response = client.get("/anmalan/frukost-december")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Frukostmöte om kompetensförsörjning" in html
    assert 'name="email"' in html and "Anmäl mig" in html
    assert 'name="webbplats"' in html and 'tabindex="-1"' in html
    assert 'name="dietary"' not in html  # the event does not ask
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_an_unknown_slug_is_404_and_a_closed_page_takes_no_sign_up(client, event, page):
    assert client.get("/anmalan/finns-inte").status_code == 404
    service.save_page(event, "frukost-december", False)
    db.session.commit()
    assert "Anmälan till träffen är stängd." in client.get("/anmalan/frukost-december").get_data(as_text=True)
    assert sign_up(client).status_code == 409
    assert count(Registration) == 0


def test_past_the_deadline_the_page_is_closed(client, event, page):
    event.registration_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert sign_up(client).status_code == 409
    assert count(Registration) == 0


def test_bad_input_gets_swedish_messages_next_to_the_fields(client, page):
    response = sign_up(client, name="", email="inte-en-adress", org_number="123")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Fyll i ditt namn." in html
    assert "Skriv en giltig e-postadress" in html
    assert "Ett organisationsnummer har tio siffror" in html
    assert count(Registration) == 0


# --- Spam ----------------------------------------------------------------------------------------------------


def test_a_filled_in_honeypot_looks_like_success_and_stores_nothing(client, page):
    response = sign_up(client, webbplats="http://spam.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("/anmalan/frukost-december/skickad")
    assert count(Registration) == 0
    assert outbox("registration-confirm:") == []


def test_the_rate_limit_per_client_address_refuses_further_sign_ups(app, client, page):
    app.config["REGISTRATION_ATTEMPTS"] = 3
    try:
        for n in range(3):
            assert sign_up(client, email=f"person{n}@example.se").status_code == 302
        response = sign_up(client, email="fyra@example.se")
        assert response.status_code == 429
        assert "Vänta en stund" in response.get_data(as_text=True)
        assert count(Registration) == 3
        # another client address is not held back
        other = client.post("/anmalan/frukost-december", data={"name": "B", "email": "b@example.se"},
                            environ_base={"REMOTE_ADDR": "192.0.2.9"})
        assert other.status_code == 302
        assert count(Registration) == 4
    finally:
        app.config.pop("REGISTRATION_ATTEMPTS")


# --- Double opt-in ----------------------------------------------------------------------------------------


def test_a_sign_up_is_pending_with_one_confirmation_mail(client, page):
    response = sign_up(client, company_name="Verkstad AB")
    assert response.status_code == 302
    assert "Titta i din e-post" in client.get(response.headers["Location"]).get_data(as_text=True)
    registration = db.session.scalars(select(Registration)).one()
    assert registration.confirmed_at is None and registration.invitation_id is None
    assert count(Invitation) == 0 and count(ContactPerson) == 0
    rows = outbox("registration-confirm:")
    assert [r.dedupe_key for r in rows] == [f"registration-confirm:{registration.id}"]
    assert rows[0].recipients == "asa@example.se"
    assert "/anmalan/bekrafta/" in confirmation_link()


def test_a_get_of_the_confirmation_link_changes_nothing(client, page):
    sign_up(client)
    link = path_of(confirmation_link())
    for _ in range(2):
        response = client.get(link)
        assert response.status_code == 200
        assert "Bekräfta anmälan" in response.get_data(as_text=True)
    registration = db.session.scalars(select(Registration)).one()
    assert registration.confirmed_at is None
    assert count(Invitation) == 0


def test_a_forged_confirmation_token_is_404(client, page):
    sign_up(client)
    link = path_of(confirmation_link())
    assert client.get(link[:-2] + "xx").status_code == 404
    assert client.post(link[:-2] + "xx").status_code == 404


def test_the_post_registers_with_an_rsvp_link_like_any_invitee(client, page):
    registration = signed_up_and_confirmed(client)
    invitation = registration.invitation
    assert registration.confirmed_at is not None
    assert invitation.answer == Answer.YES and invitation.has_place
    assert invitation.contact_id is None and invitation.email == "asa@example.se"
    assert count(ContactPerson) == 0  # nothing created silently
    assert [r.dedupe_key for r in outbox("invite:")] == [f"invite:{invitation.id}:0"]
    # following the link again goes to the guest's own RSVP page and changes nothing
    again = client.get(path_of(confirmation_link()))
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/svar/{token_for(invitation)}")
    html = client.get(f"/svar/{token_for(invitation)}").get_data(as_text=True)
    assert "Du är anmäld." in html
    assert count(Invitation) == 1


def test_confirming_twice_makes_one_invitation(client, page):
    sign_up(client)
    registration = db.session.scalars(select(Registration)).one()
    first = service.confirm(registration)
    db.session.commit()
    db.session.expire_all()
    second = service.confirm(db.session.get(Registration, registration.id))
    db.session.commit()
    assert second.already and second.invitation.id == first.invitation.id
    assert count(Invitation) == 1 and len(outbox("invite:")) == 1


def test_a_full_event_gives_a_waiting_list_place_and_says_so(client, event, page, factories):
    for _ in range(2):
        factories.invitation(event, answer=Answer.YES)
    event.places_taken = 2
    db.session.commit()
    assert "Träffen är fullbokad" in client.get("/anmalan/frukost-december").get_data(as_text=True)
    sign_up(client)
    response = client.post(path_of(confirmation_link()), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Du står på väntelistan som nummer 1" in html
    registration = db.session.scalars(select(Registration)).one()
    assert registration.invitation.waitlisted_at is not None and not registration.invitation.has_place


def test_dietary_needs_move_to_the_invitation_on_confirmation(client, event, page):
    event.asks_dietary = True
    db.session.commit()
    assert 'name="dietary"' in client.get("/anmalan/frukost-december").get_data(as_text=True)
    sign_up(client, dietary=["vegansk"], other="Inga nötter")
    pending = db.session.scalars(select(Registration)).one()
    assert pending.dietary == "vegansk"
    client.post(path_of(confirmation_link()))
    db.session.expire_all()
    registration = db.session.scalars(select(Registration)).one()
    need = db.session.scalars(select(DietaryNeed)).one()
    assert (need.categories, need.other) == ("vegansk", "Inga nötter")
    assert need.invitation_id == registration.invitation_id
    assert (registration.dietary, registration.dietary_other) == ("", "")


# --- Contact persons ----------------------------------------------------------------------------------------------


def test_an_orgnr_matching_a_company_links_a_contact_to_it(client, page, factories):
    company = factories.company(org_number="556036-0793")
    db.session.commit()
    registration = signed_up_and_confirmed(client, company_name="Annat namn", org_number="5560360793")
    assert registration.company_id == company.id
    contact = registration.contact
    assert contact is not None and contact.email == "asa@example.se"
    link = db.session.scalar(select(CompanyContact).where(CompanyContact.contact_id == contact.id))
    assert link.company_id == company.id
    assert registration.invitation.contact_id == contact.id


def test_an_orgnr_not_in_the_register_creates_no_contact(client, page):
    registration = signed_up_and_confirmed(client, company_name="Okänt AB", org_number="556036-0793")
    assert registration.company_id is None and registration.contact_id is None
    assert count(ContactPerson) == 0


def test_an_organizer_accepts_a_guest_as_a_contact_person(client, page, event, users):
    registration = signed_up_and_confirmed(client)
    login(client, users["organizer"])
    event_page = client.get(f"/evenemang/{event.id}").get_data(as_text=True)
    assert f'href="/evenemang/{event.id}/anmalan"' in event_page
    assert "Åsa Öberg" in event_page and "Godkänn som kontaktperson" in event_page  # the panel on the event page
    html = client.get(f"/evenemang/{event.id}/anmalan").get_data(as_text=True)
    assert "Åsa Öberg" in html and "Godkänn som kontaktperson" in html
    response = client.post(f"/evenemang/{event.id}/anmalan/{registration.id}/godkann")
    assert response.status_code == 302
    db.session.expire_all()
    registration = db.session.get(Registration, registration.id)
    contact = db.session.scalars(select(ContactPerson)).one()
    assert (contact.name, contact.email) == ("Åsa Öberg", "asa@example.se")
    assert registration.contact_id == contact.id and registration.accepted_at is not None
    assert registration.invitation.contact_id == contact.id
    # a second press creates nothing more
    client.post(f"/evenemang/{event.id}/anmalan/{registration.id}/godkann")
    assert count(ContactPerson) == 1


def test_an_unconfirmed_sign_up_cannot_be_accepted(page, client):
    sign_up(client)
    registration = db.session.scalars(select(Registration)).one()
    with pytest.raises(service.NotConfirmed):
        service.accept(registration, None)
    assert count(ContactPerson) == 0


# --- The organizer's settings and the purge -------------------------------------------------------------------------


def test_an_organizer_turns_the_page_on_with_a_slug(client, event, users, factories):
    login(client, users["organizer"])
    response = client.post(f"/evenemang/{event.id}/anmalan", data={"slug": "Frukost Dec", "is_open": "y"})
    assert "Använd bara a–z" in response.get_data(as_text=True)
    assert count(RegistrationPage) == 0
    response = client.post(f"/evenemang/{event.id}/anmalan", data={"slug": "frukost-dec", "is_open": "y"})
    assert response.status_code == 302
    page = db.session.scalars(select(RegistrationPage)).one()
    assert (page.slug, page.is_open, page.event_id) == ("frukost-dec", True, event.id)
    other = factories.event(start=local_days_from_now(20, 7, 30))
    db.session.commit()
    taken = client.post(f"/evenemang/{other.id}/anmalan", data={"slug": "frukost-dec", "is_open": "y"})
    assert "används redan" in taken.get_data(as_text=True)
    assert count(RegistrationPage) == 1


def test_unconfirmed_sign_ups_are_purged_after_seven_days(client, page):
    sign_up(client, email="gammal@example.se")
    sign_up(client, email="ny@example.se")
    signed_up_and_confirmed(client, email="bekraftad@example.se")
    db.session.expire_all()
    old = db.session.scalars(select(Registration).where(Registration.email == "gammal@example.se")).one()
    confirmed = db.session.scalars(select(Registration).where(Registration.email == "bekraftad@example.se")).one()
    old.created_at = confirmed.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert service.purge_unconfirmed() == 1
    db.session.commit()
    assert sorted(r.email for r in db.session.scalars(select(Registration))) == [
        "bekraftad@example.se", "ny@example.se"]
    assert count(RegistrationAttempt) == 3  # within the window: kept
    assert service.purge_unconfirmed(utcnow() + timedelta(days=1)) == 0
    db.session.commit()
    assert count(RegistrationAttempt) == 0


def test_the_scheduled_task_purges(client, page):
    from crm.events import tasks

    sign_up(client)
    db.session.execute(Registration.__table__.update().values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    tasks.purge_unconfirmed_registrations()
    db.session.commit()
    assert count(Registration) == 0
    assert count(OutboxMessage) == 1  # the mail already queued is not taken back


def test_the_confirmation_token_is_masked_in_logs():
    from crm.logredact import redact

    line = '"POST /anmalan/bekrafta/abc_-1.DEF HTTP/1.1" 302 -'
    assert redact(line) == '"POST /anmalan/bekrafta/[dolt] HTTP/1.1" 302 -'
    assert redact("GET /anmalan/frukost-december HTTP/1.1") == "GET /anmalan/frukost-december HTTP/1.1"
