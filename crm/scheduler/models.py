"""What the scheduler process leaves behind: its heartbeat and a log of each job run."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.dbtypes import UTCDateTime
from crm.extensions import db
from crm.timeutil import utcnow

HEARTBEAT_ROW_ID = 1


class SchedulerHeartbeat(db.Model):
    """One row (id HEARTBEAT_ROW_ID), rewritten by the running scheduler; admins are warned when it goes stale."""

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    # When it last took its lock again after losing the database, and how often since it started.
    reconnected_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    reconnects: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SchedulerRun(db.Model):
    """One run of one job for one scheduled time; the unique key makes a doubled tick impossible to hide."""

    __tablename__ = "scheduler_runs"
    __table_args__ = (UniqueConstraint("job_id", "scheduled_for", name="uq_scheduler_runs_job_id_scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(60))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    error: Mapped[Optional[str]] = mapped_column(Text)
