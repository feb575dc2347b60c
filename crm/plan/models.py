"""The visit plan: the year's target, the register counted by group, and the stored suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.audit.mixins import Audited
from crm.dbtypes import UTCDateTime
from crm.extensions import db
from crm.timeutil import utcnow


class VisitPlan(Audited, db.Model):
    """The year's visit target, decided by the tillväxtutskott."""

    __tablename__ = "visit_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    target: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class RegisterCount(db.Model):
    """The active register's companies per group of one spread dimension, counted by a scheduled job.

    The plan page compares the year's visited companies with these rows instead of counting every active
    company on each request. `grp` is '' for companies where the fact is not known (NULL would not be unique).
    """

    __tablename__ = "register_counts"
    __table_args__ = (UniqueConstraint("dimension", "grp", name="uq_register_counts_dimension_grp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(10))
    grp: Mapped[str] = mapped_column(String(100))
    companies: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StoredSuggestion(db.Model):
    """One ranked suggestion of whom to visit, for a plan year and audience, as the scheduled job last ranked them.

    Ranking every active company takes a few hundred milliseconds at 100,000 companies, so the job ranks the
    current and the next year; the plan pages read these rows and leave out, as they read them, the companies
    that have since got a visit that year or stopped being active. `reasons` holds the Reason values, comma
    separated, and `division` the first two digits of the primary SNI code.
    """

    __tablename__ = "stored_suggestions"
    __table_args__ = (
        UniqueConstraint("year", "politician_view", "rank", name="uq_stored_suggestions_year_view_rank"),
        Index("ix_stored_suggestions_company_id", "company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    politician_view: Mapped[bool]  # ranked on the follow-ups visible to politicians only
    rank: Mapped[int]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    score: Mapped[int]
    reasons: Mapped[str] = mapped_column(String(200))
    last_visit_year: Mapped[Optional[int]]
    division: Mapped[Optional[str]] = mapped_column(String(2))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
