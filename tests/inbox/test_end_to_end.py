"""The whole way round: the CRM invites, the invitee presses "Acceptera" in Outlook, the CRM reads the reply."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.events.invitations import invite
from crm.events.models import Answer, Event, Invitation
from crm.events.services import answer_counts
from crm.extensions import db
from crm.inbox.mailbox import PROCESSED
from crm.inbox.models import InboxStatus
from crm.inbox.tasks import poll_organizer_mailbox
from crm.mail.delivery import deliver_due
from tests.inbox.helpers import WHEN, append, ics, inbox_rows, mailbox_state, reply_mail


def test_accept_in_outlook_reaches_the_invitation_once(factories, smtp, imap):
    event = factories.event(start=WHEN, capacity=20)
    contact = factories.contact(factories.company(), name="Anna Svensson", email="anna.svensson@foretag.example")
    [invitation], _plan = invite(event, [contact])
    db.session.commit()
    before = answer_counts(event)

    # The REQUEST as the invitee's mail server received it.
    assert deliver_due().sent == 1
    [received] = smtp.messages
    assert received.rcpt_tos == ["anna.svensson@foretag.example"]
    calendar = next(part for part in received.message.walk() if part.get_content_type() == "text/calendar")
    request = next(iter(calendar_in_bytes(calendar.get_payload(decode=True)).walk("VEVENT")))
    assert str(calendar_in_bytes(calendar.get_payload(decode=True)).get("METHOD")) == "REQUEST"

    # Outlook's answer: the same UID and SEQUENCE, PARTSTAT=ACCEPTED, and no ORGANIZER.
    reply = ics("REPLY", str(request["UID"]), attendee="Anna.Svensson@foretag.example", partstat="ACCEPTED",
                sequence=int(request.get("SEQUENCE", 0)), dtstamp=datetime(2030, 11, 21, 8, 0, tzinfo=UTC))
    assert b"ORGANIZER" not in reply
    append(imap, reply_mail(reply, sender="anna.svensson@foretag.example", subject="Accepterat: " + event.title))

    assert poll_organizer_mailbox() == 1

    db.session.expire_all()
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.answer == Answer.YES and invitation.answer.label == "ja"
    event = db.session.get(Event, event.id)
    after = answer_counts(event)
    assert (before.yes, after.yes) == (0, 1)
    assert (before.unanswered, after.unanswered) == (1, 0)
    assert event.places_taken == 1
    [row] = inbox_rows()
    assert row.status == InboxStatus.APPLIED
    [flags] = mailbox_state(imap)
    assert "\\Seen" in flags and PROCESSED in flags

    # A second run: nothing to read, nothing changes.
    audit_count = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert poll_organizer_mailbox() == 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_count
    assert answer_counts(db.session.get(Event, event.id)) == after
    assert len(inbox_rows()) == 1


def calendar_in_bytes(body: bytes):
    from icalendar import Calendar

    calendar = Calendar.from_ical(body)
    assert not calendar.errors
    return calendar


