"""Invitations: who may be invited, the iTIP mail each invitee gets, answers, the waiting list.

Every message goes through the outbox in the transaction of the change that causes it:
- inviting queues `invite:<invitation>:<sequence>` (METHOD:REQUEST, the invitee the only ATTENDEE);
- a change of time, place or title raises the event's SEQUENCE and `send_updates` queues a REQUEST
  with the new SEQUENCE to everyone invited;
- cancelling the event queues `cancel:<invitation>:<sequence>` (METHOD:CANCEL) to everyone invited;
- uninviting one person raises the SEQUENCE and sends that person alone a CANCEL.
A message the outbox's gate drops (an objection, a Reklamspärr company's address) is not recorded as sent:
the invite plan leaves such contacts out, and an update or answer the gate drops leaves `sent_sequence` as it was.
Places are counted on the event with conditional UPDATEs, so two answers arriving at once cannot
both take the last place; the one that loses goes to the waiting list.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, inspect, select, update

from crm.audit.mixins import record_created
from crm.companies.models import ContactPerson
from crm.errors import RuleRefused
from crm.events.calendar import invitation_ics_for, location
from crm.events.invite_plan import OBJECTED_OR_AD_BLOCKED, Exclusion, InvitePlan, plan_invitations
from crm.events.models import Answer, Event, EventStatus, Invitation
from crm.events.tokens import new_key, token_for
from crm.extensions import db
from crm.mail.compose import CalendarPart, Unsendable, recipient
from crm.mail.links import absolute_url, url_builder
from crm.mail.outbox import Outgoing, queue, queue_many
from crm.mail.render import mail_renderer, render_mail
from crm.timeutil import local, utcnow

log = logging.getLogger(__name__)


class InvitationRefused(RuleRefused):
    message = _l("Inbjudan kunde inte göras.")


class EventCancelled(InvitationRefused):
    message = _l("Träffen är inställd.")


class AnswersClosed(InvitationRefused):
    message = _l("Sista anmälningsdag har passerat. Kontakta arrangören om du vill ändra ditt svar.")


# --- Messages ------------------------------------------------------------------------------------


def links(invitation: Invitation, build: Callable[..., str] = absolute_url) -> dict[str, str]:
    return _links_for(token_for(invitation), build)


def _links_for(token: str, build: Callable[..., str]) -> dict[str, str]:
    return {
        "respond": build("rsvp.respond", token=token),
        "yes": build("rsvp.respond", token=token, svar=Answer.YES.value),
        "no": build("rsvp.respond", token=token, svar=Answer.NO.value),
        "maybe": build("rsvp.respond", token=token, svar=Answer.MAYBE.value),
        "opt_out": build("rsvp.opt_out", token=token),
    }


_LINK_STAND_IN = "LinkToken7f3c9aStandIn"
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+\Z")  # characters a URL carries as they are (RFC 3986)


def links_maker() -> Callable[[Invitation], dict[str, str]]:
    """`links` for many invitations: the URLs are built once around a stand-in token, which each
    invitation's token replaces (a token of URL-safe characters goes into a URL unchanged)."""
    build = url_builder()
    shared = _links_for(_LINK_STAND_IN, build)
    if any(url.count(_LINK_STAND_IN) != 1 for url in shared.values()):
        return lambda invitation: links(invitation, build)

    def make(invitation: Invitation) -> dict[str, str]:
        token = token_for(invitation)
        if not _UNRESERVED.match(token):
            return _links_for(token, build)
        return {name: url.replace(_LINK_STAND_IN, token) for name, url in shared.items()}

    return make


def _queue_itips(event: Event, invitations: Sequence[Invitation], method: str, template: str, subject: str,
                 key: Callable[[Invitation], str], now: datetime, refused: set[str] | None = None,
                 dropped: set[str] | None = None) -> set[str]:
    """One iTIP message per invitee of the event, queued in one go; returns the dedupe keys added.

    What is the same for every invitee (the VEVENT but ATTENDEE, the templates, the message's shape) is
    made once; each message is still byte for byte what it would be if queued alone. An invitee whose
    message cannot be made (an address stored before addresses were checked) is logged and left out,
    its key put in `refused`; the others are queued. The key of a message the gate drops goes in `dropped`.
    """
    if not invitations:
        return set()
    ics = invitation_ics_for(event, method, now)
    render = mail_renderer(template)
    links_of = links_maker()
    shared = {"event": event, "starts": local(event.starts_at), "ends": local(event.ends_at),
              "location": location(event)}
    filename = "avbokning.ics" if method == "CANCEL" else "inbjudan.ics"
    messages = []
    left_out: list[Outgoing] = []
    for invitation in invitations:
        try:
            to = _recipient(invitation)
        except Unsendable:
            log.warning("invitation %s: no %s, the message cannot be made from its address", invitation.id, method)
            left_out.append(Outgoing(key(invitation), "", "", "", "", ""))
            continue
        answer_links = links_of(invitation)
        text, html = render(invitation=invitation, links=answer_links, **shared)
        messages.append(Outgoing(
            key(invitation), kind=f"event-{method.lower()}", to=to, subject=subject,
            text=text, html=html, calendar=CalendarPart(ics(invitation, answer_links["respond"]), method, filename),
        ))
    gated: list[Outgoing] = []
    queued = queue_many(messages, now, refused=left_out, dropped=gated)
    if refused is not None:
        refused.update(outgoing.dedupe_key for outgoing in left_out)
    if dropped is not None:
        dropped.update(outgoing.dedupe_key for outgoing in gated)
    return queued


def _queue_itip(invitation: Invitation, method: str, template: str, subject: str, key: str, now: datetime) -> bool:
    return bool(_queue_itips(invitation.event, [invitation], method, template, subject, lambda _: key, now))


def _recipient(invitation: Invitation):
    """The invitee's Address (raises Unsendable for an address that is not one plain address)."""
    return recipient(invitation.name, invitation.email)


def _when(event: Event) -> str:
    return local(event.starts_at).strftime("%Y-%m-%d %H:%M")


def send_request(invitation: Invitation, now: datetime, update: bool = False) -> bool:
    """Queue the invitation (or its update) at the event's current SEQUENCE."""
    return bool(send_requests(invitation.event, [invitation], now, update=update))


def send_requests(event: Event, invitations: Sequence[Invitation], now: datetime, update: bool = False,
                  dropped: set[str] | None = None) -> int:
    """Queue the invitations of one event (or their update) at its current SEQUENCE; returns how many were added.

    The keys of the messages the gate dropped go in `dropped`; their `sent_sequence` stays as it was.
    """
    prefix = "Ändrad tid eller plats" if update else "Inbjudan"
    sequence = event.sequence
    refused: set[str] = set()
    gated: set[str] = set() if dropped is None else dropped
    queued = _queue_itips(
        event, invitations, "REQUEST", "event_update" if update else "event_invitation",
        f"{prefix}: {event.title} {_when(event)}", lambda invitation: f"invite:{invitation.id}:{sequence}", now,
        refused, gated,
    )
    for invitation in invitations:
        key = f"invite:{invitation.id}:{sequence}"
        if key in refused:
            continue  # not told: an update later tries again
        if invitation.invited_at is None:
            # The invitation stands, also a confirmed sign-up's whose address gets no mail (not a walk-in).
            invitation.invited_at = now
        if key in gated:
            continue  # no mail: nothing is recorded as told
        if invitation.sent_sequence != sequence:
            invitation.sent_sequence = sequence
    return len(queued)


def invite(event: Event, contacts: Iterable[ContactPerson],
           now: datetime | None = None) -> tuple[list[Invitation], InvitePlan]:
    """Invite the contacts who may be invited; returns the new invitations and the plan with those left out."""
    if event.status == EventStatus.CANCELLED:
        raise EventCancelled()
    now = now or utcnow()
    plan = plan_invitations(event, contacts)
    existing = {
        invitation.contact_id: invitation
        for invitation in db.session.scalars(
            select(Invitation).where(Invitation.event_id == event.id, Invitation.uninvited_at.is_not(None))
        )
    }
    # The reads above flushed the caller's changes, so the event's SEQUENCE is the one the REQUEST carries.
    # Each invitation is written as sent at it (one INSERT and one audit entry, not an INSERT and an UPDATE).
    order: list[Invitation | str] = []  # an invitation invited again, or the key of a new one
    new_rows: list[dict] = []
    for contact in plan.invite:
        invitation = existing.get(contact.id)
        if invitation is None:
            new_rows.append({
                "event_id": event.id, "contact_id": contact.id, "name": contact.name, "email": contact.email,
                "rsvp_key": new_key(), "invited_at": now, "sent_sequence": event.sequence,
            })
            order.append(new_rows[-1]["rsvp_key"])
            continue
        invitation.name = contact.name
        invitation.email = contact.email
        invitation.uninvited_at = None
        invitation.sent_sequence = event.sequence
        if invitation.invited_at is None:
            invitation.invited_at = now
        order.append(invitation)
    db.session.flush()
    inserted = _insert_invitations(event, new_rows)
    created = [inserted[item] if isinstance(item, str) else item for item in order]
    gated: set[str] = set()
    send_requests(event, created, now, dropped=gated)
    if gated:
        created = _take_back(event, created, plan, gated, set(inserted.values()), now)
    if created and event.status == EventStatus.PLANNED:
        event.status = EventStatus.INVITED
    db.session.flush()
    return created, plan


def _take_back(event: Event, created: list[Invitation], plan: InvitePlan, gated: set[str],
               inserted: set[Invitation], now: datetime) -> list[Invitation]:
    """Invitations the gate dropped although the plan let them through (it read the address otherwise): taken back
    and left out like the plan's own, so none stays recorded as sent."""
    kept = []
    for invitation in created:
        if f"invite:{invitation.id}:{event.sequence}" not in gated:
            kept.append(invitation)
            continue
        log.warning("event %s: invitation %s taken back, the gate dropped its mail", event.id, invitation.id)
        invitation.uninvited_at, invitation.sent_sequence = now, None
        if invitation in inserted:
            invitation.invited_at = None
        plan.excluded.append(Exclusion(invitation.contact, str(OBJECTED_OR_AD_BLOCKED)))
    return kept


# Keys per SELECT when reading new invitations back (SQLite allows 32 766 bound parameters since 3.32).
READ_BACK_KEYS = 5000


def _insert_invitations(event: Event, rows: list[dict]) -> dict[str, Invitation]:
    """Insert new invitations in one executemany and read them back; returns them by RSVP key.

    An ORM flush would send one INSERT per row on SQLite (which cannot match RETURNING rows to objects
    in a batch); the mapper events it would fire are replaced by writing the audit entries here.
    """
    if not rows:
        return {}
    db.session.execute(insert(Invitation.__table__), rows)
    keys = [row["rsvp_key"] for row in rows]
    invitations: dict[str, Invitation] = {}
    for start in range(0, len(keys), READ_BACK_KEYS):
        for invitation in db.session.scalars(
            select(Invitation).where(Invitation.event_id == event.id,
                                     Invitation.rsvp_key.in_(keys[start:start + READ_BACK_KEYS]))
        ):
            invitations[invitation.rsvp_key] = invitation
    record_created(db.session.connection(), [invitations[key] for key in keys])
    if "invitations" not in inspect(event).unloaded:
        db.session.expire(event, ["invitations"])  # the new rows went past the loaded collection
    return invitations


def active_invitations(event: Event) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation).where(
            Invitation.event_id == event.id, Invitation.uninvited_at.is_(None), Invitation.invited_at.is_not(None)
        ).order_by(Invitation.id)
    ))


def send_updates(event: Event, now: datetime | None = None) -> int:
    """After a change of time, place or title: a REQUEST at the new SEQUENCE to each invitee not yet told."""
    now = now or utcnow()
    db.session.flush()  # the SEQUENCE rises in this flush if something calendar-visible changed
    behind = [
        invitation for invitation in active_invitations(event)
        if invitation.sent_sequence is not None and invitation.sent_sequence < event.sequence
    ]
    count = send_requests(event, behind, now, update=True)
    db.session.flush()
    return count


def cancel_event(event: Event, now: datetime | None = None) -> int:
    """Cancel the event and queue METHOD:CANCEL to everyone invited."""
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED:
        return 0
    event.status = EventStatus.CANCELLED
    event.cancelled_at = now
    db.session.flush()
    sequence = event.sequence
    return len(_queue_itips(
        event, active_invitations(event), "CANCEL", "event_cancel", f"Inställd: {event.title} {_when(event)}",
        lambda invitation: f"cancel:{invitation.id}:{sequence}", now,
    ))


def uninvite(invitation: Invitation, now: datetime | None = None) -> bool:
    """Withdraw one invitation: the event's SEQUENCE rises and that person alone gets a CANCEL.

    True when that CANCEL was queued (not when nothing was sent, nor when the gate dropped it).
    """
    now = now or utcnow()
    if invitation.uninvited_at is not None:
        return False
    event = invitation.event
    release_place(invitation, now)
    invitation.uninvited_at = now
    sent = invitation.invited_at is not None
    if sent:
        event.sequence = event.sequence + 1
        db.session.flush()
        sent = _queue_itip(  # False when the gate dropped it: no message told the person
            invitation, "CANCEL", "event_uninvite", f"Avbokad: {event.title} {_when(event)}",
            f"cancel:{invitation.id}:{event.sequence}", now,
        )
    db.session.flush()
    return sent


# --- Places and the waiting list ----------------------------------------------------------------


def take_place(event: Event) -> bool:
    result = db.session.execute(
        update(Event)
        .where(Event.id == event.id, (Event.capacity.is_(None)) | (Event.places_taken < Event.capacity))
        .values(places_taken=Event.places_taken + 1, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def give_back_place(event: Event) -> None:
    db.session.execute(
        update(Event).where(Event.id == event.id, Event.places_taken > 0)
        .values(places_taken=Event.places_taken - 1, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False)
    )


def fill_from_waitlist(event: Event, now: datetime) -> list[Invitation]:
    """Give free places to those in line, first come first served, and tell each of them."""
    promoted: list[Invitation] = []
    waiting = db.session.scalars(
        select(Invitation).where(
            Invitation.event_id == event.id, Invitation.waitlisted_at.is_not(None),
            Invitation.uninvited_at.is_(None), Invitation.answer == Answer.YES,
        ).order_by(Invitation.waitlisted_at, Invitation.id)
    ).all()
    for invitation in waiting:
        if not take_place(event):
            break
        invitation.waitlisted_at = None
        promoted.append(invitation)
        if invitation.email:
            text, html = render_mail(
                "event_place", event=event, invitation=invitation, links=links(invitation),
                starts=local(event.starts_at), ends=local(event.ends_at), location=location(event),
            )
            try:
                queue(
                    f"waitlist-place:{invitation.id}:{now:%Y%m%dT%H%M%S%f}", kind="event-place",
                    to=_recipient(invitation), subject=f"Du har fått en plats: {event.title} {_when(event)}",
                    text=text, html=html, now=now,
                )
            except Unsendable:
                log.warning("invitation %s: the place message cannot be made from its address", invitation.id)
    db.session.flush()
    return promoted


def release_place(invitation: Invitation, now: datetime) -> None:
    """If the invitation holds a place, give it back and let the first in line have it."""
    if invitation.has_place:
        give_back_place(invitation.event)
        db.session.flush()
        fill_from_waitlist(invitation.event, now)
    invitation.waitlisted_at = None
