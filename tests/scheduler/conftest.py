"""A migrated SQLite file for the tests that start the app in other processes (one migration per run)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scheduler.support import migrate


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("scheduler-template")
    path = directory / "template.sqlite3"
    migrate(f"sqlite:///{path}", directory)
    return path


@pytest.fixture
def fresh_sqlite(_migrated_sqlite_template, tmp_path) -> Callable[[str], str]:
    """A fresh, migrated SQLite database of the given name in tmp_path; returns its URL."""

    def make(name: str) -> str:
        path = tmp_path / name
        shutil.copyfile(_migrated_sqlite_template, path)
        return f"sqlite:///{path}"

    return make
