"""Test data for follow-ups: visits with participants, a filled-in form, what a service is given."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from crm.auth.models import User
from crm.companies.models import Company
from crm.extensions import db
from crm.followups.services import FollowUpData
from crm.visits.models import Visit, VisitStatus
from tests.support.forms import posted

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
    return posted({
        "description": "Återkoppla om detaljplanen för hamnområdet.",
        "topic_id": "",
        "due_date": "",
        "status": "oppen",
        "not_done_reason": "",
        "feedback_on": "",
        "feedback_how": "",
    }, fields)


def follow_up_data(**fields) -> FollowUpData:
    """What a staff member fills in, as the services take it: a description and no assignee unless told."""
    fields.setdefault("description", "Ta reda på när bygglovet för lagerhallen kan vara klart")
    fields.setdefault("assignee_id", None)
    return FollowUpData(**fields)
