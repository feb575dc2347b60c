"""A contact's (or a company's contacts') networks and event attendance, for the contact and company pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from crm.companies.models import CompanyContact
from crm.events.models import Answer, Attendance, Event, Invitation
from crm.extensions import db
from crm.networks.models import NetworkMembership

HISTORY_LIMIT = 20

ANSWER_LABELS = {
    Answer.YES: _l("ja"),
    Answer.NO: _l("nej"),
    Answer.MAYBE: _l("kanske"),
}
ATTENDANCE_LABELS = {
    Attendance.ATTENDED: _l("närvarade"),
    Attendance.NO_SHOW: _l("uteblev"),
}


def answer_label(answer: Answer | None) -> str:
    return str(ANSWER_LABELS[Answer(answer)]) if answer else str(_l("inget svar"))


def attendance_label(attendance: Attendance | None) -> str:
    return str(ATTENDANCE_LABELS[Attendance(attendance)]) if attendance else "–"


@dataclass(frozen=True)
class AttendanceHistory:
    invitations: list[Invitation]  # newest event first, at most HISTORY_LIMIT, each with its event and contact
    total: int  # invitations in all
    attended: int
    no_shows: int

    @property
    def more(self) -> int:
        return self.total - len(self.invitations)


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

