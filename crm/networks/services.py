"""Networks and members: add one or many, end a membership (the history stays), and each network's figures."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from crm.auth.models import Role, User
from crm.companies.models import Company, CompanyContact, ContactPerson
from crm.companies.search import CompanyFilters, company_query
from crm.dbtypes import swedish
from crm.errors import RuleRefused
from crm.extensions import db
from crm.networks.models import Network, NetworkKind, NetworkMembership
from crm.text import swedish_sort_key

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
        .join(ContactPerson, ContactPerson.id == NetworkMembership.contact_id)
        .order_by(swedish(ContactPerson.name), NetworkMembership.id)
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


# Events sit above networks: the events feature registers what it counts per network, for several networks
# at once: network id -> (events held, attendances at them in all).
EventCounts = Callable[[list[int]], dict[int, tuple[int, int]]]
_event_counts: list[EventCounts] = []


def event_counts_provider(provider: EventCounts) -> EventCounts:
    _event_counts.append(provider)
    return provider


def figures(network_ids: list[int], on: date) -> dict[int, NetworkFigures]:
    """Members now, events held and average attendance per held event, for several networks in 3 queries."""
    members = dict(db.session.execute(
        select(NetworkMembership.network_id, func.count())
        .where(NetworkMembership.network_id.in_(network_ids), current(on)).group_by(NetworkMembership.network_id)
    ).all())
    held, attended = dict.fromkeys(network_ids, 0), dict.fromkeys(network_ids, 0)
    for provider in _event_counts:
        for network_id, (events, attendances) in provider(network_ids).items():
            held[network_id] += events
            attended[network_id] += attendances
    result = {}
    for network_id in network_ids:
        events = held[network_id]
        average = round(attended[network_id] / events, 1) if events else None
        result[network_id] = NetworkFigures(members.get(network_id, 0), events, average)
    return result


def average_label(value: float | None) -> str:
    """An average attendance as Swedes write it (3,5), or a dash when no event has been held."""
    return "–" if value is None else format_decimal(value, format="0.0")


# --- Networks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkData:
    name: str
    kind: NetworkKind
    description: str
    owner_id: int | None
    active: bool


def save_network(network: Network, data: NetworkData) -> Network:
    network.name = data.name.strip()
    network.kind = data.kind
    network.description = data.description.strip()
    network.owner_id = data.owner_id
    network.active = data.active
    if network.id is None:
        db.session.add(network)
    db.session.flush()
    return network


def owner_candidates(keep_id: int | None = None) -> list[User]:
    """Active staff and organizers; a network's present owner stays choosable even if no longer one of them."""
    eligible = and_(User.active.is_(True), User.role.in_([Role.STAFF, Role.ORGANIZER]))
    condition = or_(eligible, User.id == keep_id) if keep_id else eligible
    return list(db.session.scalars(select(User).where(condition).order_by(swedish(User.name), User.id)))


def list_query(kind: NetworkKind | None = None, active: bool | None = True) -> Select:
    query = select(Network).options(selectinload(Network.owner))
    if kind is not None:
        query = query.where(Network.kind == kind)
    if active is not None:
        query = query.where(Network.active.is_(active))
    return query.order_by(swedish(Network.name), Network.id)


# --- Members -----------------------------------------------------------------------------------


def members_of(network: Network, on: date) -> tuple[list[NetworkMembership], list[NetworkMembership]]:
    """The members who have not left by `on` (those starting later too), and the former ones, newest ended first."""
    memberships = db.session.scalars(
        select(NetworkMembership).where(NetworkMembership.network_id == network.id)
        .options(joinedload(NetworkMembership.contact), joinedload(NetworkMembership.company))
    ).all()
    present = [m for m in memberships if m.ends_on is None or m.ends_on >= on]
    former = [m for m in memberships if m.ends_on is not None and m.ends_on < on]
    present.sort(key=lambda m: (swedish_sort_key(m.contact.name), m.starts_on, m.id))
    former.sort(key=lambda m: (m.ends_on, m.starts_on, m.id), reverse=True)
    return present, former


def member_ids(network: Network, contact_ids: Iterable[int], on: date) -> set[int]:
    """Which of these contacts are members of the network on `on`."""
    return set(db.session.scalars(
        select(NetworkMembership.contact_id).where(
            NetworkMembership.network_id == network.id, NetworkMembership.contact_id.in_(list(contact_ids)), current(on)
        )
    ))


def current_companies(contact: ContactPerson, on: date) -> list[CompanyContact]:
    """The contact's roles at companies that have not ended by `on`, oldest link first (the default company)."""
    links = [link for link in contact.company_links if link.end_date is None or link.end_date >= on]
    return sorted(links, key=lambda link: link.id)


class SameRole(MembershipRefused):
    message = _l("Välj en annan roll än den nuvarande.")


class RoleChangeBeforeStart(MembershipRefused):
    message = _l("Den nya rollen kan inte börja innan medlemskapet började.")


class MembershipOver(MembershipRefused):
    message = _l("Medlemskapet har redan upphört den dagen.")


def change_role(membership: NetworkMembership, role: str, on: date) -> NetworkMembership:
    """The member has `role` from `on`: the old membership ends the day before and a new one starts on `on`.

    Both stay in the history. A role changed on the membership's very first day corrects that membership
    instead (the audit log keeps the earlier value).
    """
    role = role.strip() or "medlem"
    if role == membership.role:
        raise SameRole()
    if on < membership.starts_on:
        raise RoleChangeBeforeStart()
    if membership.ends_on is not None and membership.ends_on < on:
        raise MembershipOver()
    if on == membership.starts_on:
        membership.role = role
        db.session.flush()
        return membership
    successor = NetworkMembership(
        network_id=membership.network_id, contact_id=membership.contact_id, company_id=membership.company_id,
        role=role, starts_on=on, ends_on=membership.ends_on,
    )
    membership.ends_on = on - timedelta(days=1)
    db.session.add(successor)
    db.session.flush()
    return successor


def bulk_candidates(filters: CompanyFilters, on: date) -> Select:
    """The present contact persons of the companies the company-list filters match, one row per company role.

    The outer query uses aliases so the filters' own subqueries (contact search, tags) never correlate to it.
    """
    companies = company_query(filters).with_only_columns(Company.id).order_by(None)
    link, person, firm = aliased(CompanyContact), aliased(ContactPerson), aliased(Company)
    return (
        select(link)
        .join(link.company.of_type(firm))
        .join(link.contact.of_type(person))
        .options(contains_eager(link.company.of_type(firm)), contains_eager(link.contact.of_type(person)))
        .where(link.company_id.in_(companies), or_(link.end_date.is_(None), link.end_date >= on))
        .order_by(swedish(firm.name), firm.id, swedish(person.name), link.id)
    )


def company_links(link_ids: Iterable[int]) -> list[CompanyContact]:
    """The chosen company roles with their contacts, in the order chosen."""
    ids = list(dict.fromkeys(link_ids))
    found = {
        link.id: link
        for link in db.session.scalars(
            select(CompanyContact).where(CompanyContact.id.in_(ids)).options(joinedload(CompanyContact.contact))
        )
    }
    return [found[link_id] for link_id in ids if link_id in found]


def add_from_company_links(network: Network, links: Iterable[CompanyContact], role: str,
                           starts_on: date) -> tuple[list[NetworkMembership], list[ContactPerson]]:
    """Add each link's contact with that link's company; members already (and anyone listed twice) are skipped.

    Someone picked through two companies joins once, with the first company; the skipped list holds
    each person who was already a member on `starts_on`.
    """
    links = list(links)
    members = member_ids(network, {link.contact_id for link in links}, starts_on)
    added, skipped, seen = [], [], set()
    for link in links:
        if link.contact_id in seen:
            continue
        seen.add(link.contact_id)
        if link.contact_id in members:
            skipped.append(link.contact)
            continue
        membership = NetworkMembership(
            network_id=network.id, contact_id=link.contact_id, company_id=link.company_id,
            role=role.strip() or "medlem", starts_on=starts_on,
        )
        db.session.add(membership)
        added.append(membership)
    db.session.flush()
    return added, skipped

