"""Answers to invitations: whether answers are open, recording one (a place or the waiting list), and
reminding those who have not answered. See crm.events.invitations for how places are counted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from crm.events.calendar import location
from crm.events.invitations import (
    AnswersClosed,
    _recipient,
    active_invitations,
    fill_from_waitlist,
    give_back_place,
    links,
    take_place,
)
from crm.events.models import Answer, Event, EventStatus, Invitation
from crm.extensions import db
from crm.mail.compose import Unsendable
from crm.mail.outbox import queue
from crm.mail.render import render_mail
from crm.timeutil import local, utcnow

log = logging.getLogger(__name__)


def answers_open(event: Event, now: datetime) -> bool:
    if event.status == EventStatus.CANCELLED:
        return False
    deadline = event.registration_deadline or event.starts_at
    return now < deadline


def lock(invitation: Invitation) -> Invitation:
    """Hold the invitation's row for the rest of the transaction, then read it afresh."""
    if db.session.get_bind(Invitation).dialect.name == "postgresql":
        db.session.scalar(
            select(Invitation).where(Invitation.id == invitation.id).with_for_update()
            .execution_options(populate_existing=True)
        )
    else:
        # SQLite: a write first takes the database's write lock, so nothing read afterwards is stale.
        db.session.execute(
            update(Invitation).where(Invitation.id == invitation.id).values(id=Invitation.id)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(invitation)
    return invitation


@dataclass(frozen=True)
class AnswerResult:
    answer: Answer
    has_place: bool
    waitlisted: bool


def respond(invitation: Invitation, answer: Answer, now: datetime | None = None) -> AnswerResult:
    """Record an answer; "ja" takes a place if one is free and otherwise joins the waiting list."""
    now = now or utcnow()
    invitation = lock(invitation)
    event = invitation.event
    db.session.refresh(event)
    if not answers_open(event, now) or invitation.uninvited_at is not None:
        raise AnswersClosed()
    answer = Answer(answer)
    had_place = invitation.has_place
    if answer == Answer.YES:
        if not had_place and invitation.waitlisted_at is None:
            if take_place(event):
                invitation.waitlisted_at = None
            else:
                invitation.waitlisted_at = now
    else:
        if had_place:
            give_back_place(event)
        invitation.waitlisted_at = None
    invitation.answer = answer
    invitation.answered_at = now
    db.session.flush()
    if had_place and answer != Answer.YES:
        fill_from_waitlist(event, now)
    return AnswerResult(answer, invitation.has_place, invitation.waitlisted_at is not None)


def remind_unanswered(event: Event, now: datetime | None = None) -> int:
    """A reminder to each invitee who has not answered (at most one per invitee and day).

    Nothing is sent once answers are closed (cancelled, or past the deadline): the links would refuse.
    """
    now = now or utcnow()
    if not answers_open(event, now):
        return 0
    count = 0
    for invitation in active_invitations(event):
        if invitation.answer is not None or not invitation.email:
            continue
        text, html = render_mail(
            "event_reminder", event=event, invitation=invitation, links=links(invitation),
            starts=local(event.starts_at), ends=local(event.ends_at), location=location(event),
        )
        try:
            queued = queue(
                f"rsvp-reminder:{invitation.id}:{local(now):%Y-%m-%d}", kind="event-reminder",
                to=_recipient(invitation), subject=f"Påminnelse: svara på inbjudan till {event.title}",
                text=text, html=html, now=now,
            )
        except Unsendable:  # an address stored before addresses were checked: the others still get theirs
            log.warning("invitation %s: no reminder, the message cannot be made from its address", invitation.id)
            continue
        if queued:
            invitation.reminded_at = now
            count += 1
    db.session.flush()
    return count
