"""Import jobs: an uploaded file, its column mapping, and how far the import has come.

A confirmed import is queued; the scheduler process claims it (status "pagar", a claim token and a
lease it renews while it works) and writes its rows a chunk at a time. Each chunk's commit also
records how far the job has come (`rows_written`, `resume_state`), so a job that stopped half-way
goes on from there when it runs again (see `crm.imports.jobs`). A running job whose lease has run
out belongs to a process that stopped: the next sweep queues it again when some of it is saved
(it is resumed), and fails it when nothing is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from crm.dbtypes import Labelled, UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow


class ImportStatus(Labelled):
    UPLOADED = "uppladdad"
    QUEUED = "koad"
    RUNNING = "pagar"
    DONE = "klar"
    FAILED = "misslyckad"


ImportStatus.set_labels({
    ImportStatus.UPLOADED: _l("Inte startad"),
    ImportStatus.QUEUED: _l("I kö"),
    ImportStatus.RUNNING: _l("Pågår"),
    ImportStatus.DONE: _l("Klar"),
    ImportStatus.FAILED: _l("Misslyckades"),
})

class ImportJob(db.Model):
    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(255))
    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus),
        default=ImportStatus.UPLOADED,
    )
    mapping: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    skip_errors: Mapped[bool] = mapped_column(default=False, server_default=false())
    total_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[Optional[str]] = mapped_column(Text)
    # Who confirmed (or last retried) the import: the run is audited as theirs.
    queued_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    queued_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set by the process running the job: the claim's token, "host pid" for people, the lease it renews.
    claim_token: Mapped[Optional[str]] = mapped_column(String(32))
    worker: Mapped[Optional[str]] = mapped_column(String(255))
    lease_expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # How far the import has come: the plan's valid rows saved so far (committed with them), and what the
    # rest needs to carry on (counts so far, ids of the contacts and tags it made); cleared when done.
    rows_written: Mapped[int] = mapped_column(default=0, server_default="0")
    resume_state: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
