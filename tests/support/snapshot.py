"""Sample data built once and put back for each test: the rows of every table, and the files of a folder.

Putting rows back is a few multi-row INSERTs instead of building the same objects through the
factories again. The rows keep their ids, so values taken from the first build (ids, tokens) stay
valid. Core INSERTs fire the database's own triggers (SQLite's search index) but no ORM events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select

from crm.extensions import db


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, list[dict]]
    files: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def take(cls, folder: Path | None = None) -> Snapshot:
        """The committed rows of every table (in primary key order) and the files under `folder`."""
        rows = {}
        for table in db.metadata.sorted_tables:
            found = db.session.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
            if found:
                rows[table.name] = [dict(row) for row in found]
        files = {}
        if folder is not None and folder.exists():
            files = {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}
        return cls(rows, files)

    def restore(self, folder: Path | None = None) -> None:
        """Put the rows back into the emptied database (parents first) and commit; the files into `folder`."""
        for table in db.metadata.sorted_tables:
            if table.name in self.rows:
                db.session.execute(insert(table), self.rows[table.name])
        db.session.commit()
        for name, content in self.files.items():
            assert folder is not None, "the snapshot has files: say where to put them"
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
