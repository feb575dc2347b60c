"""The invite page: recipients from a network, a company filter or picked by hand; the preview with who is
left out and why; sending; and reminders to those who have not answered."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from crm.companies.models import CompanyContact, Tag
from crm.events import answers, invitations
from crm.events.models import Answer, Invitation
from crm.extensions import db
from crm.timeutil import utcnow
from tests.events.helpers import outbox


def _ticked(html: str) -> set[int]:
    return {int(value) for value in re.findall(r'name="contacts" id="contacts-\d+" value="(\d+)" checked', html)}


def _excluded(html: str) -> dict[str, str]:
    table = html.split('class="responsive-table invite-excluded"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td[^>]*>([^<]+)</td><td[^>]*>[^<]*</td><td[^>]*>([^<]+)</td></tr>", table)
    return dict(rows)


def _network_with_everyone(factories, event):
    network = factories.network(name="Frukostklubben")
    people = {
        "ok": factories.contact(factories.company(name="Alfa AB"), name="Anna Andersson"),
        "objection": factories.contact(name="Bertil Berg", objection=True),
        "opted_out": factories.contact(name="Cecilia Ceder", opt_out_breakfasts=True),
        "no_email": factories.contact(name="David Dahl", email=None),
        "invited": factories.contact(name="Eva Ek"),
        "former": factories.contact(name="Fredrik Fors"),
    }
    for key, contact in people.items():
        fields = {"ends_on": date(2026, 1, 31), "starts_on": date(2025, 1, 1)} if key == "former" else {}
        factories.member(network, contact, **fields)
    factories.invitation(event, people["invited"])
    db.session.commit()
    return network, people


def test_the_preview_says_who_is_left_out_and_why(client, login_as, factories):
    login_as("organizer")
    event = factories.event()
    network, people = _network_with_everyone(factories, event)

    html = client.get(f"/evenemang/{event.id}/bjud-in?kalla=natverk&natverk={network.id}").get_data(as_text=True)

    assert _ticked(html) == {people["ok"].id}
    assert "Anna Andersson · Alfa AB" in html
    assert _excluded(html) == {
        "Bertil Berg": "Har invänt mot utskick",
        "Cecilia Ceder": "Har avböjt utskick om frukostmöten",
        "David Dahl": "Saknar e-postadress",
        "Eva Ek": "Redan inbjuden",
    }
    assert "Fredrik Fors" not in html  # no longer a member
    assert "Får ingen inbjudan (4)" in html and "Skicka 1 inbjudan" in html
    assert outbox() == []


def test_a_network_is_invited_in_one_post(client, login_as, factories):
    login_as("organizer")
    event = factories.event()
    network = factories.network()
    members = [factories.member(network).contact for _ in range(3)]
    db.session.commit()
    url = f"/evenemang/{event.id}/bjud-in?kalla=natverk&natverk={network.id}"
    ticked = _ticked(client.get(url).get_data(as_text=True))
    assert ticked == {member.id for member in members}

    response = client.post(url, data={"contacts": [str(contact_id) for contact_id in ticked]})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/evenemang/{event.id}#inbjudna")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 inbjudningar har lagts i utkorgen" in page
    rows = outbox("invite:")
    assert sorted(row.recipient_list[0] for row in rows) == sorted(member.email for member in members)
    assert all(row.kind == "event-request" for row in rows)


def test_unticked_contacts_are_not_invited(client, login_as, factories):
    login_as("staff")
    event = factories.event()
    network = factories.network()
    keep, skip = factories.member(network).contact, factories.member(network).contact
    db.session.commit()
    client.post(f"/evenemang/{event.id}/bjud-in?kalla=natverk&natverk={network.id}", data={"contacts": [str(keep.id)]})
    assert [row.recipient_list for row in outbox("invite:")] == [[keep.email]]
    assert db.session.scalar(select(Invitation).where(Invitation.contact_id == skip.id)) is None


def test_posting_nobody_invites_nobody(client, login_as, factories):
    login_as("organizer")
    event = factories.event()
    db.session.commit()
    response = client.post(f"/evenemang/{event.id}/bjud-in", data={}, follow_redirects=True)
    assert "Välj minst en kontaktperson att bjuda in." in response.get_data(as_text=True)
    assert outbox() == []


def test_contacts_of_companies_matching_a_filter(client, login_as, factories):
    login_as("organizer")
    event = factories.event(title="Upphandlingsinfo")
    medtech = Tag(name="Medtech")
    matching = factories.company(name="Medicinteknik AB", district="Södra Porten")
    matching.tags.append(medtech)
    other_district = factories.company(name="Medtech Norr AB", district="Norra")
    other_district.tags.append(medtech)
    unrelated = factories.company(name="Bageriet AB", district="Södra Porten")
    current = factories.contact(matching, name="Greta Gran")
    left = factories.contact(matching, name="Hans Hed")
    db.session.execute(select(CompanyContact).where(CompanyContact.contact_id == left.id)).scalar_one().end_date = (
        date(2025, 12, 31))
    factories.contact(other_district, name="Ivar Is")
    factories.contact(unrelated, name="Jenny Jul")
    db.session.commit()
    url = f"/evenemang/{event.id}/bjud-in?kalla=filter&tag=Medtech&district=S%C3%B6dra+Porten"

    html = client.get(url).get_data(as_text=True)

    assert _ticked(html) == {current.id}
    assert "Hans Hed" not in html and "Ivar Is" not in html and "Jenny Jul" not in html
    assert "bokmärke" in html
    client.post(url, data={"contacts": [str(current.id)]})
    assert [row.recipient_list for row in outbox("invite:")] == [[current.email]]


def test_a_filter_needs_at_least_one_condition(client, login_as, factories):
    login_as("organizer")
    event = factories.event()
    factories.contact(factories.company())
    db.session.commit()
    html = client.get(f"/evenemang/{event.id}/bjud-in?kalla=filter").get_data(as_text=True)
    assert "Välj minst ett filter." in html and 'name="contacts"' not in html


def test_contacts_picked_by_search(client, login_as, factories):
    login_as("organizer")
    event = factories.event()
    anna = factories.contact(factories.company(name="Åbyvik Trä AB"), name="Anna Öberg")
    bo = factories.contact(name="Bo Berg", email="bo@bygg.example")
    factories.contact(name="Carl Carlsson")
    db.session.commit()
    base = f"/evenemang/{event.id}/bjud-in?kalla=valda"

    found = client.get(f"{base}&sok=oberg").get_data(as_text=True)
    assert f'name="kontakt" id="kontakt-{anna.id}" value="{anna.id}">' in found and "Carl Carlsson" not in found
    again = client.get(f"{base}&kontakt={anna.id}&sok=bygg.example").get_data(as_text=True)
    assert f'value="{anna.id}" checked' in again and f'id="kontakt-{bo.id}"' in again

    preview = client.get(f"{base}&kontakt={anna.id}&kontakt={bo.id}&steg=granska").get_data(as_text=True)

    assert _ticked(preview) == {anna.id, bo.id}
    client.post(f"{base}&kontakt={anna.id}&kontakt={bo.id}&steg=granska", data={"contacts": [str(anna.id),
                                                                                              str(bo.id)]})
    assert sorted(row.recipient_list[0] for row in outbox("invite:")) == sorted([anna.email, bo.email])


def test_a_cancelled_event_cannot_be_invited_to(client, login_as, factories):
    login_as("organizer")
    event = factories.event()
    contact = factories.contact()
    invitations.cancel_event(event)
    db.session.commit()
    response = client.post(f"/evenemang/{event.id}/bjud-in", data={"contacts": [str(contact.id)]},
                           follow_redirects=True)
    assert "Träffen är inställd." in response.get_data(as_text=True)
    assert outbox("invite:") == []


def test_the_reminder_goes_only_to_those_without_an_answer(client, login_as, factories):
    login_as("organizer")
    event = factories.event(start=datetime.now() + timedelta(days=10))
    contacts = [factories.contact() for _ in range(4)]
    created, _ = invitations.invite(event, contacts)
    answers.respond(created[0], Answer.YES)
    answers.respond(created[1], Answer.NO)
    db.session.commit()
    page = client.get(f"/evenemang/{event.id}").get_data(as_text=True)
    assert "Skicka påminnelse till dem som inte svarat (2)" in page

    response = client.post(f"/evenemang/{event.id}/paminn", follow_redirects=True)

    assert "En påminnelse skickades till 2 som inte har svarat." in response.get_data(as_text=True)
    rows = outbox("rsvp-reminder:")
    assert sorted(row.recipient_list[0] for row in rows) == sorted(c.email for c in contacts[2:])
    assert client.post(f"/evenemang/{event.id}/paminn").status_code == 302
    assert len(outbox("rsvp-reminder:")) == 2  # once a day


def test_no_reminder_after_the_deadline(client, login_as, factories):
    login_as("organizer")
    event = factories.event(start=datetime.now() + timedelta(days=10),
                            registration_deadline=utcnow() - timedelta(hours=1))
    factories.invitation(event)
    db.session.commit()
    assert "Skicka påminnelse" not in client.get(f"/evenemang/{event.id}").get_data(as_text=True)
    response = client.post(f"/evenemang/{event.id}/paminn", follow_redirects=True)
    assert "ingen påminnelse skickades" in response.get_data(as_text=True)
    assert outbox("rsvp-reminder:") == []


def test_an_address_that_cannot_be_sent_to_is_left_out_with_its_reason_and_the_rest_are_invited(app, factories):
    from crm.events.invitations import invite
    from crm.mail.models import OutboxMessage

    event = factories.event()
    unsendable = factories.contact(email="åsa.öberg@foretag.example")
    fine = factories.contact()
    created, plan = invite(event, [unsendable, fine])
    db.session.commit()
    assert [invitation.contact_id for invitation in created] == [fine.id]
    assert [(exclusion.contact.id, "å, ä, ö" in exclusion.reason) for exclusion in plan.excluded] == [
        (unsendable.id, True)
    ]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
