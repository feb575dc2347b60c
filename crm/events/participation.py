"""What the events feature shows on lower features' pages: attendance on the contact and company pages,
and a network's events and their counts on the network pages (see crm.panels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager

from crm.auth.models import Role
from crm.companies.models import CompanyContact
from crm.events.models import Attendance, Event, EventStatus, Invitation
from crm.extensions import db
from crm.networks.services import event_counts_provider
from crm.panels import Panel, panel_provider
from crm.timeutil import utcnow

HISTORY_LIMIT = 20


def event_page_url(event_id: int) -> str | None:
    """The event's page, when the events pages are served (a template global)."""
    if "events.show" not in current_app.view_functions:
        return None
    return url_for("events.show", event_id=event_id)


# --- A contact's or a company's attendance -------------------------------------------------------


@dataclass(frozen=True)
class AttendanceHistory:
    invitations: list[Invitation]  # newest event first, at most HISTORY_LIMIT, each with its event and contact
    total: int  # invitations in all
    attended: int
    no_shows: int

    @property
    def more(self) -> int:
        return self.total - len(self.invitations)


def _history(condition) -> AttendanceHistory:
    """Invitations matching `condition` (not withdrawn ones), newest first, and the counts (two queries)."""
    kept = (condition, Invitation.uninvited_at.is_(None))
    invitations = db.session.scalars(
        select(Invitation)
        .join(Invitation.event).join(Invitation.contact)
        .options(contains_eager(Invitation.event), contains_eager(Invitation.contact))
        .where(*kept)
        .order_by(Event.starts_at.desc(), Invitation.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    total, attended, no_shows = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Invitation.attendance == Attendance.ATTENDED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Invitation.attendance == Attendance.NO_SHOW, 1), else_=0)), 0),
        ).select_from(Invitation).where(*kept)
    ).one()
    return AttendanceHistory(list(invitations), int(total), int(attended), int(no_shows))


def contact_history(contact_id: int) -> AttendanceHistory:
    return _history(Invitation.contact_id == contact_id)


def company_history(company_id: int) -> AttendanceHistory:
    """The events the company's contact persons (present and former) were invited to."""
    contacts = select(CompanyContact.contact_id).where(CompanyContact.company_id == company_id)
    return _history(Invitation.contact_id.in_(contacts))


@panel_provider("contact", order=20)
def contact_attendance_panel(contact, viewer) -> Panel:
    return Panel("events/_attendance.html", {"attendance": contact_history(contact.id)})


@panel_provider("company", order=20)
def company_attendance_panel(company, viewer) -> Panel | None:
    """For staff and organizers, who see the contact persons (politicians don't)."""
    if not viewer.has_role(Role.STAFF, Role.ORGANIZER):
        return None
    return Panel("events/_attendance.html", {"attendance": company_history(company.id), "with_names": True})


# --- A network's events --------------------------------------------------------------------------


@event_counts_provider
def held_events(network_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per network: events held, and attendances at them in all (2 queries)."""
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
    return {network_id: (count, attended.get(network_id, 0)) for network_id, count in held.items()}


@dataclass(frozen=True)
class NetworkEvents:
    upcoming: list[Event]
    past: list[Event]
    past_total: int
    attended: dict[int, int]  # event id -> how many attended


def events_of(network, now: datetime, limit: int = 20) -> NetworkEvents:
    """The network's next events and its latest past ones (each list at most `limit`), in 4 queries."""
    upcoming = db.session.scalars(
        select(Event).where(Event.network_id == network.id, Event.starts_at >= now)
        .order_by(Event.starts_at, Event.id).limit(limit)
    ).all()
    past = db.session.scalars(
        select(Event).where(Event.network_id == network.id, Event.starts_at < now)
        .order_by(Event.starts_at.desc(), Event.id.desc()).limit(limit)
    ).all()
    past_total = db.session.scalar(
        select(func.count()).select_from(Event).where(Event.network_id == network.id, Event.starts_at < now)
    )
    attended = dict(db.session.execute(
        select(Invitation.event_id, func.count())
        .where(Invitation.event_id.in_([event.id for event in past]), Invitation.attendance == Attendance.ATTENDED)
        .group_by(Invitation.event_id)
    ).all())
    return NetworkEvents(list(upcoming), list(past), past_total or 0, attended)


@panel_provider("network", order=20)
def network_events_panel(network, viewer) -> Panel:
    return Panel("events/_network_events.html", {"events": events_of(network, utcnow())})
