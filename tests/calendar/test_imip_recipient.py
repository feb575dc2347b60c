"""What each invitee's calendar object says about them: their own answer page (not the staff page, which needs
a login) in DESCRIPTION and URL, their current PARTSTAT in updates, and no reply asked for in a CANCEL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm.events.answers import respond
from crm.events.invitations import cancel_event, invite, links, send_updates, uninvite
from crm.events.models import Answer
from crm.extensions import db
from crm.mail.delivery import deliver_due
from tests.calendar.checks import calendar_parts, icalendar_errors, properties, value, vevents

NOW = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


@pytest.fixture
def event(factories):
    return factories.event(title="Frukostmöte om export", start=datetime(2026, 12, 4, 7, 30),
                           place="Stadshuset", description="Kaffe från 07.15.")


@pytest.fixture
def invited(factories, event):
    company = factories.company(name="Åbyvik Bygg AB")
    contacts = [factories.contact(company, name=f"Person {n}", email=f"person{n}@foretag.example")
                for n in range(4)]
    created, _ = invite(event, contacts, now=NOW)
    db.session.commit()
    return created


def _calendars(smtp, since: int = 0) -> dict[str, bytes]:
    """Each recipient's text/calendar bytes, of the messages received after the first `since`."""
    return {m.rcpt_tos[0]: calendar_parts(m.message)[0] for m in smtp.messages[since:]}


def _attendee_parameters(ics: bytes) -> list[str]:
    [attendee] = properties(ics, "ATTENDEE")
    return attendee.split(":mailto:")[0].split(";")[1:]


def test_description_and_url_carry_the_invitees_own_answer_page(app, smtp, event, invited):
    deliver_due(NOW)
    event.place = "Biblioteket"
    send_updates(event, LATER)
    db.session.commit()
    deliver_due(LATER)

    assert len(smtp.messages) == 2 * len(invited)
    for message in smtp.messages:
        ics = calendar_parts(message.message)[0]
        invitation = next(i for i in invited if i.email == message.rcpt_tos[0])
        answer_page = links(invitation)["respond"]
        assert value(ics, "URL") == answer_page
        [vevent] = vevents(ics)
        assert str(vevent["DESCRIPTION"]) == f"Kaffe från 07.15.\n\n{answer_page}"
        assert b"/evenemang/" not in ics.replace(b"\r\n ", b"")  # the staff page (needs a login) is nowhere
        assert not icalendar_errors(ics)
    # Each invitee's link is their own.
    assert len({value(ics, "URL") for ics in _calendars(smtp).values()}) == len(invited)


def test_an_update_carries_each_invitees_current_answer(app, smtp, event, invited):
    yes, no, maybe, silent = invited
    for invitation, answer in ((yes, Answer.YES), (no, Answer.NO), (maybe, Answer.MAYBE)):
        respond(invitation, answer, NOW)
    db.session.commit()
    deliver_due(NOW)
    first = len(smtp.messages)

    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    assert send_updates(event, LATER) == 4
    db.session.commit()
    deliver_due(LATER)

    updates = _calendars(smtp, since=first)
    expected = {yes: "ACCEPTED", no: "DECLINED", maybe: "TENTATIVE", silent: "NEEDS-ACTION"}
    for invitation, partstat in expected.items():
        ics = updates[invitation.email]
        assert value(ics, "METHOD") == "REQUEST"
        parameters = _attendee_parameters(ics)
        assert f"PARTSTAT={partstat}" in parameters, (invitation.email, parameters)
        assert "RSVP=TRUE" in parameters
        assert str(vevents(ics)[0]["ATTENDEE"].params["PARTSTAT"]) == partstat


def test_a_cancel_asks_for_no_reply(app, smtp, event, invited):
    respond(invited[0], Answer.YES, NOW)
    db.session.commit()
    assert cancel_event(event, LATER) == len(invited)
    db.session.commit()
    deliver_due(LATER)

    cancels = _calendars(smtp, since=len(invited))
    assert sorted(cancels) == sorted(i.email for i in invited)
    for ics in cancels.values():
        assert value(ics, "METHOD") == "CANCEL"
        assert b"RSVP=TRUE" not in ics.replace(b"\r\n ", b"")
        assert not any(parameter.startswith("RSVP=") and parameter != "RSVP=FALSE"
                       for parameter in _attendee_parameters(ics))


def test_uninviting_sends_a_cancel_that_asks_for_no_reply(app, smtp, event, invited):
    deliver_due(NOW)
    assert uninvite(invited[1], LATER) is True
    db.session.commit()
    deliver_due(LATER)

    [ics] = _calendars(smtp, since=len(invited)).values()
    assert value(ics, "METHOD") == "CANCEL"
    assert "RSVP=TRUE" not in _attendee_parameters(ics)
    assert value(ics, "URL") == links(invited[1])["respond"]
