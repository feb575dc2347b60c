"""The invitee's answer page, reached without a login by the link in the invitation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.events.invitations import cancel_event, uninvite
from crm.events.models import Answer, DietaryNeed, Event, EventKind, Invitation
from crm.events.services import DIETARY_CHOICES, dietary_counts
from crm.events.tokens import token_for
from crm.extensions import db
from crm.mail.models import OutboxMessage
from crm.timeutil import local, utcnow
from tests.feeds.helpers import local_days_from_now


@pytest.fixture
def event(factories):
    return factories.event(title="Frukostmöte om kompetensförsörjning", start=local_days_from_now(12, 7, 30),
                           place="Stadshuset, Stora salen", description="Kaffe och smörgås från 07.15.")


def page(client, invitation, query: str = ""):
    response = client.get(f"/svar/{token_for(invitation)}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def answer(client, invitation, value: str | None, **data):
    if value is not None:
        data["answer"] = value
    return client.post(f"/svar/{token_for(invitation)}", data=data)


def fresh(invitation: Invitation) -> Invitation:
    db.session.expire_all()
    return db.session.get(Invitation, invitation.id)


def checked(html: str) -> list[str]:
    return re.findall(r'<input[^>]*\bchecked\b[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*\bchecked\b', html)


def checked_values(html: str) -> set[str]:
    return {a or b for a, b in checked(html)}


def test_the_page_shows_the_event_and_an_accessible_form(client, factories, event):
    invitation = factories.invitation(event, factories.contact(name="Åsa Öberg"))
    db.session.commit()
    response = client.get(f"/svar/{token_for(invitation)}")

    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "Hej Åsa Öberg!" in html and "<h1>Frukostmöte om kompetensförsörjning</h1>" in html
    starts = local(event.starts_at)
    assert f"{starts:%Y-%m-%d} kl. 07:30–09:00" in html
    assert "Stadshuset, Stora salen" in html and "Kaffe och smörgås från 07.15." in html
    assert "Du har inte svarat än." in html
    assert re.search(r"<fieldset[^>]*>\s*<legend>Kommer du\?</legend>", html)
    for value, label in (("ja", "Ja, jag kommer"), ("nej", "Nej, jag kan inte"), ("kanske", "Kanske")):
        match = re.search(rf'<label class="choice" for="(answer-\d)"><input[^>]*id="\1"[^>]*name="answer"'
                          rf'[^>]*value="{value}"[^>]*><span>{label}</span></label>', html)
        assert match, value
    assert 'name="csrf_token"' in html
    assert "Specialkost" not in html  # this event does not ask
    assert f'href="/svar/{token_for(invitation)}/avregistrera"' in html


def test_the_times_are_the_stockholm_wall_clock(client, factories):
    event = factories.event(start=local_days_from_now(40, 18, 0), duration=timedelta(hours=7))
    invitation = factories.invitation(event)
    db.session.commit()
    start, end = local(event.starts_at), local(event.ends_at)
    assert f"{start:%Y-%m-%d} kl. 18:00 – {end:%Y-%m-%d} kl. 01:00" in page(client, invitation)


def test_a_link_preselects_the_answer_but_a_get_saves_nothing(client, factories, event):
    invitation = factories.invitation(event)
    db.session.commit()

    assert checked_values(page(client, invitation, "?svar=ja")) == {"ja"}
    assert checked_values(page(client, invitation, "?svar=kanske")) == {"kanske"}
    assert checked_values(page(client, invitation, "?svar=<script>")) == set()

    assert fresh(invitation).answer is None
    assert db.session.get(Event, event.id).places_taken == 0
    assert db.session.scalar(select(OutboxMessage)) is None


def test_answering_yes_takes_a_place_and_confirms(client, factories, event):
    invitation = factories.invitation(event)
    db.session.commit()

    response = answer(client, invitation, "ja")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/svar/{token_for(invitation)}"
    html = page(client, invitation)
    assert "Tack! Du är anmäld." in html and "Du är anmäld." in html
    assert checked_values(html) == {"ja"}
    saved = fresh(invitation)
    assert saved.answer == Answer.YES and saved.has_place and saved.answered_at is not None
    assert saved.event.places_taken == 1


def test_answering_again_changes_the_answer_and_frees_the_place(client, factories, event):
    invitation = factories.invitation(event)
    db.session.commit()
    answer(client, invitation, "ja")

    assert answer(client, invitation, "nej").status_code == 302

    html = page(client, invitation)
    assert "Tack för ditt svar." in html and "Du har svarat att du inte kommer." in html
    saved = fresh(invitation)
    assert saved.answer == Answer.NO and saved.event.places_taken == 0
    answer(client, invitation, "kanske")
    assert "Du har svarat kanske." in page(client, invitation)
    assert fresh(invitation).answer == Answer.MAYBE


def test_the_waiting_list_and_a_freed_place_going_to_the_first_in_line(client, factories):
    event = factories.event(start=local_days_from_now(12), capacity=1)
    first, second, third = (factories.invitation(event) for _ in range(3))
    db.session.commit()

    answer(client, first, "ja")
    answer(client, second, "ja")
    assert "Du står på väntelistan som nummer 1. Vi mejlar dig om en plats blir ledig." in page(client, second)
    answer(client, third, "ja")
    assert "Du står på väntelistan som nummer 2." in page(client, third)

    answer(client, first, "nej")

    assert fresh(second).has_place and fresh(second).waitlisted_at is None
    assert fresh(third).waitlisted_at is not None
    assert db.session.get(Event, event.id).places_taken == 1
    assert "Du är anmäld." in page(client, second)
    assert "Du står på väntelistan som nummer 1." in page(client, third)
    [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "event-place")).all()
    assert mail.recipients == second.email
    assert mail.subject.startswith("Du har fått en plats: ")


def test_after_the_deadline_there_is_no_form_and_a_post_is_refused(client, factories):
    event = factories.event(start=local_days_from_now(12), registration_deadline=utcnow() - timedelta(hours=1))
    invitation = factories.invitation(event, answer=Answer.MAYBE)
    db.session.commit()

    html = page(client, invitation)
    assert "Sista anmälningsdag har passerat" in html and "Du har svarat kanske." in html
    assert 'name="answer"' not in html and "<form" not in html.split("</header>")[1]

    response = answer(client, invitation, "ja")
    assert response.status_code == 409
    assert "Sista anmälningsdag har passerat" in response.get_data(as_text=True)
    assert fresh(invitation).answer == Answer.MAYBE


def test_the_deadline_is_shown_while_answers_are_open(client, factories):
    deadline = utcnow() + timedelta(days=3)
    event = factories.event(start=local_days_from_now(12), registration_deadline=deadline)
    invitation = factories.invitation(event)
    db.session.commit()
    html = page(client, invitation)
    assert f"{local(deadline):%Y-%m-%d} kl. {local(deadline):%H:%M}" in html
    assert "fram till sista anmälningsdag" in html


def test_a_cancelled_event_or_a_withdrawn_invitation_takes_no_answers(client, factories, event):
    kept, withdrawn = factories.invitation(event), factories.invitation(event)
    db.session.commit()
    uninvite(withdrawn)
    db.session.commit()
    html = page(client, withdrawn)
    assert "Inbjudan gäller inte längre" in html and 'name="answer"' not in html
    assert answer(client, withdrawn, "ja").status_code == 409

    cancel_event(event)
    db.session.commit()
    html = page(client, kept)
    assert "Träffen är inställd." in html and 'name="answer"' not in html
    assert answer(client, kept, "ja").status_code == 409
    assert fresh(kept).answer is None


def test_a_forged_or_unknown_token_is_a_404(app, client, factories, event):
    invitation = factories.invitation(event)
    db.session.commit()
    token = token_for(invitation)
    key, mac = token.split(".")
    altered_mac = f"{key}.{('A' if mac[0] != 'A' else 'B')}{mac[1:]}"
    other_key = f"{('x' if key[0] != 'x' else 'y')}{key[1:]}.{mac}"
    with app.app_context():
        from crm.events import tokens

        unknown = f"unknownkey123.{tokens._mac('unknownkey123')}"  # a valid MAC, but no such invitation
    for bad in (altered_mac, other_key, key, f"{key}.", f".{mac}", unknown, "x" * 200):
        assert client.get(f"/svar/{bad}").status_code == 404, bad
        assert client.post(f"/svar/{bad}", data={"answer": "ja"}).status_code == 404, bad
        assert client.get(f"/svar/{bad}/avregistrera").status_code == 404, bad
    assert fresh(invitation).answer is None
    assert client.get(f"/svar/{token}").status_code == 200


def test_a_missing_answer_is_reported_next_to_the_field(client, factories, event):
    invitation = factories.invitation(event)
    db.session.commit()
    for data in ({}, {"answer": "kanhända"}):
        response = client.post(f"/svar/{token_for(invitation)}", data=data)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'role="alert"' in html and '<a href="#answer-0">Välj ett svar.</a>' in html
        assert re.search(r'<fieldset[^>]*aria-describedby="answer-error"', html)
        assert '<p class="error-message" id="answer-error">' in html and "Välj ett svar." in html
    assert fresh(invitation).answer is None


# --- Dietary needs: health data, kept apart, shown to the organizer only as counts ----------------


def test_dietary_needs_are_asked_stored_apart_and_only_counted(client, factories, login_as):
    event = factories.event(start=local_days_from_now(12), asks_dietary=True)
    asa, bo = factories.invitation(event, factories.contact(name="Åsa Öberg")), factories.invitation(event)
    db.session.commit()
    html = page(client, asa)
    for value, label in DIETARY_CHOICES.items():
        assert f'id="dietary-{value}" value="{value}"' in html and f"<span>{label}</span>" in html
    assert '<label for="other">Beskriv annan specialkost eller allergi</label>' in html

    answer(client, asa, "ja", dietary=["glutenfri", "vegansk", "påhittad"], other="Selleriallergi")
    answer(client, bo, "ja", dietary=["glutenfri"])

    need = db.session.scalar(select(DietaryNeed).where(DietaryNeed.invitation_id == asa.id))
    assert set(need.categories.split(",")) == {"glutenfri", "vegansk"} and need.other == "Selleriallergi"
    assert not {"categories", "other", "dietary"} & set(Invitation.__table__.columns.keys())
    assert dietary_counts(event) == {"glutenfri": 2, "vegansk": 1, "annat": 1}
    assert checked_values(page(client, asa)) >= {"ja", "glutenfri", "vegansk"}

    login_as("organizer")
    organizer_page = client.get(f"/evenemang/{event.id}").get_data(as_text=True)
    assert "Selleriallergi" not in organizer_page
    assert 'class="event-dietary"' in organizer_page


def test_answering_no_deletes_the_dietary_needs(client, factories):
    event = factories.event(start=local_days_from_now(12), asks_dietary=True)
    invitation = factories.invitation(event)
    db.session.commit()
    answer(client, invitation, "ja", dietary=["laktosfri"])
    assert db.session.scalar(select(DietaryNeed)) is not None
    answer(client, invitation, "nej", dietary=["laktosfri"])
    assert db.session.scalar(select(DietaryNeed)) is None


def test_an_event_that_does_not_ask_stores_no_dietary_needs(client, factories, event):
    invitation = factories.invitation(event)
    db.session.commit()
    answer(client, invitation, "ja", dietary=["vegansk"], other="Nötter")
    assert fresh(invitation).answer == Answer.YES
    assert db.session.scalar(select(DietaryNeed)) is None


def test_a_too_long_other_text_is_refused_next_to_the_field(client, factories):
    event = factories.event(start=local_days_from_now(12), asks_dietary=True)
    invitation = factories.invitation(event)
    db.session.commit()
    response = answer(client, invitation, "ja", other="x" * 301)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Skriv högst 300 tecken." in html
    assert 'aria-describedby="other-error"' in html
    assert fresh(invitation).answer is None


# --- Opting out ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "flag"), [
    (EventKind.BREAKFAST, "opt_out_breakfasts"),
    (EventKind.PROCUREMENT_INFO, "opt_out_procurement"),
    (EventKind.NETWORK_MEETING, "opt_out_networks"),
])
def test_opting_out_sets_the_contacts_flag_for_that_kind_of_mailing(client, factories, kind, flag):
    contact = factories.contact()
    invitation = factories.invitation(factories.event(start=local_days_from_now(12), kind=kind), contact)
    db.session.commit()
    url = f"/svar/{token_for(invitation)}/avregistrera"

    confirm = client.get(url)
    assert confirm.status_code == 200 and "Ja, avregistrera mig" in confirm.get_data(as_text=True)
    db.session.expire_all()
    assert getattr(contact, flag) is False  # a GET changes nothing

    done = client.post(url).get_data(as_text=True)

    assert "Klart. Du får inte fler inbjudningar om" in done
    db.session.expire_all()
    assert getattr(contact, flag) is True
    others = {"opt_out_breakfasts", "opt_out_procurement", "opt_out_networks"} - {flag}
    assert not any(getattr(contact, other) for other in others)
    assert "Ja, avregistrera mig" not in client.get(url).get_data(as_text=True)


def test_an_opted_out_contact_is_left_out_of_the_next_invitation(client, factories):
    from crm.events.invite_plan import plan_invitations

    contact = factories.contact()
    invitation = factories.invitation(factories.event(start=local_days_from_now(12)), contact)
    db.session.commit()
    client.post(f"/svar/{token_for(invitation)}/avregistrera")
    db.session.expire_all()

    plan = plan_invitations(factories.event(start=local_days_from_now(40)), [contact])
    assert plan.invite == [] and plan.excluded[0].reason == "Har avböjt utskick om frukostmöten"
