"""The rules for replies from calendar programs: match a REPLY to an invitation, apply it through the RSVP
page's own rule (crm.events.answers.respond), keep what cannot be matched for a person, and show a COUNTER.

Matching: the UID names the event (the one the invitation carried); then the invitation is the one whose
address is the reply's ATTENDEE (case-folded), else the From address, else one of the contact person's other
known addresses (addresses learned by hand, the contact's own, the addresses of their other invitations).
A reply to an older SEQUENCE than the event's, or stamped (DTSTAMP) before a reply already applied for the
same invitation, changes nothing and is recorded as such. Each message is processed once (its Message-ID).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crm.audit.mixins import record, system_actor
from crm.companies.models import ContactPerson
from crm.events.answers import respond
from crm.events.invitations import AnswersClosed
from crm.events.models import Answer, Event, Invitation
from crm.extensions import db
from crm.inbox.models import InboxMessage, InboxStatus, KnownAddress
from crm.inbox.parsing import Reply, address_of, parse
from crm.timeutil import as_utc, utcnow

VIA = "svar via kalenderprogram"
ANSWERS = {"ACCEPTED": Answer.YES, "DECLINED": Answer.NO, "TENTATIVE": Answer.MAYBE}
# Resource mailboxes (Exchange) may leave ATTENDEE out; their subject still says what they answered.
SUBJECT_ANSWERS = (
    (re.compile(r"^\s*(accepted|accepterat|accepterad|godkänt|godkänd)\b", re.I), "ACCEPTED"),
    (re.compile(r"^\s*(declined|avböjt|avböjd|nekat)\b", re.I), "DECLINED"),
    (re.compile(r"^\s*(tentative|tentatively accepted|preliminärt|preliminär)\b", re.I), "TENTATIVE"),
)


class InboxRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Outcome:
    message: InboxMessage | None  # None: not a calendar message, nothing recorded
    duplicate: bool = False  # the Message-ID was processed before: nothing changed
    changed: bool = False  # an invitation's answer was written

    def describe(self) -> str:
        if self.message is None:
            return _("Inget kalendersvar i meddelandet; ingenting ändrat.")
        if self.duplicate:
            return _("Meddelandet %(id)s är redan behandlat; ingenting ändrat.", id=self.message.message_id)
        return self.message.note


def _address_set(reply: Reply) -> list[str]:
    addresses = [a.address for a in reply.attendees if a.address] + ([reply.sender] if reply.sender else [])
    return list(dict.fromkeys(addresses))


def _by_address(invitations: list[Invitation], address: str) -> Invitation | None:
    found = [i for i in invitations if i.email and i.email.casefold() == address]
    return found[0] if len(found) == 1 else None


def _by_known_addresses(event: Event, invitations: list[Invitation], addresses: list[str]) -> Invitation | None:
    """The one invitation of `event` whose contact person is known to use one of `addresses`."""
    if not addresses:
        return None
    contacts = set(db.session.scalars(select(KnownAddress.contact_id).where(KnownAddress.email.in_(addresses))))
    contacts |= set(db.session.scalars(
        select(ContactPerson.id).where(func.lower(ContactPerson.email).in_(addresses))
    ))
    contacts |= set(db.session.scalars(
        select(Invitation.contact_id).where(func.lower(Invitation.email).in_(addresses),
                                            Invitation.contact_id.is_not(None))
    ))
    found = [i for i in invitations if i.contact_id is not None and i.contact_id in contacts]
    return found[0] if len(found) == 1 else None


def match(event: Event, reply: Reply) -> tuple[Invitation | None, str, str]:
    """(invitation, how it was matched, the PARTSTAT that answers for it) within the event the UID named."""
    invitations = list(db.session.scalars(select(Invitation).where(Invitation.event_id == event.id)))
    for attendee in reply.attendees:
        invitation = _by_address(invitations, attendee.address)
        if invitation is not None:
            return invitation, "attendee", attendee.partstat
    partstat = _partstat(reply)
    if reply.sender:
        invitation = _by_address(invitations, reply.sender)
        if invitation is not None:
            return invitation, "from", partstat
    invitation = _by_known_addresses(event, invitations, _address_set(reply))
    if invitation is not None:
        return invitation, "alias", partstat
    return None, "", partstat


def _partstat(reply: Reply) -> str:
    """The answer when no ATTENDEE named the invitee: the only one given, else what the subject says."""
    given = {a.partstat for a in reply.attendees if a.partstat}
    if len(given) == 1:
        return given.pop()
    for pattern, partstat in SUBJECT_ANSWERS:
        if pattern.search(reply.subject):
            return partstat
    return ""


def _latest_applied(invitation: Invitation, other_than: int | None) -> datetime | None:
    latest = db.session.scalar(
        select(func.max(InboxMessage.dtstamp)).where(
            InboxMessage.invitation_id == invitation.id, InboxMessage.status == InboxStatus.APPLIED,
            InboxMessage.id != (other_than or 0),
        )
    )
    return as_utc(latest) if latest else None


def apply(row: InboxMessage, invitation: Invitation, partstat: str, how: str, now: datetime) -> bool:
    """Answer `invitation` as the reply says, unless it is stale or superseded; True when the answer was written."""
    event = invitation.event
    row.invitation, row.event, row.matched_by, row.partstat = invitation, event, how, partstat or row.partstat
    answer = ANSWERS.get(partstat)
    name = invitation.name
    if answer is None:
        row.status = InboxStatus.UNMATCHED
        row.note = _("%(name)s hittades, men svaret (%(partstat)s) går inte att läsa. Välj svar för hand.",
                     name=name, partstat=partstat or "–")
        return False
    if (row.sequence or 0) < event.sequence:
        row.status = InboxStatus.STALE
        row.note = _("Svar från %(name)s på en äldre version av inbjudan (SEQUENCE %(old)d, nu %(new)d); ignorerat.",
                     name=name, old=row.sequence or 0, new=event.sequence)
        return False
    latest = _latest_applied(invitation, row.id)
    if latest is not None and (row.dtstamp is None or as_utc(row.dtstamp) <= latest):
        row.status = InboxStatus.SUPERSEDED
        row.note = _("Ett senare svar från %(name)s gäller redan; ignorerat.", name=name)
        return False
    before = invitation.answer
    token = system_actor.set((None, VIA))
    try:
        result = respond(invitation, answer, now)
    except AnswersClosed:
        row.status = InboxStatus.CLOSED
        row.note = _("%(name)s svarade %(answer)s, men inbjudan går inte längre att besvara; ignorerat.",
                     name=name, answer=answer.label)
        return False
    finally:
        system_actor.reset(token)
    record(db.session.connection(), "update", "Invitation", invitation.id,
           {"answer": [before.value if before else None, answer.value], "via": VIA, "message_id": row.message_id})
    row.status = InboxStatus.APPLIED
    place = ""
    if answer == Answer.YES:
        place = _(" (väntelista)") if result.waitlisted else _(" (plats)")
    row.note = _("%(name)s på %(event)s: %(before)s → %(after)s%(place)s.", name=name, event=event.title,
                 before=before.label if before else _("inget svar"), after=answer.label, place=place)
    return True


def receive(raw: bytes, now: datetime | None = None) -> Outcome:
    """Process one message from the organizer mailbox; the caller commits."""
    now = now or utcnow()
    reply = parse(raw)
    if not reply.is_calendar:
        return Outcome(None)
    existing = db.session.scalar(select(InboxMessage).where(InboxMessage.message_id == reply.message_id))
    if existing is not None:
        return Outcome(existing, duplicate=True)
    row = InboxMessage(
        message_id=reply.message_id, received_at=now, sender=reply.sender, subject=reply.subject,
        method=reply.method[:20], uid=reply.uid, sequence=reply.sequence, dtstamp=reply.dtstamp,
        attendee=reply.attendees[0].address if reply.attendees else None,
        partstat=(reply.attendees[0].partstat or None) if reply.attendees else None,
        status=InboxStatus.UNMATCHED, matched_by="", note="", comment=reply.comment[:5000],
        proposed_starts_at=reply.proposed_start, proposed_ends_at=reply.proposed_end, raw=raw,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # another poll took the same message meanwhile
        existing = db.session.scalar(select(InboxMessage).where(InboxMessage.message_id == reply.message_id))
        return Outcome(existing, duplicate=True)
    changed = _route(row, reply, now)
    db.session.flush()
    return Outcome(row, changed=changed)


def _route(row: InboxMessage, reply: Reply, now: datetime) -> bool:
    if reply.method not in ("REPLY", "COUNTER") or not reply.uid:
        row.status = InboxStatus.UNREADABLE
        row.note = _("METHOD:%(method)s utan användbart svar; ingenting ändrat.", method=reply.method)
        return False
    event = db.session.scalar(select(Event).where(Event.uid == reply.uid))
    if event is None:
        row.note = _("Ingen träff har UID %(uid)s; väntar på handläggning.", uid=reply.uid)
        return False
    row.event = event
    invitation, how, partstat = match(event, reply)
    if invitation is None:
        row.note = _("Avsändaren %(sender)s hittades inte bland de inbjudna till %(event)s; väntar på handläggning.",
                     sender=reply.sender or "–", event=event.title)
        return False
    if reply.method == "COUNTER":
        row.invitation, row.matched_by, row.status = invitation, how, InboxStatus.COUNTER
        row.note = _("%(name)s föreslår en ny tid för %(event)s; inget ändrat.", name=invitation.name,
                     event=event.title)
        return False
    return apply(row, invitation, partstat, how, now)


# --- The queue an organizer works through ----------------------------------------------------------


def waiting() -> list[InboxMessage]:
    return list(db.session.scalars(
        select(InboxMessage).where(InboxMessage.status == InboxStatus.UNMATCHED)
        .order_by(InboxMessage.received_at, InboxMessage.id)
    ))


def waiting_for(event_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(InboxMessage).where(
        InboxMessage.event_id == event_id, InboxMessage.status == InboxStatus.UNMATCHED)) or 0


def candidates(row: InboxMessage, now: datetime, limit: int = 300) -> list[Invitation]:
    """Invitations the message may answer: the guessed event's, else those of events not yet over."""
    query = select(Invitation).join(Invitation.event).where(Invitation.uninvited_at.is_(None))
    if row.event_id is not None:
        query = query.where(Invitation.event_id == row.event_id)
    else:
        query = query.where(Event.ends_at >= now)
    return list(db.session.scalars(query.order_by(Event.starts_at, Invitation.name, Invitation.id).limit(limit)))


def _waiting_or_refuse(row: InboxMessage) -> None:
    if row.status != InboxStatus.UNMATCHED:
        raise InboxRefused(_("Meddelandet är redan handlagt."))


def resolve(row: InboxMessage, invitation: Invitation, answer: Answer, user, now: datetime) -> bool:
    """An organizer says which invitation (and answer) the message is; its sender is remembered for the contact."""
    _waiting_or_refuse(row)
    row.handled_by, row.handled_at = user, now
    partstat = {value: key for key, value in ANSWERS.items()}[Answer(answer)]
    if invitation.contact_id is not None and row.sender and row.sender != (invitation.email or "").casefold():
        learn_address(invitation.contact_id, row.sender)
    if row.method == "COUNTER":
        row.invitation, row.event, row.matched_by = invitation, invitation.event, "hand"
        row.status = InboxStatus.COUNTER
        row.note = _("Förslag på ny tid från %(name)s.", name=invitation.name)
        return False
    return apply(row, invitation, partstat, "hand", now)


def learn_address(contact_id: int, address: str) -> None:
    address = address_of(address)
    exists = db.session.scalar(select(KnownAddress.id).where(KnownAddress.contact_id == contact_id,
                                                             KnownAddress.email == address))
    if exists is None:
        db.session.add(KnownAddress(contact_id=contact_id, email=address))


def dismiss(row: InboxMessage, user, now: datetime) -> None:
    _waiting_or_refuse(row)
    row.status, row.handled_by, row.handled_at = InboxStatus.DISMISSED, user, now
    row.note = _("Avfärdat för hand.")


def proposals(event_id: int) -> list[InboxMessage]:
    """COUNTERs for the event, newest first: shown to the organizer, never applied."""
    return list(db.session.scalars(
        select(InboxMessage).where(InboxMessage.event_id == event_id, InboxMessage.status == InboxStatus.COUNTER)
        .order_by(InboxMessage.received_at.desc(), InboxMessage.id.desc())
    ))

