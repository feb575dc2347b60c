"""Company import: the job a file becomes (its stored upload, its column mapping), and which jobs are shown.

Reading the file is `crm.imports.reading`, planning its rows `crm.imports.planning`, writing the plan
`crm.imports.writer`; running a queued job is `crm.imports.jobs`, by the scheduler's `crm.imports.tasks`.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import select

from crm.companies.models import SniVersion
from crm.extensions import db
from crm.imports.files import import_folder, save_table
from crm.imports.mapping import guess_mapping
from crm.imports.models import ImportJob, ImportStatus
from crm.imports.reading import Table


def create_job(
    filename: str,
    data: bytes,
    kind: str,
    table: Table,
    created_by_id: int | None,
    mapping: list[str] | None = None,
) -> ImportJob:
    """Store the upload under a random name and record the job with a guessed column mapping."""
    stored_name = f"{secrets.token_hex(16)}.{kind}"
    (import_folder() / stored_name).write_bytes(data)
    save_table(import_folder() / f"{stored_name}.table.json", table)
    job = ImportJob(
        filename=Path(filename.replace("\\", "/")).name[:255] or "fil",  # for display only, never a path
        stored_name=stored_name,
        created_by_id=created_by_id,
        total_rows=len(table.rows),
    )
    set_mapping(job, mapping if mapping is not None else guess_mapping(table.headers), SniVersion.SNI2007)
    db.session.add(job)
    db.session.flush()
    return job


def set_mapping(job: ImportJob, columns: list[str], sni_version: SniVersion) -> None:
    job.mapping = {"columns": list(columns), "sni_version": sni_version.value}


def job_mapping(job: ImportJob) -> tuple[list[str], SniVersion]:
    mapping = job.mapping or {}
    return list(mapping.get("columns") or []), SniVersion(mapping.get("sni_version") or SniVersion.SNI2007)


def is_editable(job: ImportJob) -> bool:
    """A job can be mapped, previewed and started until it runs; a failed one can be retried. One that has saved
    rows is not mapped again: it goes on with the plan it was started with (Försök igen)."""
    return job.status in (ImportStatus.UPLOADED, ImportStatus.FAILED) and not job.rows_written


def recent_jobs(limit: int = 10):
    return select(ImportJob).order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit)
