"""Import jobs: an uploaded file, its column mapping, and how far the import has come."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.dbtypes import UTCDateTime
from crm.extensions import db
from crm.timeutil import utcnow


class ImportStatus(enum.StrEnum):
    UPLOADED = "uppladdad"
    RUNNING = "pagar"
    DONE = "klar"
    FAILED = "misslyckad"


class ImportJob(db.Model):
    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(255))
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=ImportStatus.UPLOADED,
    )
    mapping: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    total_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[Optional[str]] = mapped_column(Text)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
