"""`flask backup` and `flask restore`: a copy taken while the app writes restores whole (both databases)."""

from __future__ import annotations

import threading

import psycopg
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from crm import backup as backups
from crm.companies.models import Company, Tag
from crm.extensions import db


def _fresh_database(database_url: str, tmp_path) -> str:
    """An empty database beside the test one, to restore into."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname="postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS restored")
        conn.execute("CREATE DATABASE restored")
    return url.set(database="restored").render_as_string(hide_password=False)


class Writer(threading.Thread):
    """Commits one tag at a time, probe-0, probe-1, …, on its own connection, until stopped."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(database_url)
        self.committed = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            with self.engine.begin() as connection:
                connection.execute(text("INSERT INTO tags (name) VALUES (:name)"), {"name": f"probe-{self.committed}"})
            self.committed += 1

    def finish(self) -> int:
        self.stop.set()
        self.join(timeout=30)
        self.engine.dispose()
        return self.committed


def test_a_backup_taken_during_writes_restores_every_row_committed_before_it(app, tmp_path):
    database_url = db.engine.url.render_as_string(hide_password=False)
    writer = Writer(database_url)
    writer.start()
    while writer.committed < 50:  # writes are going on when the copy starts
        threading.Event().wait(0.01)
    before = writer.committed
    copy = backups.backup(database_url, tmp_path / f"during{backups.suffix(database_url)}")
    after = writer.finish()
    assert after > before and not copy.with_name(copy.name + ".partial").exists()

    restored_url = _fresh_database(database_url, tmp_path)
    backups.restore(restored_url, copy)

    engine = create_engine(restored_url)
    try:
        with engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM tags WHERE name LIKE 'probe-%'")).scalars().all()
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    if engine.dialect.name == "sqlite":
        backups.check_sqlite(make_url(restored_url).database)  # SQLite's integrity check: raises on damage
    numbers = sorted(int(name.removeprefix("probe-")) for name in names)
    assert len(numbers) >= before  # every row committed before the copy started
    assert numbers == list(range(len(numbers)))  # and whole transactions only, in order: no gap, no half
    with db.engine.connect() as connection:
        assert version == connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def test_the_commands_back_up_and_put_back_what_was_there(app, factories, tmp_path):
    app.config["BACKUP_FOLDER"] = str(tmp_path / "backups")
    factories.company(name="Kvarnen i Åby AB")
    db.session.commit()
    runner = app.test_cli_runner()
    made = runner.invoke(args=["backup"])
    assert made.exit_code == 0, made.output
    assert "Säkerhetskopia skriven:" in made.output
    path = made.output.split("skriven: ", 1)[1].split(" (", 1)[0]
    assert path.startswith(str(tmp_path / "backups" / "crm-"))  # the configured folder

    db.session.execute(Company.__table__.delete())
    db.session.commit()
    db.session.remove()
    refused = runner.invoke(args=["restore", path], input="n\n")
    assert refused.exit_code != 0 and "ersätts med kopian" in refused.output

    restored = runner.invoke(args=["restore", path, "--yes"])
    assert restored.exit_code == 0, restored.output
    assert db.session.scalar(select(func.count()).select_from(Company).where(Company.name == "Kvarnen i Åby AB")) == 1


def test_a_damaged_copy_is_refused_and_the_database_left_alone(app, tmp_path):
    database_url = db.engine.url.render_as_string(hide_password=False)
    broken = tmp_path / f"broken{backups.suffix(database_url)}"
    broken.write_bytes(b"not a backup" * 100)
    db.session.add(Tag(name="kvar"))
    db.session.commit()
    db.session.remove()

    with pytest.raises(backups.BackupError):
        backups.restore(database_url, broken)

    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.name == "kvar")) == 1
