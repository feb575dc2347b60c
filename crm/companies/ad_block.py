"""Reklamspärr in a selection of companies: whose generic address mailings leave out."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from crm.companies.models import Company
from crm.companies.search import CompanyFilters, company_query
from crm.dbtypes import swedish
from crm.extensions import db

AD_BLOCK_LISTED = 50


@dataclass(frozen=True)
class AdBlocked:
    """Companies of a selection whose generic address is left out of mailings because of Reklamspärr."""

    companies: list[tuple[int, str, str]]  # (id, name, generic address), the first AD_BLOCK_LISTED by name
    total: int


def ad_blocked_companies(filters: CompanyFilters, limit: int = AD_BLOCK_LISTED) -> AdBlocked:
    """The filtered companies with Reklamspärr that have a generic address (which no mailing uses).

    Mailings go to named contact persons; a person who may be invited is invited whatever the company's
    Reklamspärr says. The company's own address is what Reklamspärr keeps out, and the preview says so.
    """
    blocked = company_query(filters).with_only_columns(Company.id).order_by(None).where(
        Company.ad_block.is_(True), Company.email.is_not(None)
    )
    total = db.session.scalar(select(func.count()).select_from(blocked.subquery())) or 0
    rows = db.session.execute(
        select(Company.id, Company.name, Company.email).where(Company.id.in_(blocked))
        .order_by(swedish(Company.name), Company.id).limit(limit)
    ).all()
    return AdBlocked([(row.id, row.name, row.email) for row in rows], total)
