"""Where an import's upload, its parsed copy and its progress live: the import folder.

The web app writes the upload, the scheduler process reads it and writes the progress, so both must
see the same folder (IMPORT_FOLDER, else the instance folder's imports/). Progress is a file, not a
row, because on SQLite the running import holds the database's only write lock.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from flask import current_app

from crm.imports.models import ImportJob
from crm.imports.reading import Table, read_table


def import_folder() -> Path:
    """Where uploads live: IMPORT_FOLDER if configured, else the instance folder's imports/."""
    folder = Path(current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_path(job: ImportJob) -> Path:
    return import_folder() / job.stored_name


def progress_path(job: ImportJob) -> Path:
    return import_folder() / f"{job.stored_name}.progress.json"


def table_path(job: ImportJob) -> Path:
    return import_folder() / f"{job.stored_name}.table.json"


def plan_path(job: ImportJob) -> Path:
    """The plan a chunked import writes (`crm.imports.staging`), kept until the import is done."""
    return import_folder() / f"{job.stored_name}.plan"


def _kind(job: ImportJob) -> str:
    return job.stored_name.rsplit(".", 1)[-1]


def save_table(path: Path, table: Table) -> None:
    """Keep the parsed rows beside the upload: reading a large .xlsx again on every page takes seconds."""
    content = {"headers": table.headers, "rows": table.rows, "encoding": table.encoding, "delimiter": table.delimiter}
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")


def load_table(job: ImportJob) -> Table:
    """The job's rows: from the parsed copy saved at upload, else read from the file again."""
    try:
        content = json.loads(table_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return read_table(upload_path(job).read_bytes(), _kind(job))
    rows = [(number, cells) for number, cells in content["rows"]]
    return Table(content["headers"], rows, content["encoding"], content["delimiter"])


def remove_files(job: ImportJob) -> None:
    """The upload held personal data; once the register has it, neither the file nor its copy is kept."""
    upload_path(job).unlink(missing_ok=True)
    table_path(job).unlink(missing_ok=True)
    plan_path(job).unlink(missing_ok=True)


def has_file(job: ImportJob) -> bool:
    return upload_path(job).is_file()


class ProgressFile:
    """A small JSON file the status page reads; replaced atomically so a reader never sees half of it."""

    def __init__(self, path: Path):
        self.path = path

    def write(self, phase: str, done: int = 0, total: int = 0) -> None:
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(json.dumps({"phase": phase, "done": done, "total": total}), encoding="utf-8")
        os.replace(temporary, self.path)

    def read(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def read_progress(job: ImportJob) -> dict[str, Any] | None:
    return ProgressFile(progress_path(job)).read()

