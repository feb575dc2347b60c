"""A contact person's networks, for the contact page (a panel, see crm.panels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.extensions import db
from crm.networks.models import NetworkMembership
from crm.panels import Panel, panel_provider
from crm.timeutil import stockholm_today


@dataclass(frozen=True)
class ContactMemberships:
    present: list[NetworkMembership]  # not ended on the day asked about, newest first
    former: list[NetworkMembership]  # ended, latest ended first


def memberships_of(contact_id: int, on: date) -> ContactMemberships:
    """The contact's memberships with their networks and companies (one query), split at `on`."""
    memberships = db.session.scalars(
        select(NetworkMembership).where(NetworkMembership.contact_id == contact_id)
        .options(joinedload(NetworkMembership.network), joinedload(NetworkMembership.company))
        .order_by(NetworkMembership.starts_on.desc(), NetworkMembership.id.desc())
    ).all()
    former = [m for m in memberships if m.ends_on is not None and m.ends_on < on]
    former.sort(key=lambda m: (m.ends_on, m.id), reverse=True)
    return ContactMemberships([m for m in memberships if m.ends_on is None or m.ends_on >= on], former)


@panel_provider("contact", order=10)
def memberships_panel(contact, viewer) -> Panel:
    return Panel("networks/_memberships.html", {"memberships": memberships_of(contact.id, stockholm_today())})
