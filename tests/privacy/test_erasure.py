"""Erasure of a contact person (art. 17): exactly what the page says goes, the statistics stay, finalised notes
are unchanged byte for byte, and no personal value is left anywhere else in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, update

from crm.audit.models import AuditEntry
from crm.companies.models import Company, ContactPerson, ObjectionScope
from crm.errors import RuleRefused
from crm.events.models import Answer, Attendance, DietaryNeed, Invitation
from crm.events.registration_models import Registration
from crm.extensions import db
from crm.inbox.models import InboxMessage, InboxStatus, KnownAddress
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.meetings.models import Interaction, NoteStatus, interaction_contacts
from crm.networks.models import NetworkMembership
from crm.privacy import erasure
from crm.privacy.erasure import ERASED, erased_name
from crm.privacy.models import AccessRequest, IdentityCheck
from crm.timeutil import utcnow
from crm.visits.models import Visit, visit_contacts
from tests.conftest import login

NAME = "Åsa Ödmark-Lindqvist"
EMAIL = "asa.odmark@verkstaden.example"
PRIVATE = "asa.privat@gmejl.example"
PHONE = "070-555 12 34"
NOTE = "Ringde och bad att slippa utskick"
PERSONAL = (NAME, EMAIL, PRIVATE, PHONE, NOTE)


@dataclass
class World:
    contact: ContactPerson
    bystander: ContactPerson
    company: Company
    final_linked: Interaction
    final_mentioning: Interaction
    draft_mentioning: Interaction
    visit_mentioning: Visit
    invitation: Invitation
    guest_invitation: Invitation
    registration: Registration
    request: AccessRequest


def _outbox(key: str, to: str, status: OutboxStatus = OutboxStatus.SENT) -> OutboxMessage:
    raw = f"To: {to}\r\nSubject: Inbjudan {key}\r\n\r\nHej!\r\n".encode()
    row = OutboxMessage(dedupe_key=key, kind="invitation", status=status, recipients=to, subject=f"Inbjudan {key}",
                        message_id=f"<{key}@crm.example>", raw=raw, sent_at=utcnow() if status == OutboxStatus.SENT
                        else None)
    db.session.add(row)
    return row


def build_world(factories, users) -> World:
    """A contact person with data in every table the erasure touches, and a bystander with the same kinds of data."""
    company, other = factories.company(name="Verkstaden i Åbyvik AB"), factories.company()
    contact = factories.contact(company, name=NAME, email=EMAIL, phone=PHONE)
    bystander = factories.contact(company, name="Bo Berg", email="bo.berg@verkstaden.example", phone="070-111")
    factories.contact(other)
    db.session.add(KnownAddress(contact=contact, email=PRIVATE))
    final_linked = factories.interaction(company, author=users["staff"], final=True, contacts=[contact, bystander],
                                         note="Möte om lokaler.")
    final_mentioning = factories.interaction(other, author=users["staff"], final=True,
                                             note=f"{NAME} berättade om expansionen.")
    draft_mentioning = factories.interaction(company, author=users["staff"], note=f"Skicka offert till {EMAIL}.")
    factories.interaction(company, author=users["staff"], contacts=[contact], note="Utkast utan namn.")
    visit_mentioning = factories.booked_visit(company, contacts=[contact, bystander],
                                              summary=f"Vi träffade {NAME} och Bo.")
    factories.visit(other, contacts=[contact])
    event, other_event = factories.event(asks_dietary=True), factories.event(start=datetime(2026, 12, 11, 7, 30))
    invitation = factories.invitation(event, contact, answer=Answer.YES, attendance=Attendance.ATTENDED)
    db.session.add(DietaryNeed(invitation=invitation, categories="gluten", other="Celiaki, svår"))
    bystanders_invitation = factories.invitation(event, bystander, answer=Answer.YES, attendance=Attendance.ATTENDED)
    db.session.add(DietaryNeed(invitation=bystanders_invitation, categories="vegetariskt"))
    factories.invitation(other_event, contact, answer=Answer.NO)
    guest_invitation = Invitation(event=other_event, contact=None, name="Åsa Ö", email=PRIVATE, rsvp_key="gast-key-1",
                                  answer=Answer.YES, invited_at=utcnow())
    db.session.add(guest_invitation)
    db.session.add(DietaryNeed(invitation=guest_invitation, categories="laktos", other=""))
    db.session.flush()
    registration = Registration(event=other_event, name="Åsa Ö", email=PRIVATE, company_name="Verkstaden",
                                org_number="", dietary="laktos", dietary_other="", confirm_key="bekrafta-1",
                                confirmed_at=utcnow(), invitation_id=guest_invitation.id)
    db.session.add(registration)
    network = factories.network()
    factories.member(network, contact)
    factories.member(network, bystander)
    _outbox("sent-1", EMAIL)
    _outbox("pending-1", EMAIL, OutboxStatus.PENDING)
    _outbox("private-1", PRIVATE.upper())
    _outbox("bystander-1", "bo.berg@verkstaden.example")
    db.session.add(InboxMessage(message_id="<svar-1@gmejl.example>", sender=PRIVATE, subject=f"Accepterat: {NAME}",
                                method="REPLY", attendee=PRIVATE, status=InboxStatus.APPLIED,
                                invitation_id=invitation.id, raw=f"From: {NAME} <{PRIVATE}>".encode(), note=""))
    request = AccessRequest(contact=contact, received_on=date(2026, 11, 20), identity_check=IdentityCheck.E_ID,
                            identity_note="BankID", note=f"{NAME} ringde")
    db.session.add(request)
    db.session.flush()
    contact.objection, contact.objection_on = True, date(2026, 11, 1)
    contact.objection_scope, contact.objection_note = ObjectionScope.MAILINGS, NOTE
    contact.phone = PHONE + " (växel)"  # an update entry with the old and the new phone
    db.session.commit()
    return World(contact, bystander, company, final_linked, final_mentioning, draft_mentioning, visit_mentioning,
                 invitation, guest_invitation, registration, request)


def statistics() -> dict:
    """The counts erasure must keep: meetings per company, visits, invitations and attendance per event, members."""
    def grouped(query) -> dict:
        return {tuple(row[:-1]): row[-1] for row in db.session.execute(query)}

    return {
        "meetings": grouped(select(Interaction.company_id, func.count()).group_by(Interaction.company_id)),
        "meeting_contacts": grouped(select(interaction_contacts.c.interaction_id, func.count())
                                    .group_by(interaction_contacts.c.interaction_id)),
        "visits": grouped(select(Visit.company_id, func.count()).group_by(Visit.company_id)),
        "visit_contacts": grouped(select(visit_contacts.c.visit_id, func.count()).group_by(visit_contacts.c.visit_id)),
        "invitations": grouped(select(Invitation.event_id, Invitation.answer, Invitation.attendance, func.count())
                               .group_by(Invitation.event_id, Invitation.answer, Invitation.attendance)),
        "members": grouped(select(NetworkMembership.network_id, func.count()).group_by(NetworkMembership.network_id)),
    }


def final_notes() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(Interaction.__table__).where(Interaction.status == NoteStatus.FINAL).order_by(Interaction.id))]


def erase(client, contact_id: int, reason: str = "Begäran i mejl 2026-12-01"):
    return client.post(f"/kontaktpersoner/{contact_id}/radera", data={"reason": reason, "confirm": "y"})


@pytest.fixture
def world(factories, users) -> World:
    return build_world(factories, users)


def test_erasure_removes_the_personal_data_and_keeps_the_statistics(client, users, world):
    before, notes_before = statistics(), final_notes()
    contact_id = world.contact.id
    login(client, users["admin"])
    response = erase(client, contact_id)
    assert response.status_code == 302
    db.session.expire_all()
    contact = db.session.get(ContactPerson, contact_id)
    assert (contact.name, contact.email, contact.phone, contact.objection_note) == (
        erased_name(contact_id), None, None, "")
    assert contact.erased_at is not None
    assert (contact.objection, contact.objection_on, contact.objection_scope) == (
        True, date(2026, 11, 1), ObjectionScope.MAILINGS)
    assert not contact.may_receive("networks")
    assert len(contact.company_links) == 1
    assert statistics() == before
    assert final_notes() == notes_before
    assert db.session.scalars(select(KnownAddress)).all() == []
    kept_diets = db.session.scalars(select(DietaryNeed)).all()
    assert [need.categories for need in kept_diets] == ["vegetariskt"]
    outbox = db.session.scalars(select(OutboxMessage.dedupe_key)).all()
    assert outbox == ["bystander-1"]
    invitation = db.session.get(Invitation, world.invitation.id)
    assert (invitation.name, invitation.email, invitation.answer, invitation.attendance) == (
        erased_name(contact_id), None, Answer.YES, Attendance.ATTENDED)
    guest = db.session.get(Invitation, world.guest_invitation.id)
    assert (guest.name, guest.email, guest.answer) == (erased_name(contact_id), None, Answer.YES)
    registration = db.session.get(Registration, world.registration.id)
    assert (registration.name, registration.email, registration.dietary) == (erased_name(contact_id), "", "")
    assert registration.confirmed_at is not None
    request = db.session.get(AccessRequest, world.request.id)
    assert (request.note, request.identity_note, request.received_on) == ("", "", date(2026, 11, 20))
    message = db.session.scalars(select(InboxMessage)).one()
    assert (message.sender, message.attendee, message.raw, message.status) == ("", None, b"", InboxStatus.APPLIED)
    bystander = db.session.get(ContactPerson, world.bystander.id)
    assert (bystander.name, bystander.email, bystander.erased_at) == ("Bo Berg", "bo.berg@verkstaden.example", None)


def test_audit_entries_about_the_person_keep_what_happened_but_not_their_values(client, users, world):
    contact_id = world.contact.id
    about = select(AuditEntry).where(AuditEntry.entity == "ContactPerson", AuditEntry.entity_id == str(contact_id))
    before = [(entry.id, entry.action, entry.at, entry.actor, sorted(entry.changes or {}))
              for entry in db.session.scalars(about.order_by(AuditEntry.id))]
    assert any(action == "update" and "phone" in fields for _, action, _, _, fields in before)
    login(client, users["admin"])
    erase(client, contact_id, reason="Begäran via telefon")
    db.session.expire_all()
    entries = db.session.scalars(about.order_by(AuditEntry.id)).all()
    assert [(entry.id, entry.action, entry.at, entry.actor, sorted(entry.changes or {}))
            for entry in entries[:-1]] == before
    update = next(entry for entry in entries if entry.action == "update" and "phone" in entry.changes)
    assert update.changes["phone"] == [ERASED, ERASED]
    for entry in entries[:-1]:
        assert all(value in (ERASED, None) or (isinstance(value, list) and set(value) <= {ERASED, None})
                   for value in entry.changes.values()), entry.changes
    last = entries[-1]
    assert (last.action, last.actor, last.user_id) == ("erase", users["admin"].name, users["admin"].id)
    assert last.changes["reason"] == "Begäran via telefon"
    assert last.changes["removed"]["outbox_sent"] == 2 and last.changes["removed"]["outbox_cancelled"] == 1
    invitation_entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "Invitation", AuditEntry.entity_id == str(world.invitation.id),
        AuditEntry.action == "create")).one()
    assert invitation_entry.changes["name"] == ERASED and invitation_entry.changes["answer"] == "ja"


def _allowed_to_mention(world: World) -> set[tuple[str, str]]:
    """Rows that may still name the person: the allmänna handlingar, and the texts the page lists for a person
    to edit (a draft and a visit), with the audit entries about those rows."""
    return {("interactions", str(world.final_mentioning.id)), ("interactions", str(world.draft_mentioning.id)),
            ("visits", str(world.visit_mentioning.id)), ("Interaction", str(world.final_mentioning.id)),
            ("Interaction", str(world.draft_mentioning.id)), ("Visit", str(world.visit_mentioning.id))}


def test_no_personal_value_is_left_in_the_database(client, users, world):
    allowed = _allowed_to_mention(world)
    login(client, users["admin"])
    erase(client, world.contact.id)
    db.session.expire_all()
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            key = (str(row.get("entity")), str(row.get("entity_id"))) if table.name == "audit_entries" \
                else (table.name, str(row.get("id")))
            if key in allowed:
                continue
            text = " ".join(value.decode(errors="replace") if isinstance(value, bytes) else str(value)
                            for value in row.values()).lower()
            found += [(table.name, dict(row)) for value in PERSONAL if value.lower() in text]
    assert found == []
    assert NAME in db.session.get(Interaction, world.final_mentioning.id).note


def test_erasing_twice_is_refused(client, users, world):
    login(client, users["admin"])
    assert erase(client, world.contact.id).status_code == 302
    again = erase(client, world.contact.id, reason="En gång till")
    assert again.status_code == 200
    assert "Kontaktpersonen är redan raderad." in again.get_data(as_text=True)
    erasures = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).all()
    assert [entry.changes["reason"] for entry in erasures] == ["Begäran i mejl 2026-12-01"]
    page = client.get(f"/kontaktpersoner/{world.contact.id}/radera").get_data(as_text=True)
    assert 'id="redan-raderad"' in page and 'name="confirm"' not in page


def test_an_erased_person_gets_no_invitation_mail(client, users, world, factories):
    from crm.events.invitations import invite

    login(client, users["admin"])
    erase(client, world.contact.id)
    db.session.expire_all()
    contact = db.session.get(ContactPerson, world.contact.id)
    event = factories.event(start=datetime(2027, 1, 15, 7, 30))
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    invitations, _plan = invite(event, [contact])
    db.session.commit()
    assert all(invitation.email is None for invitation in invitations)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before


def test_an_erasure_that_another_admin_finished_first_is_refused(world):
    contact = world.contact
    db.session.execute(update(ContactPerson.__table__).where(ContactPerson.__table__.c.id == contact.id)
                       .values(erased_at=utcnow()))  # as a concurrent request would; the loaded object does not know
    assert contact.erased_at is None
    with pytest.raises(RuleRefused, match="redan raderad"):
        erasure.erase(contact, "Begäran")
    db.session.rollback()
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).all() == []
