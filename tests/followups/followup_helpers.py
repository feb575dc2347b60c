"""Test data and helpers for follow-ups: visits with participants, a filled-in form, a fresh row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from crm.auth.models import User
from crm.companies.models import Company
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.visits.models import Visit, VisitStatus

WEDNESDAY_W47 = date(2026, 11, 18)  # a fixed "today": Wednesday in week 47


def visit(company: Company, *, participants: Iterable[User] = (), status: VisitStatus = VisitStatus.DONE,
          starts_at: datetime | None = None) -> Visit:
    """A visit to the company with these users taking part; done on 2026-11-02 unless told otherwise."""
    created = Visit(
        company=company,
        year=2026,
        status=status,
        starts_at=starts_at or datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        participants=list(participants),
    )
    db.session.add(created)
    db.session.flush()
    return created


def form_data(**fields) -> dict:
    """A valid follow-up form as a browser posts it; a None value leaves the field out."""
    data = {
        "description": "Återkoppla om detaljplanen för hamnområdet.",
        "topic_id": "",
        "due_date": "",
        "status": "oppen",
        "not_done_reason": "",
        "feedback_on": "",
        "feedback_how": "",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def fresh(follow_up: FollowUp) -> FollowUp:
    """The row as it is now in the database (a request used a session of its own)."""
    db.session.expire_all()
    return db.session.get(FollowUp, follow_up.id)


def error_next_to(html: str, field_id: str) -> str:
    """The error message shown under one field of the form."""
    return html.split(f'id="{field_id}-error"', 1)[1].split("</p>", 1)[0]
