"""The mail to a user who is given a follow-up, queued in the transaction that gives it.

Sent when a follow-up is raised with an assignee or its assignee changes, unless the new assignee
is the one making the change, is deactivated, has these mails turned off, could not open the
follow-up, or the follow-up is already closed. The key holds the moment of the change, so being
given the same follow-up again later is a new mail.
"""

from __future__ import annotations

from datetime import UTC, datetime

from crm.auth.models import Role, User
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.mail.links import absolute_url
from crm.mail.outbox import queue
from crm.mail.texts import render, shorten

KIND = "followup-assigned"


def reads_follow_ups(user: User) -> bool:
    """Whether links to follow-ups and "Mina uppföljningar" open for the user (politicians' and organizers' do not)."""
    return user.has_role(Role.STAFF)


def dedupe_key(follow_up_id: int, assignee_id: int, now: datetime) -> str:
    return f"followup-assigned:{follow_up_id}:{assignee_id}:{now.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}"


def should_notify(follow_up: FollowUp, assignee: User | None, actor: User | None) -> bool:
    if assignee is None or not follow_up.is_open:
        return False
    if actor is not None and actor.id == assignee.id:
        return False
    return assignee.active and assignee.assignment_mails_enabled and reads_follow_ups(assignee)


def render_assignment(follow_up: FollowUp, assignee: User, actor: User | None) -> tuple[str, str, str]:
    """Subject, text and HTML of the mail."""
    title = f"Ny uppföljning till dig: {shorten(follow_up.description, 60)}"
    text, html = render(
        "reminder_assigned",
        subject=title,
        user=assignee,
        actor=actor,
        follow_up=follow_up,
        company=follow_up.company,
        follow_up_url=absolute_url("followups.detail", follow_up_id=follow_up.id),
        mine_url=absolute_url("followups.mine"),
    )
    return title, text, html


def notify_assignee(follow_up: FollowUp, actor: User | None, now: datetime) -> bool:
    """Queue the mail to the follow-up's assignee if they should have one; True when queued."""
    assignee = db.session.get(User, follow_up.assignee_id) if follow_up.assignee_id else None
    if not should_notify(follow_up, assignee, actor):
        return False
    subject, text, html = render_assignment(follow_up, assignee, actor)
    return queue(
        dedupe_key(follow_up.id, assignee.id, now),
        kind=KIND, to=assignee.email, subject=subject, text=text, html=html, user_id=assignee.id, now=now,
    )
