"""The objection sweep (issue 17): every kind of mail to people the outbox knows (crm.mail.kinds) is walked
through its real path — invitation and update, cancellation and uninvitation, reminder, waiting-list place,
open-registration confirmation — with four recipients:

- Bertil, a contact person who objected (GDPR art. 21);
- Info, a contact person whose address is the generic address of a company with Reklamspärr;
- Berra, a contact person whose address the inbox knows as another address of Bertil's;
- Anna, who may get mail.

Each is invited (or signs up) while nobody objects, where the path needs that; then Bertil objects, the
company gets its spärr and the inbox learns the address, and the path runs. Only Anna gets an outbox row;
for the invitation, end to end, only Anna's address reaches the SMTP server. A "people" kind without a
walk here fails `test_every_kind_of_mail_to_people_is_walked`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.companies.models import Company, ContactPerson, ObjectionScope
from crm.events import answers, invitations
from crm.events import registration as registrations
from crm.events import services as events
from crm.events.models import Answer, Event, Invitation
from crm.extensions import db
from crm.inbox.models import KnownAddress
from crm.mail import kinds
from crm.mail.delivery import deliver_due
from crm.mail.models import OutboxMessage
from crm.timeutil import utcnow
from tests.feeds.helpers import local_days_from_now


@dataclasses.dataclass
class People:
    anna: ContactPerson
    bertil: ContactPerson
    info: ContactPerson
    berra: ContactPerson
    company: Company

    @property
    def everyone(self) -> list[ContactPerson]:
        return [self.anna, self.bertil, self.info, self.berra]

    @property
    def blocked_addresses(self) -> set[str]:
        return {self.bertil.email, self.info.email, self.berra.email}

    def block(self) -> None:
        """Bertil objects, the company gets Reklamspärr, the inbox learns Berra's address as Bertil's."""
        self.bertil.objection = True
        self.bertil.objection_on = date(2026, 11, 30)
        self.bertil.objection_scope = ObjectionScope.MAILINGS
        self.company.ad_block = True
        db.session.add(KnownAddress(contact_id=self.bertil.id, email=self.berra.email))
        db.session.flush()


@pytest.fixture
def people(factories) -> People:
    company = factories.company(name="Spärrade Verkstaden AB", email="info@sparrade.example")
    open_company = factories.company(name="Öppna Caféet AB", email="info@oppna.example")
    return People(
        anna=factories.contact(open_company, name="Anna Ek", email="anna@oppna.example"),
        bertil=factories.contact(name="Bertil Berg", email="bertil@foretag.example"),
        info=factories.contact(company, name="Info Verkstaden", email="info@sparrade.example"),
        berra=factories.contact(name="Berra Berg", email="berra.privat@post.example"),
        company=company,
    )


def _event(factories, **fields) -> Event:
    return factories.event(title="Frukost i hamnen", start=local_days_from_now(14, 7, 30), **fields)


def _invited(factories, people: People, **fields) -> Event:
    """An event everyone was invited to while nobody objected."""
    event = _event(factories, **fields)
    created, plan = invitations.invite(event, people.everyone)
    assert len(created) == 4 and not plan.excluded
    return event


def _data(event: Event, **changes) -> events.EventData:
    data = events.EventData(
        title=event.title, kind=event.kind, starts_at=event.starts_at, ends_at=event.ends_at,
        network_id=event.network_id, place=event.place, link=event.link, description=event.description,
        capacity=event.capacity, registration_deadline=event.registration_deadline, asks_dietary=event.asks_dietary,
    )
    return dataclasses.replace(data, **changes)


def _invitation(event: Event, contact: ContactPerson) -> Invitation:
    return db.session.scalar(select(Invitation).where(Invitation.event_id == event.id,
                                                       Invitation.contact_id == contact.id))


# --- The walks: each runs the real path of one kind after `people.block()` ------------------------------------


def walk_invitation_and_update(factories, people: People) -> None:
    """event-request: a new invitation (the invite plan already leaves Bertil out; the gate the others), and
    the update of an event everyone was invited to before."""
    earlier = _invited(factories, people)
    people.block()
    invitations.invite(_event(factories), people.everyone)
    assert events.update_event(earlier, _data(earlier, place="Hamnkontoret, plan 2")) >= 1


def walk_cancellation_and_uninvitation(factories, people: People) -> None:
    """event-cancel: the event cancelled, and one person uninvited from another."""
    cancelled, other = _invited(factories, people), _invited(factories, people)
    people.block()
    events.cancel(cancelled)
    for contact in people.everyone:
        invitations.uninvite(_invitation(other, contact))


def walk_reminder(factories, people: People) -> None:
    """event-reminder: a reminder to those who have not answered."""
    event = _invited(factories, people)
    people.block()
    answers.remind_unanswered(event)


def walk_waiting_list_place(factories, people: People) -> None:
    """event-place: all four said yes to a full event, then the organizer adds places."""
    event = _invited(factories, people, capacity=1)
    holder = factories.contact(name="Greta Grön", email="greta@oppna.example")
    created, _ = invitations.invite(event, [holder])
    answers.respond(created[0], Answer.YES)
    for contact in people.everyone:
        assert answers.respond(_invitation(event, contact), Answer.YES).waitlisted
    people.block()
    events.update_event(event, _data(event, capacity=10))
    db.session.expire_all()
    assert all(_invitation(event, contact).has_place for contact in people.everyone)


def walk_registration_confirmation(factories, people: People) -> None:
    """registration-confirm: each of them signs up on the event's open registration page."""
    page = registrations.save_page(_event(factories), "frukost-i-hamnen", True)
    people.block()
    for contact in people.everyone:
        registrations.register(page, registrations.RegistrationData(name=contact.name, email=contact.email))


WALKS: dict[str, Callable[..., None]] = {
    "event-request": walk_invitation_and_update,
    "event-cancel": walk_cancellation_and_uninvitation,
    "event-reminder": walk_reminder,
    "event-place": walk_waiting_list_place,
    "registration-confirm": walk_registration_confirmation,
}


def test_every_kind_of_mail_to_people_is_walked():
    assert set(WALKS) == kinds.people_kinds()


def _rows_after(first_id: int) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > first_id).order_by(OutboxMessage.id)))


def _last_id() -> int:
    return db.session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))


@pytest.mark.parametrize("kind", sorted(WALKS))
def test_no_mail_of_any_kind_reaches_an_objecting_or_blocked_address(app, factories, people, kind, monkeypatch):
    before: list[int] = []
    block = people.block

    def block_and_mark() -> None:  # only what is queued after the block counts
        block()
        before.append(_last_id())

    monkeypatch.setattr(people, "block", block_and_mark)

    WALKS[kind](factories, people)

    assert before, "the walk never blocked anyone"
    rows = _rows_after(before[0])
    assert {row.kind for row in rows} == {kind}, "the walk went through another kind's path"
    recipients = [address for row in rows for address in row.recipient_list]
    assert people.anna.email in recipients, "the one who may get mail got it"
    assert set(recipients) == {people.anna.email}
    assert not people.blocked_addresses & set(recipients)


def test_the_invitation_reaches_only_the_allowed_address_at_the_smtp_server(app, factories, people, smtp):
    people.block()
    event = _event(factories)

    created, plan = invitations.invite(event, people.everyone)
    db.session.commit()
    report = deliver_due(utcnow() + timedelta(seconds=1))

    assert [exclusion.contact.name for exclusion in plan.excluded] == ["Bertil Berg", "Info Verkstaden",
                                                                      "Berra Berg"], "the plan says why"
    assert report.sent == 1
    assert [received.rcpt_tos for received in smtp.messages] == [[people.anna.email]]
    raw = b"".join(received.data for received in smtp.messages)
    assert all(address.encode() not in raw for address in people.blocked_addresses)
