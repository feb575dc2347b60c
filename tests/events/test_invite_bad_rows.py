"""One contact whose name or address cannot go into a message never fails an invitation batch: it is
reported by name on the page and left out, and the others are invited together."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from crm.companies.models import ContactPerson
from crm.events.models import Invitation
from crm.extensions import db
from tests.events.helpers import outbox


def test_a_stored_name_with_a_control_character_is_skipped_and_reported(client, login_as, factories, caplog):
    login_as("organizer")
    event = factories.event()
    good = [factories.contact(name=f"Person {n}") for n in range(3)]
    bad = factories.contact(name="Berit Bok")
    db.session.commit()
    # Stored before names were cleaned at input: written directly, as old data is.
    db.session.execute(update(ContactPerson).where(ContactPerson.id == bad.id)
                       .values(name="Berit\x0bBok\r\nBcc: x@evil.example"))
    db.session.commit()
    ids = [bad.id, *(contact.id for contact in good)]

    with caplog.at_level(logging.WARNING):
        response = client.post(f"/evenemang/{event.id}/bjud-in?kalla=valda&steg=granska"
                               + "".join(f"&kontakt={i}" for i in ids), data={"contacts": [str(i) for i in ids]})

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 inbjudningar har lagts i utkorgen" in page
    assert "Berit Bok  Bcc: x@evil.example fick ingen inbjudan" in page and "styrtecken" in page
    rows = outbox("invite:")
    assert sorted(row.recipients for row in rows) == sorted(contact.email for contact in good)
    invited = set(db.session.scalars(select(Invitation.contact_id).where(Invitation.event_id == event.id)))
    assert invited == {contact.id for contact in good}
    logged = [record.getMessage() for record in caplog.records if f"contact {bad.id}" in record.getMessage()]
    assert logged and "Berit" not in logged[0] and bad.email not in logged[0]


def test_an_update_skips_an_invitee_whose_stored_address_cannot_be_written(app, factories):
    from crm.events import invitations

    event = factories.event()
    people = [factories.invitation(event, factories.contact(name=f"Person {n}")) for n in range(3)]
    db.session.commit()
    db.session.execute(update(Invitation).where(Invitation.id == people[1].id)
                       .values(email="p1@example.se\nBcc: x@evil.example"))
    db.session.commit()
    db.session.expire_all()

    queued = invitations.send_requests(event, [db.session.get(Invitation, p.id) for p in people],
                                       invitations.utcnow())

    assert queued == 2
    assert sorted(row.dedupe_key for row in outbox("invite:")) == sorted(
        f"invite:{p.id}:{event.sequence}" for p in (people[0], people[2]))
