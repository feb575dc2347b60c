"""Inviting many at once: a fixed number of statements, one transaction, and each message exactly the one it
would be if queued alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.companies.models import ContactPerson
from crm.events import invitations
from crm.events.calendar import invitation_ics, invitation_ics_for
from crm.events.models import Answer, EventStatus, Invitation
from crm.extensions import db
from crm.mail.compose import CalendarPart, build_message, message_id_for
from crm.mail.models import OutboxMessage
from crm.mail.render import render_mail
from tests.events.helpers import outbox
from tests.mail.helpers import without_boundaries

NOW = datetime(2026, 11, 23, 8, 0, 12, 345678, tzinfo=UTC)

# Names that quote, encode or fold differently in the To header and the ATTENDEE line.
AWKWARD_NAMES = [
    "Åsa Öberg",
    "O'Brien, Pat",
    "Anna; Bo: Cecilia",
    'Kalle "Kula" Karlsson',
    "Maximiliana Josefina Ulrika Eleonora Charlotta von Kräftgren-Östergötland af Söderby",
    "Plain Ascii Name",
]


def _alone(invitation: Invitation, now: datetime) -> bytes:
    """The invitation message as it was made one at a time (before batching), from the same inputs."""
    from flask import current_app

    event = invitation.event
    key = f"invite:{invitation.id}:{event.sequence}"
    sender = current_app.config["MAIL_FROM"]
    url = invitations.links(invitation)["respond"]
    text, html = render_mail(
        "event_invitation", event=event, invitation=invitation, links=invitations.links(invitation),
        starts=invitations.local(event.starts_at), ends=invitations.local(event.ends_at),
        location=invitations.location(event),
    )
    return build_message(
        sender=sender, to=[invitations._recipient(invitation)],
        subject=f"Inbjudan: {event.title} {invitations._when(event)}", text=text, html=html,
        message_id=message_id_for(key, sender), date=now,
        calendar=CalendarPart(invitation_ics(event, invitation, "REQUEST", now, url), "REQUEST", "inbjudan.ics"),
        reply_to=current_app.config.get("MAIL_REPLY_TO"),
    ).as_bytes()


def test_each_message_of_a_batch_is_the_one_queued_alone_byte_for_byte(app, factories):
    app.config["MAIL_REPLY_TO"] = "Näringslivsenheten svar <svar@example.se>"
    # Already invited: the event row is not touched again, so it reads afterwards as it did when queuing.
    event = factories.event(title="Frukostmöte: hållbar logistik", place="Stadshuset, Stora salen",
                            description="Rad ett\nRad två med en lång mening " + "och mer " * 20,
                            status=EventStatus.INVITED)
    contacts = [factories.contact(name=name) for name in AWKWARD_NAMES]
    db.session.commit()

    created, _plan = invitations.invite(event, contacts, NOW)

    assert len(created) == len(AWKWARD_NAMES)
    by_key = {row.dedupe_key: row for row in outbox("invite:")}
    for invitation in created:
        row = by_key[f"invite:{invitation.id}:{event.sequence}"]
        assert without_boundaries(row.raw) == without_boundaries(_alone(invitation, NOW))


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_the_shared_calendar_gives_each_invitee_the_calendar_made_alone(app, factories, method):
    event = factories.event(title="Tema; med: tecken, och en lång titel " + "x" * 80)
    people = [factories.invitation(event, factories.contact(name=name)) for name in AWKWARD_NAMES]
    people.append(factories.invitation(event, factories.contact(name="", email="utan.namn@example.se")))
    for invitation, answer in zip(people, (Answer.YES, Answer.NO, Answer.MAYBE), strict=False):
        invitation.answer = answer
    db.session.commit()

    make = invitation_ics_for(event, method, NOW)

    for invitation in people:
        url = invitations.links(invitation)["respond"]
        assert make(invitation, url) == invitation_ics(event, invitation, method, NOW, url)


def _invite_statements(factories, count_queries, how_many: int) -> int:
    event = factories.event()
    ids = [factories.contact().id for _ in range(how_many)]
    db.session.commit()
    # As the invite page has them: loaded in one query, not expired one by one by the commit.
    contacts = db.session.scalars(select(ContactPerson).where(ContactPerson.id.in_(ids))).all()
    with count_queries() as log:
        created, _plan = invitations.invite(event, contacts, NOW)
        db.session.commit()
    assert len(created) == how_many
    return log.count


def test_inviting_many_sends_as_many_statements_as_inviting_few(app, factories, count_queries):
    few = _invite_statements(factories, count_queries, 3)
    many = _invite_statements(factories, count_queries, 60)
    assert many == few
    # 11: the invite plan asks the outbox's gate once for the whole batch (crm.events.invite_plan.gate_reasons),
    # so a contact whose mail the gate would drop is left out instead of recorded as invited.
    assert few <= 11


def test_every_new_invitation_is_audited_once_with_what_was_sent(app, factories):
    event = factories.event()
    contacts = [factories.contact() for _ in range(4)]
    db.session.commit()

    created, _plan = invitations.invite(event, contacts, NOW)
    db.session.commit()

    for invitation in created:
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "Invitation", AuditEntry.entity_id == str(invitation.id))
        ).all()
        assert [entry.action for entry in entries] == ["create"]
        changes = entries[0].changes
        assert changes["sent_sequence"] == event.sequence
        assert changes["invited_at"] == NOW.isoformat()
        assert changes["contact_id"] == invitation.contact_id and changes["email"] == invitation.email
        assert "rsvp_key" not in changes
    assert event.status == EventStatus.INVITED


def test_a_rolled_back_invite_leaves_no_invitation_message_or_audit_entry(app, factories):
    event = factories.event()
    contacts = [factories.contact() for _ in range(5)]
    db.session.commit()

    def counts():
        return [db.session.scalar(select(func.count()).select_from(model)) for model in (
            Invitation, OutboxMessage, AuditEntry)]

    before = counts()
    created, _plan = invitations.invite(event, contacts, NOW)
    assert len(outbox("invite:")) == 5
    db.session.rollback()

    assert counts() == before
    assert outbox() == []


def test_inviting_again_after_an_uninvite_reuses_the_invitation(app, factories):
    event = factories.event()
    first, second = factories.contact(), factories.contact()
    db.session.commit()
    [gone, _stays], _plan = invitations.invite(event, [first, second], NOW)
    invitations.uninvite(gone, NOW)
    db.session.commit()

    created, _plan = invitations.invite(event, [first], NOW)
    db.session.commit()

    assert [invitation.id for invitation in created] == [gone.id]
    assert gone.uninvited_at is None and gone.sent_sequence == event.sequence
    assert [row.recipient_list for row in outbox(f"invite:{gone.id}:{event.sequence}")] == [[first.email]]


def test_an_update_and_a_cancel_reach_everyone_in_one_batch(app, factories, count_queries):
    event = factories.event()
    contacts = [factories.contact() for _ in range(6)]
    db.session.commit()
    invitations.invite(event, contacts, NOW)
    db.session.commit()

    event.place = "Ett annat rum"
    assert invitations.send_updates(event, NOW) == 6
    assert invitations.cancel_event(event, NOW) == 6
    db.session.commit()

    assert len(outbox("cancel:")) == 6
    assert all(invitation.sent_sequence == event.sequence - 1 for invitation in invitations.active_invitations(event))
