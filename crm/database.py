"""Engine settings per database: SQLite gets WAL, foreign keys, a busy timeout and the collation "sv".

Indexes on names are built in Swedish order (migration 0012): on SQLite with the collation "sv" that
every connection registers here. A connection without it cannot write to those tables ("no such
collation sequence: sv"), so use `flask shell` or the app's engine rather than the sqlite3 program to
change rows by hand. PostgreSQL has the collation "sv" as a database object (ICU), made by the migration.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

from crm.text import swedish_compare

SWEDISH = "sv"


def configure_engine_events(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
        dbapi_connection.create_collation(SWEDISH, swedish_compare)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
