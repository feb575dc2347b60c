"""Replies from calendar programs read from a real IMAP server (Dovecot) by the scheduler's job."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.events.models import Answer, Event, Invitation
from crm.extensions import db
from crm.inbox.mailbox import PROCESSED, SKIPPED
from crm.inbox.models import InboxStatus, KnownAddress
from crm.inbox.services import VIA
from crm.inbox.tasks import poll_organizer_mailbox
from tests.conftest import login
from tests.inbox.helpers import STAMP, WHEN, append, ics, inbox_rows, mailbox_state, reply_mail
from tests.support.imapserver import DONE_FOLDER


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def invited(factories, email="anna.svensson@foretag.example", **event_fields):
    event = factories.event(start=WHEN, **event_fields)
    contact = factories.contact(factories.company(), name="Anna Svensson", email=email)
    invitation = factories.invitation(event, contact)
    db.session.commit()
    return event, invitation


def via_entries(invitation_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "Invitation", AuditEntry.entity_id == str(invitation_id), AuditEntry.actor == VIA)))


def test_an_outlook_reply_without_organizer_answers_the_invitation_and_is_flagged(factories, imap):
    event, invitation = invited(factories, capacity=10)
    raw = reply_mail(ics("REPLY", event.uid, attendee="Anna.Svensson@Foretag.example"),
                     sender="anna.svensson@foretag.example")
    assert b"ORGANIZER" not in raw
    append(imap, raw)

    assert poll_organizer_mailbox() == 1

    invitation = fresh(Invitation, invitation.id)
    assert invitation.answer == Answer.YES and invitation.has_place
    assert fresh(Event, event.id).places_taken == 1
    [row] = inbox_rows()
    assert (row.status, row.matched_by, row.invitation_id) == (InboxStatus.APPLIED, "attendee", invitation.id)
    assert row.raw == raw  # kept for the audit trail, byte for byte
    assert via_entries(invitation.id), "the answer's audit entries name the calendar program"
    [flags] = mailbox_state(imap)
    assert "\\Seen" in flags and PROCESSED in flags


def test_a_gmail_alias_waits_for_a_person_and_is_known_the_next_time(factories, imap, app, client, users):
    event, invitation = invited(factories, email="anna@foretag.example")
    alias = "anna.svensson.privat@gmail.example"
    append(imap, reply_mail(ics("REPLY", event.uid, attendee=alias), sender=alias, subject="Inbjudan: Frukostmöte"))

    poll_organizer_mailbox()
    [row] = inbox_rows()
    assert row.status == InboxStatus.UNMATCHED and row.event_id == event.id
    assert fresh(Invitation, invitation.id).answer is None, "nothing is applied to a guess"

    login(client, users["organizer"])
    with client.application.test_request_context():
        event_url = url_for("events.show", event_id=event.id)
    assert "1 svar väntar på handläggning" in client.get(event_url).get_data(as_text=True)
    page = client.get("/inkorg/").get_data(as_text=True)
    assert alias in page and event.title in page
    response = client.post(f"/inkorg/{row.id}/koppla", data={f"m{row.id}-invitation": invitation.id,
                                                            f"m{row.id}-answer": "ja"})
    assert response.status_code == 302
    assert fresh(Invitation, invitation.id).answer == Answer.YES
    known = db.session.scalar(select(KnownAddress.email).where(KnownAddress.contact_id == invitation.contact_id))
    assert known == alias

    # The next event: the alias is now one of Anna's known addresses.
    other = factories.event(start=WHEN + timedelta(days=7))
    second = factories.invitation(other, invitation.contact)
    db.session.commit()
    append(imap, reply_mail(ics("REPLY", other.uid, attendee=alias, partstat="TENTATIVE"), sender=alias))
    poll_organizer_mailbox()
    assert fresh(Invitation, second.id).answer == Answer.MAYBE
    assert inbox_rows()[-1].matched_by == "alias"


def test_a_reply_to_an_older_sequence_is_ignored_and_recorded(factories, imap):
    event, invitation = invited(factories, sequence=3)
    append(imap, reply_mail(ics("REPLY", event.uid, attendee=invitation.email, partstat="DECLINED", sequence=2),
                            sender=invitation.email))

    poll_organizer_mailbox()

    assert fresh(Invitation, invitation.id).answer is None
    [row] = inbox_rows()
    assert row.status == InboxStatus.STALE and row.invitation_id == invitation.id
    assert "SEQUENCE 2, nu 3" in row.note
    assert PROCESSED in mailbox_state(imap)[0]


def test_a_counter_is_a_proposal_on_the_event_page_never_applied(factories, imap, client, users):
    event, invitation = invited(factories, capacity=5)
    starts = event.starts_at
    append(imap, reply_mail(
        ics("COUNTER", event.uid, attendee=invitation.email, partstat="TENTATIVE", start="20301206T070000Z",
            end="20301206T083000Z", comment="Kan vi börja 08.00?"),
        sender=invitation.email, subject="Ny tid föreslås: Frukostmöte", method="COUNTER"))

    poll_organizer_mailbox()

    [row] = inbox_rows()
    assert row.status == InboxStatus.COUNTER and row.invitation_id == invitation.id
    event = fresh(Event, event.id)
    assert event.starts_at == starts and fresh(Invitation, invitation.id).answer is None
    login(client, users["organizer"])
    with client.application.test_request_context():
        url = url_for("events.show", event_id=event.id)
    page = client.get(url).get_data(as_text=True)
    assert "Förslag på ny tid" in page and "Kan vi börja 08.00?" in page and "08:00" in page


def test_a_resource_mailbox_reply_without_attendee_is_matched_by_its_sender(factories, imap):
    event, invitation = invited(factories, email="lokal.stora-salen@kommun.example")
    append(imap, reply_mail(ics("REPLY", event.uid, attendee=None), sender="Lokal.Stora-Salen@kommun.example",
                            subject="Accepted: Frukostmöte"))

    poll_organizer_mailbox()

    [row] = inbox_rows()
    assert (row.status, row.matched_by, row.partstat) == (InboxStatus.APPLIED, "from", "ACCEPTED")
    assert fresh(Invitation, invitation.id).answer == Answer.YES


def test_the_same_message_delivered_twice_changes_the_answer_once(factories, imap):
    event, invitation = invited(factories, capacity=10)
    raw = reply_mail(ics("REPLY", event.uid, attendee=invitation.email), sender=invitation.email,
                     message_id="<twice@outlook.example>")
    append(imap, raw)
    append(imap, raw)

    assert poll_organizer_mailbox() == 2

    assert len(inbox_rows()) == 1
    assert fresh(Event, event.id).places_taken == 1
    assert len([e for e in via_entries(invitation.id) if e.changes and e.changes.get("via") == VIA]) == 1
    assert all(PROCESSED in flags for flags in mailbox_state(imap))
    assert poll_organizer_mailbox() == 0


def test_a_declined_reply_frees_the_place_for_the_first_on_the_waiting_list(factories, imap):
    event, first = invited(factories, capacity=1)
    from crm.events.answers import respond
    respond(first, Answer.YES)
    waiting = factories.invitation(event, factories.contact(name="Bo Berg"))
    respond(waiting, Answer.YES)
    db.session.commit()
    assert fresh(Invitation, waiting.id).waitlisted_at is not None
    append(imap, reply_mail(ics("REPLY", event.uid, attendee=first.email, partstat="DECLINED"),
                            sender=first.email, subject="Avböjt: Frukostmöte"))

    poll_organizer_mailbox()

    assert fresh(Invitation, first.id).answer == Answer.NO
    promoted = fresh(Invitation, waiting.id)
    assert promoted.has_place and promoted.waitlisted_at is None
    assert fresh(Event, event.id).places_taken == 1


def test_the_latest_dtstamp_wins_whatever_order_the_replies_come_in(factories, imap):
    event, invitation = invited(factories)
    later = reply_mail(ics("REPLY", event.uid, attendee=invitation.email, partstat="DECLINED",
                           dtstamp=STAMP + timedelta(hours=2)), sender=invitation.email)
    earlier = reply_mail(ics("REPLY", event.uid, attendee=invitation.email, partstat="ACCEPTED", dtstamp=STAMP),
                         sender=invitation.email)
    append(imap, later)
    append(imap, earlier)

    poll_organizer_mailbox()

    assert fresh(Invitation, invitation.id).answer == Answer.NO
    assert [row.status for row in inbox_rows()] == [InboxStatus.APPLIED, InboxStatus.SUPERSEDED]


def test_handled_messages_move_to_the_done_folder_and_other_mail_stays_unread(factories, imap, app):
    app.config["IMAP_DONE_FOLDER"] = DONE_FOLDER
    event, invitation = invited(factories)
    append(imap, reply_mail(ics("REPLY", event.uid, attendee=invitation.email), sender=invitation.email))
    append(imap, b"From: kollega@kommun.example\r\nSubject: Lunch?\r\nMessage-ID: <lunch@kommun.example>\r\n"
                 b"\r\nHej!\r\n")

    assert poll_organizer_mailbox() == 1

    assert mailbox_state(imap) == [(SKIPPED,)], "a person's mail stays unread, only marked as looked at"
    [moved] = mailbox_state(imap, DONE_FOLDER)
    assert PROCESSED in moved
    assert len(inbox_rows()) == 1
