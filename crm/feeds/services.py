"""Calendar feeds: their tokens and what each feed holds.

A token is 256 random bits (`secrets.token_urlsafe(32)`), shown once and stored only as its SHA-256
hex digest. Creating a new one for the same owner revokes the old one (rotation). A feed's output
depends only on the records in its window, so an unchanged calendar gives byte-identical bytes and the
same ETag; the number of SQL statements does not grow with the number of events or visits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from crm.auth.models import Role, User
from crm.calendar.ical import CalendarItem, calendar_bytes
from crm.events.calendar import event_item
from crm.events.models import Event, EventStatus
from crm.events.services import CANCELLED_KEPT_DAYS
from crm.extensions import db
from crm.feeds.models import FeedKind, FeedToken
from crm.mail.links import absolute_url
from crm.networks.models import Network
from crm.timeutil import as_utc, utcnow
from crm.visits.access import reads_all
from crm.visits.calendar import calendar_item as visit_item
from crm.visits.models import Visit, VisitStatus, visit_participants

TOKEN_BYTES = 32  # 256 bits
MAX_TOKEN_LENGTH = 100
WINDOW_BACK = timedelta(days=90)
WINDOW_AHEAD = timedelta(days=365)
REFRESH_HOURS = 1
VISIT_LONGEST = timedelta(days=1)  # a visit is booked as one day's start and end time
LAST_USED_EVERY = timedelta(hours=1)  # last_used_at is written at most this often, not on every poll

# Who may have a feed of each kind for themselves (admins always): the unit's calendar shows every
# booked visit and event, which politicians do not see in full.
USER_FEED_ROLES = {
    FeedKind.MINE: tuple(Role),
    FeedKind.TEAM: (Role.STAFF, Role.ORGANIZER),
}
NETWORK_FEED_ROLES = (Role.STAFF, Role.ORGANIZER)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def may_have(user: User, kind: FeedKind) -> bool:
    return user.active and user.has_role(*USER_FEED_ROLES[kind])


# --- Tokens --------------------------------------------------------------------------------------


def _owner_filter(kind: FeedKind, user: User | None, network: Network | None):
    if kind == FeedKind.NETWORK:
        assert network is not None
        return (FeedToken.kind == kind, FeedToken.network_id == network.id)
    assert user is not None
    return (FeedToken.kind == kind, FeedToken.user_id == user.id)


def active_token(kind: FeedKind, *, user: User | None = None, network: Network | None = None) -> FeedToken | None:
    return db.session.scalar(
        select(FeedToken).where(*_owner_filter(kind, user, network), FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.created_at.desc(), FeedToken.id.desc()).limit(1)
    )


def revoke(kind: FeedKind, *, user: User | None = None, network: Network | None = None,
           now: datetime | None = None) -> int:
    """Revoke the owner's live token of this kind; returns how many were revoked (0 or 1)."""
    result = db.session.execute(
        update(FeedToken).where(*_owner_filter(kind, user, network), FeedToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def issue(kind: FeedKind, *, created_by: User, user: User | None = None, network: Network | None = None,
          now: datetime | None = None) -> str:
    """A new token for the owner; any earlier one stops working. Returns the token: it is never stored."""
    now = now or utcnow()
    revoke(kind, user=user, network=network, now=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(FeedToken(
        kind=kind, token_hash=hash_token(token), user_id=user.id if user else None,
        network_id=network.id if network else None, created_by_id=created_by.id, created_at=now,
    ))
    db.session.flush()
    return token


@dataclass(frozen=True)
class FeedAccess:
    token: FeedToken
    user: User | None
    network: Network | None


def resolve(token: str) -> FeedAccess | None:
    """The feed a token opens, or None for a token that is unknown, revoked or whose owner may no longer have it."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    row = db.session.execute(
        select(FeedToken, User, Network)
        .outerjoin(User, User.id == FeedToken.user_id)
        .outerjoin(Network, Network.id == FeedToken.network_id)
        .where(FeedToken.token_hash == digest)
    ).first()
    if row is None:
        return None
    feed_token, user, network = row
    if not hmac.compare_digest(feed_token.token_hash, digest) or feed_token.revoked_at is not None:
        return None
    if feed_token.kind == FeedKind.NETWORK:
        if network is None:
            return None
    elif user is None or not may_have(user, feed_token.kind):
        return None
    return FeedAccess(feed_token, user, network)


def touch(feed_token: FeedToken, now: datetime) -> bool:
    """Note that the token was used, at most once per LAST_USED_EVERY; True when a row was written."""
    cutoff = now - LAST_USED_EVERY
    if feed_token.last_used_at is not None and as_utc(feed_token.last_used_at) > cutoff:
        return False
    result = db.session.execute(
        update(FeedToken)
        .where(FeedToken.id == feed_token.id,
               FeedToken.last_used_at.is_(None) | (FeedToken.last_used_at <= cutoff))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) == 1


# --- URLs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedLinks:
    https: str
    webcal: str


def links(token: str) -> FeedLinks:
    """The subscription address (from BASE_URL; https in production) and its webcal:// form."""
    url = absolute_url("feeds.feed", token=token)
    scheme, _sep, rest = url.partition("://")
    return FeedLinks(https=url, webcal=f"webcal://{rest}")


# --- Contents ------------------------------------------------------------------------------------


def window(now: datetime) -> tuple[datetime, datetime]:
    return now - WINDOW_BACK, now + WINDOW_AHEAD


def _visits(now: datetime, participant: User | None) -> list[Visit]:
    start, end = window(now)
    query = (
        select(Visit).options(joinedload(Visit.company))
        .where(
            Visit.status.in_((VisitStatus.BOOKED, VisitStatus.DONE)),
            Visit.starts_at.is_not(None), Visit.ends_at.is_not(None),
            Visit.ends_at >= start, Visit.starts_at <= end,
            # A visit lies within one day, so this bound (on the indexed start) loses none of those that
            # end inside the window, and spares reading ten years of visits.
            Visit.starts_at >= start - VISIT_LONGEST,
        )
        .order_by(Visit.starts_at, Visit.id)
    )
    if participant is not None:
        query = query.where(
            Visit.id.in_(select(visit_participants.c.visit_id).where(visit_participants.c.user_id == participant.id))
        )
    return list(db.session.scalars(query))


def _events(now: datetime, organizer: User | None = None, network: Network | None = None) -> list[Event]:
    start, end = window(now)
    cancelled_since = now - timedelta(days=CANCELLED_KEPT_DAYS)
    query = (
        select(Event)
        .where(
            Event.ends_at >= start, Event.starts_at <= end,
            (Event.status != EventStatus.CANCELLED)
            | (Event.cancelled_at.is_not(None) & (Event.cancelled_at >= cancelled_since)),
        )
        .order_by(Event.starts_at, Event.id)
    )
    if organizer is not None:
        query = query.where(Event.organizer_id == organizer.id)
    if network is not None:
        query = query.where(Event.network_id == network.id)
    return list(db.session.scalars(query))


def items(access: FeedAccess, now: datetime) -> list[CalendarItem]:
    kind = access.token.kind
    found: list[CalendarItem] = []
    if kind == FeedKind.NETWORK:
        # Shared beyond the unit: no links into the CRM.
        found.extend(event_item(event, "") for event in _events(now, network=access.network))
    else:
        participant = access.user if kind == FeedKind.MINE else None
        # Mine holds visits the user takes part in; the team calendar shows an organizer basic facts only.
        in_full = participant is not None or (access.user is not None and reads_all(access.user))
        found.extend(visit_item(visit, absolute_url("visits.detail", visit_id=visit.id), in_full=in_full)
                     for visit in _visits(now, participant))
        found.extend(event_item(event, absolute_url("events.show", event_id=event.id))
                     for event in _events(now, organizer=participant))
    found.sort(key=lambda item: (as_utc(item.start), item.uid))
    return found


def calendar_name(access: FeedAccess) -> str:
    organisation = current_app.config["ORGANISATION_NAME"]
    kind = access.token.kind
    if kind == FeedKind.NETWORK:
        assert access.network is not None
        return _("%(organisation)s: %(network)s", organisation=organisation, network=access.network.name)
    if kind == FeedKind.TEAM:
        return _("%(organisation)s: enhetens kalender", organisation=organisation)
    assert access.user is not None
    return _("%(organisation)s: %(name)s", organisation=organisation, name=access.user.name)


def feed_bytes(access: FeedAccess, now: datetime | None = None) -> bytes:
    """The whole feed: no METHOD, no ATTENDEE, the records' own UIDs and SEQUENCEs, refresh hints of an hour."""
    now = now or utcnow()
    return calendar_bytes(items(access, now), name=calendar_name(access), refresh_hours=REFRESH_HOURS)


def etag(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:40]
