"""The invite plan asks the outbox's gate (crm.mail.gate): a contact whose address gets no mail to people — a
Reklamspärr company's generic address, another address the inbox knows for a person who objected — is left out
with the reason, like one who objected, and no invitation is recorded as sent that no mail carried. An update,
an uninvitation or a reminder the gate drops records nothing as told either."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from crm.companies.models import ContactPerson, ObjectionScope
from crm.events import answers, invitations, invite_plan
from crm.events import services as events
from crm.events.models import Event, Invitation
from crm.extensions import db
from crm.inbox.models import KnownAddress
from tests.events.helpers import outbox
from tests.feeds.helpers import local_days_from_now

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

AD_BLOCKED = "Adressen är ett företags allmänna adress med reklamspärr"
OBJECTED_ELSEWHERE = "Adressen hör till en person som har invänt mot utskick"
OBJECTED = "Har invänt mot utskick"


@dataclasses.dataclass
class People:
    anna: ContactPerson  # may get mail
    bertil: ContactPerson  # objected (his own flag)
    info: ContactPerson  # his address is a Reklamspärr company's generic address
    berra: ContactPerson  # his address is one the inbox knows as Bertil's
    company: object  # Info's company, which has (or gets) Reklamspärr

    @property
    def everyone(self) -> list[ContactPerson]:
        return [self.anna, self.bertil, self.info, self.berra]


def _object(contact: ContactPerson) -> None:
    contact.objection = True
    contact.objection_on = date(2026, 11, 20)
    contact.objection_scope = ObjectionScope.MAILINGS


def _people(factories, blocked: bool = True) -> People:
    company = factories.company(name="Spärrade Verkstaden AB", email="info@sparrade.example", ad_block=blocked)
    open_company = factories.company(name="Öppna Caféet AB", email="info@oppna.example")
    people = People(
        anna=factories.contact(open_company, name="Anna Ek", email="anna@oppna.example"),
        bertil=factories.contact(name="Bertil Berg", email="bertil@foretag.example"),
        info=factories.contact(company, name="Info Verkstaden", email="Info@Sparrade.example"),
        berra=factories.contact(name="Berra Berg", email="berra.privat@post.example"),
        company=company,
    )
    if blocked:
        _block(people)
    return people


def _block(people: People) -> None:
    """Bertil objects, Info's company gets Reklamspärr, the inbox learns Berra's address as Bertil's."""
    _object(people.bertil)
    people.company.ad_block = True
    db.session.add(KnownAddress(contact_id=people.bertil.id, email=people.berra.email))
    db.session.flush()


def _event(factories, **fields) -> Event:
    return factories.event(title="Frukost i hamnen", start=local_days_from_now(14, 7, 30), **fields)


def _invitation(event: Event, contact: ContactPerson) -> Invitation | None:
    db.session.expire_all()
    return db.session.scalar(select(Invitation).where(Invitation.event_id == event.id,
                                                       Invitation.contact_id == contact.id))


def _recipients(prefix: str) -> list[str]:
    return [address for row in outbox(prefix) for address in row.recipient_list]


def test_the_plan_leaves_out_the_contacts_the_gate_blocks_with_their_reason(app, factories):
    people = _people(factories)
    event = _event(factories)
    db.session.commit()

    plan = invite_plan.plan_invitations(event, people.everyone)

    assert plan.invite == [people.anna]
    assert {item.contact.name: item.reason for item in plan.excluded} == {
        "Bertil Berg": OBJECTED, "Info Verkstaden": AD_BLOCKED, "Berra Berg": OBJECTED_ELSEWHERE,
    }
    assert not any(item.unsendable for item in plan.excluded)


def test_inviting_records_no_invitation_as_sent_for_a_blocked_contact_and_invites_the_allowed_one(app, factories):
    people = _people(factories)
    event = _event(factories)
    db.session.commit()

    created, plan = invitations.invite(event, people.everyone, NOW)
    db.session.commit()

    assert [invitation.contact_id for invitation in created] == [people.anna.id]
    assert len(plan.excluded) == 3
    for contact in (people.bertil, people.info, people.berra):
        assert _invitation(event, contact) is None, f"{contact.name} has no invitation, none recorded as sent"
    anna = _invitation(event, people.anna)
    assert anna.invited_at == NOW and anna.sent_sequence == event.sequence
    assert _recipients("invite:") == [people.anna.email]


def test_the_page_shows_them_left_out_with_their_reason_and_a_post_naming_them_invites_only_the_allowed(
        client, login_as, factories):
    login_as("organizer")
    people = _people(factories)
    event = _event(factories)
    db.session.commit()
    ids = [str(contact.id) for contact in people.everyone]
    url = f"/evenemang/{event.id}/bjud-in"

    html = client.get(url, query_string={"kalla": "valda", "kontakt": ids, "steg": "granska"}).get_data(as_text=True)

    ticked = set(re.findall(r'name="contacts" id="contacts-\d+" value="(\d+)" checked', html))
    assert ticked == {str(people.anna.id)}
    left_out = html.split('id="utelamnas"', 1)[1].split("</table>", 1)[0]
    rows = {row.split("</td>", 1)[0].rsplit(">", 1)[1]: row for row in left_out.split("<tr>")[2:]}
    assert set(rows) == {"Bertil Berg", "Info Verkstaden", "Berra Berg"}
    assert AD_BLOCKED in rows["Info Verkstaden"] and OBJECTED_ELSEWHERE in rows["Berra Berg"]
    assert OBJECTED in rows["Bertil Berg"]
    assert "Får ingen inbjudan (3)" in html

    # A form sent with every one of them ticked (an old page, a crafted post) invites only Anna.
    response = client.post(f"{url}?kalla=valda&" + "&".join(f"kontakt={i}" for i in ids) + "&steg=granska",
                           data={"contacts": ids})

    assert response.status_code == 302
    for contact in (people.bertil, people.info, people.berra):
        assert _invitation(event, contact) is None
    assert _invitation(event, people.anna).invited_at is not None
    assert _recipients("invite:") == [people.anna.email]


def _data(event: Event, **changes) -> events.EventData:
    data = events.EventData(
        title=event.title, kind=event.kind, starts_at=event.starts_at, ends_at=event.ends_at,
        network_id=event.network_id, place=event.place, link=event.link, description=event.description,
        capacity=event.capacity, registration_deadline=event.registration_deadline, asks_dietary=event.asks_dietary,
    )
    return dataclasses.replace(data, **changes)


def test_an_update_the_gate_drops_is_not_recorded_as_told(app, factories):
    people = _people(factories, blocked=False)
    event = _event(factories)
    created, plan = invitations.invite(event, people.everyone, NOW)
    assert len(created) == 4 and not plan.excluded
    first = event.sequence
    _block(people)
    db.session.commit()

    assert events.update_event(event, _data(event, place="Hamnkontoret, plan 2")) == 1
    db.session.commit()

    assert event.sequence > first
    assert _invitation(event, people.anna).sent_sequence == event.sequence
    for contact in (people.bertil, people.info, people.berra):
        assert _invitation(event, contact).sent_sequence == first, f"{contact.name} was not told of the change"
    assert _recipients(f"invite:{_invitation(event, people.anna).id}:{event.sequence}") == [people.anna.email]


def test_uninviting_a_blocked_invitee_says_no_message_was_sent_and_a_reminder_is_not_recorded(app, factories):
    people = _people(factories, blocked=False)
    event = _event(factories)
    invitations.invite(event, people.everyone, NOW)
    _block(people)
    db.session.commit()

    assert answers.remind_unanswered(event) == 1
    db.session.commit()
    assert _invitation(event, people.anna).reminded_at is not None
    for contact in (people.bertil, people.info, people.berra):
        assert _invitation(event, contact).reminded_at is None

    assert invitations.uninvite(_invitation(event, people.berra)) is False, "the gate dropped the CANCEL"
    assert invitations.uninvite(_invitation(event, people.anna)) is True
    db.session.commit()
    assert _recipients("cancel:") == [people.anna.email]


def test_an_invitation_the_gate_drops_after_the_plan_let_it_through_is_taken_back(app, factories, monkeypatch):
    # The plan and the outbox read the address alike; should they ever differ, nothing stays recorded as sent.
    people = _people(factories)
    event = _event(factories)
    db.session.commit()
    monkeypatch.setattr(invite_plan, "gate_reasons", lambda addresses: {})

    created, plan = invitations.invite(event, [people.anna, people.info], NOW)
    db.session.commit()

    assert [invitation.contact_id for invitation in created] == [people.anna.id]
    assert [(item.contact.name, item.reason) for item in plan.excluded] == [
        ("Info Verkstaden", "Adressen får inga utskick (invändning eller reklamspärr)")]
    taken_back = _invitation(event, people.info)
    assert taken_back.uninvited_at is not None
    assert taken_back.invited_at is None and taken_back.sent_sequence is None
    assert _recipients("invite:") == [people.anna.email]


@pytest.mark.parametrize("gated", [False, True], ids=["none-gated", "half-gated"])
def test_the_plan_costs_as_many_statements_for_many_contacts_as_for_few(app, factories, count_queries, gated):
    def statements(how_many: int) -> int:
        event = _event(factories)
        contacts = [factories.contact() for _ in range(how_many)]
        if gated:  # half of them at a Reklamspärr company's generic address, or at an objector's other address
            for number, contact in enumerate(contacts[:how_many // 2]):
                if number % 2:
                    factories.company(email=contact.email, ad_block=True)
                else:
                    objector = factories.contact(objection=True)
                    db.session.add(KnownAddress(contact_id=objector.id, email=contact.email))
        db.session.commit()
        contacts = db.session.scalars(select(ContactPerson).where(
            ContactPerson.id.in_([contact.id for contact in contacts]))).all()
        with count_queries() as log:
            plan = invite_plan.plan_invitations(event, contacts)
        assert len(plan.excluded) == (how_many // 2 if gated else 0)
        return log.count

    assert statements(4) == statements(40)
