"""Networks and members: add one or many, end a membership (the history stays), and each network's figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from crm.companies.models import CompanyContact, ContactPerson
from crm.errors import RuleRefused
from crm.events.models import Attendance, Event, EventStatus, Invitation
from crm.extensions import db
from crm.networks.models import Network, NetworkMembership

MEMBER_ROLES = ("ordförande", "vice ordförande", "sekreterare", "ledamot", "adjungerad", "medlem")


class MembershipRefused(RuleRefused):
    message = _l("Medlemskapet kunde inte sparas.")


class EndsBeforeStart(MembershipRefused):
    message = _l("Slutdatum kan inte vara före startdatum.")


def current(on: date):
    return and_(NetworkMembership.starts_on <= on,
                or_(NetworkMembership.ends_on.is_(None), NetworkMembership.ends_on >= on))


def current_members(network: Network, on: date) -> list[NetworkMembership]:
    return list(db.session.scalars(
        select(NetworkMembership).where(NetworkMembership.network_id == network.id, current(on))
        .join(ContactPerson, ContactPerson.id == NetworkMembership.contact_id).order_by(ContactPerson.name_key)
    ))


def _default_company_id(contact_id: int) -> int | None:
    return db.session.scalar(
        select(CompanyContact.company_id)
        .where(CompanyContact.contact_id == contact_id, CompanyContact.end_date.is_(None))
        .order_by(CompanyContact.id).limit(1)
    )


def add_members(network: Network, contacts: Iterable[ContactPerson], role: str, starts_on: date,
                company_id: int | None = None) -> tuple[list[NetworkMembership], list[ContactPerson]]:
    """Add contacts as members from `starts_on`; those already members on that day are skipped (returned)."""
    members = set(db.session.scalars(
        select(NetworkMembership.contact_id).where(NetworkMembership.network_id == network.id, current(starts_on))
    ))
    added, skipped = [], []
    for contact in contacts:
        if contact.id in members:
            skipped.append(contact)
            continue
        members.add(contact.id)
        membership = NetworkMembership(
            network=network, contact_id=contact.id, role=role.strip() or "medlem", starts_on=starts_on,
            company_id=company_id if company_id is not None else _default_company_id(contact.id),
        )
        db.session.add(membership)
        added.append(membership)
    db.session.flush()
    return added, skipped


def end_membership(membership: NetworkMembership, ends_on: date) -> None:
    if ends_on < membership.starts_on:
        raise EndsBeforeStart()
    membership.ends_on = ends_on
    db.session.flush()


@dataclass(frozen=True)
class NetworkFigures:
    members: int
    events_held: int
    average_attendance: float | None


def figures(network_ids: list[int], on: date) -> dict[int, NetworkFigures]:
    """Members now, events held and average attendance per held event, for several networks in 3 queries."""
    members = dict(db.session.execute(
        select(NetworkMembership.network_id, func.count())
        .where(NetworkMembership.network_id.in_(network_ids), current(on)).group_by(NetworkMembership.network_id)
    ).all())
    held = dict(db.session.execute(
        select(Event.network_id, func.count())
        .where(Event.network_id.in_(network_ids), Event.status == EventStatus.HELD).group_by(Event.network_id)
    ).all())
    attended = dict(db.session.execute(
        select(Event.network_id, func.count(Invitation.id))
        .join(Invitation, Invitation.event_id == Event.id)
        .where(Event.network_id.in_(network_ids), Event.status == EventStatus.HELD,
               Invitation.attendance == Attendance.ATTENDED)
        .group_by(Event.network_id)
    ).all())
    result = {}
    for network_id in network_ids:
        events = held.get(network_id, 0)
        average = round(attended.get(network_id, 0) / events, 1) if events else None
        result[network_id] = NetworkFigures(members.get(network_id, 0), events, average)
    return result
