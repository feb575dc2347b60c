"""Test data for the visit plan: companies with SNI codes and visits in a given state."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crm.companies.models import Company, CompanySni, CompanyStatus
from crm.companies.services import tags_by_name
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.visits.models import Visit, VisitKind, VisitStatus

LONG_AGO = datetime(2015, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 7, 2, 10, 0, tzinfo=UTC)


def company(factories, *, sni: str | None = None, secondary: str | None = None, tags: list[str] = (),
            created_at: datetime = LONG_AGO, status: CompanyStatus = CompanyStatus.ACTIVE, **fields) -> Company:
    """A company registered long ago (so not "new"), with a primary and an optional second SNI code."""
    codes = [code for code in (sni, secondary) if code]
    found = factories.company(
        created_at=created_at,
        status=status,
        sni_codes=[CompanySni(code=code, position=n) for n, code in enumerate(codes)],
        **fields,
    )
    if tags:
        found.tags = tags_by_name(list(tags))
    db.session.flush()
    return found


def visit(target: Company, year: int, status: VisitStatus = VisitStatus.DONE, *, starts_at: datetime | None = None,
          dated: bool = True, counts: bool = True, kind: VisitKind = VisitKind.POLITICIAN, **fields) -> Visit:
    """A visit; done and booked ones start in mid-April of their year unless told otherwise (or not `dated`)."""
    if starts_at is None and dated and status in (VisitStatus.DONE, VisitStatus.BOOKED):
        starts_at = datetime(year, 4, 15, 8, 0, tzinfo=UTC)
    created = Visit(company=target, year=year, status=status, starts_at=starts_at, counts_towards_target=counts,
                    kind=kind, **fields)
    db.session.add(created)
    db.session.flush()
    return created


def follow_up(target: Company, status: FollowUpStatus = FollowUpStatus.OPEN, *, on_visit: Visit | None = None,
              feedback_on: date | None = None, visible: bool = False) -> FollowUp:
    created = FollowUp(company=target, visit=on_visit, description="Återkoppla om bygglovet", status=status,
                       feedback_on=feedback_on, visible_to_politicians=visible)
    db.session.add(created)
    db.session.flush()
    return created
