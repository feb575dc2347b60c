"""Building import files and jobs for tests."""

from __future__ import annotations

import csv
import io

from flask_babel import force_locale
from openpyxl import Workbook

from crm.extensions import db
from crm.imports import services
from crm.imports.models import ImportJob
from crm.imports.reading import kind_of, read_table


def csv_bytes(rows: list[list[object]], delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    """A CSV file as Swedish Excel writes it (semicolons, CRLF) unless told otherwise."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([["" if cell is None else cell for cell in row] for row in rows])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload_job(content: bytes, filename: str = "foretag.csv", created_by_id: int | None = None) -> ImportJob:
    """An uploaded job with the guessed mapping, committed, as the upload page leaves it."""
    kind = kind_of(filename, content)
    job = services.create_job(filename, content, kind, read_table(content, kind), created_by_id)
    db.session.commit()
    return job


def swedish(message) -> str:
    """A lazy message as the Swedish UI shows it (outside a request there is no user to pick a language)."""
    with force_locale("sv"):
        return str(message)


def run_scheduled_imports(app) -> None:
    """One tick of the scheduler's import job, run as the scheduler process runs it."""
    from crm.scheduler import jobs as scheduler_jobs
    from crm.scheduler import runs

    runs.bind(app)
    try:
        scheduler_jobs.run_imports()
    finally:
        runs.unbind()
    db.session.expire_all()
