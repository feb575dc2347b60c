"""Turning a suggestion into a proposed politician visit that counts towards the year's target."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import exists, select

from crm.companies.models import Company, CompanyStatus
from crm.extensions import db
from crm.plan.suggestions import PLANNED_STATUSES, suggestion_for
from crm.visits.models import Visit, VisitKind, VisitStatus

if TYPE_CHECKING:
    from crm.auth.models import User

class ProposalRefused(Exception):
    """The visit cannot be proposed; the message says why, for the user."""


def propose_visit(company: Company, year: int, created_by: User, now: datetime) -> Visit:
    """A proposed politician visit to the company in the year, counting towards the target, with the reasons."""
    if company.status != CompanyStatus.ACTIVE:
        raise ProposalRefused(_("%(name)s är inte ett aktivt företag.", name=company.name))
    already = db.session.execute(
        select(exists().where(
            Visit.company_id == company.id, Visit.year == year, Visit.status.in_(PLANNED_STATUSES)
        ))
    ).scalar()
    if already:
        raise ProposalRefused(
            _("%(name)s har redan ett föreslaget eller bokat besök %(year)d.", name=company.name, year=year)
        )
    suggestion = suggestion_for(company.id, year, now)
    visit = Visit(
        company=company,
        year=year,
        kind=VisitKind.POLITICIAN,
        status=VisitStatus.PROPOSED,
        counts_towards_target=True,
        suggestion_reason=(suggestion.reason_line or None) if suggestion else None,
        created_by=created_by,
    )
    db.session.add(visit)
    db.session.flush()
    return visit
