"""A consistent copy of the database while the app runs, and putting one back.

SQLite: the online backup API copies the database page by page under SQLite's own locking, so a
copy taken during writes holds every transaction committed before it finished and no half of one
(a plain `cp` of a file being written can be corrupt). PostgreSQL: `pg_dump` in its custom format,
one snapshot of the whole database, restored with `pg_restore`. A copy is written to a temporary
name beside its target and renamed when complete, so a crash never leaves a half-written backup
under the final name.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from crm.database import SWEDISH
from crm.text import swedish_compare


class BackupError(RuntimeError):
    """The backup or the restore could not be made; the message says why, in Swedish."""


def suffix(database_url: str) -> str:
    return ".sqlite3" if make_url(database_url).get_backend_name() == "sqlite" else ".dump"


def default_path(folder: Path, database_url: str, now: datetime) -> Path:
    return folder / f"crm-{now:%Y%m%d-%H%M%S}{suffix(database_url)}"


def _sqlite_file(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("En databas i minnet kan inte säkerhetskopieras.")
    return Path(database).resolve()


def _libpq_url(database_url: str) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]), reverse=True)
    found = shutil.which(name) or (installed[0] if installed else None)
    if found is None:
        raise BackupError(f"{name} finns inte på datorn (paketet postgresql-client).")
    return str(found)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} misslyckades: {result.stderr.strip()}")


def _sqlite(path: Path) -> sqlite3.Connection:
    """A plain connection that knows the collation "sv" the name indexes are built with (crm/database.py)."""
    connection = sqlite3.connect(path, timeout=30)
    connection.create_collation(SWEDISH, swedish_compare)
    return connection


def check_sqlite(path: Path) -> None:
    """SQLite's own integrity check of a copy; BackupError if it finds anything."""
    connection = _sqlite(path)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} är ingen SQLite-databas: {error}") from error
    finally:
        connection.close()
    if verdict != "ok":
        raise BackupError(f"Kopian är skadad: {verdict}")


def backup(database_url: str, target: Path) -> Path:
    """Write a consistent copy of the database to `target` and return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    if make_url(database_url).get_backend_name() == "sqlite":
        source = _sqlite(_sqlite_file(database_url))
        copy = _sqlite(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        check_sqlite(partial)
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}",
              f"--dbname={_libpq_url(database_url)}"])
    os.replace(partial, target)
    return target


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with the copy in `source` (the app should be stopped)."""
    if not source.is_file():
        raise BackupError(f"Filen {source} finns inte.")
    if make_url(database_url).get_backend_name() == "sqlite":
        check_sqlite(source)
        copy = _sqlite(source)
        target = _sqlite(_sqlite_file(database_url))
        try:
            copy.backup(target)
        finally:
            target.close()
            copy.close()
    else:
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(database_url)}", str(source)])
