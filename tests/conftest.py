"""Fixtures: a migrated database per run (SQLite or a real PostgreSQL), emptied after each test, and one app
for the run's tests (tests/support/shared_app.py), its settings put back after each test.

The app is made once, so the environment (CRM_*) is read once: a test that needs other settings sets
them in `app.config`, or makes an app of its own with `create_app`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from crm import create_app
from crm.extensions import db
from tests.support.factories import Factories
from tests.support.pgserver import PostgresServer
from tests.support.queries import count_queries as _count_queries
from tests.support.shared_app import SharedApp

PASSWORD = "rätt-lösenord-123"


def pytest_addoption(parser):
    parser.addoption("--db", choices=["sqlite", "postgresql"], default="sqlite", help="Database to run the suite on.")
    parser.addoption(
        "--all-tests", action="store_true",
        help="With --db=postgresql, also run the browser sweeps of markup and the tests that use no database (left "
             "out by default: see pytest_collection_modifyitems in tests/conftest.py).",
    )


def pytest_report_header(config):
    if _leaves_out_sqlite_only_tests(config):
        return ("database: postgresql (the browser sweeps of markup and the tests that use no database are left "
                "out; they run with --db=sqlite, or add --all-tests)")
    return f"database: {config.getoption('--db')}"


def _leaves_out_sqlite_only_tests(config) -> bool:
    return config.getoption("--db") == "postgresql" and not config.getoption("--all-tests")


# Browser tests that check markup (accessibility, layout, navigation) of pages, not what is stored.
MARKUP_SWEEPS = frozenset(
    Path(__file__).parent / "browser" / name
    for name in ("test_axe_sweep.py", "test_accessibility.py", "test_layout_375.py", "test_nav.py")
)


def uses_database(item) -> bool:
    """Whether the test reaches the database under test: through `database_url` (app, client, migrated, ...)."""
    return "database_url" in getattr(item, "fixturenames", ())


def runs_on_sqlite_only(item) -> bool:
    """A test that uses no database, or a browser sweep of markup: the PostgreSQL pass leaves it out."""
    return not uses_database(item) or Path(item.path) in MARKUP_SWEEPS


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass (`make test` runs it next to the SQLite pass) leaves out two kinds of test.

    - Tests that never touch the database under test. Every test that does gets it through the
      `database_url` fixture (`app`, `client`, `factories`, `migrated` all depend on it). The rest
      (parsers, forms, configuration, processes on SQLite files of their own) would only repeat their work.
    - The browser sweeps of markup (MARKUP_SWEEPS: axe, the 375 px layout, the menu): Chromium checks
      the HTML and CSS of pages, the slowest tests of all. Every page they open answers on both databases
      in the route × role and page tests. The browser tests of flows (signing in, answering an
      invitation, booking a visit: data written through the pages) run on both databases.

    `--all-tests` runs everything on PostgreSQL too.
    """
    if not _leaves_out_sqlite_only_tests(config):
        return
    left_out = [item for item in items if runs_on_sqlite_only(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not runs_on_sqlite_only(item)]


@pytest.fixture(scope="session")
def database_url(request):
    """A database URL for the whole run; PostgreSQL gets a server of its own."""
    if request.config.getoption("--db") == "postgresql":
        server = PostgresServer()
        try:
            yield server.start()
        finally:
            server.stop()
    else:
        with tempfile.TemporaryDirectory(prefix="crm-sqlite-") as directory:
            yield f"sqlite:///{Path(directory) / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def migrated(database_url):
    """Build the schema once with the migrations, as production does."""
    previous = os.environ.get("TEST_DATABASE_URL")
    os.environ["TEST_DATABASE_URL"] = database_url
    app = create_app("testing")
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        # Every test starts from the same empty database, without the rows migrations seed (topics).
        empty_database()
        db.session.remove()
        db.engine.dispose()
    try:
        yield database_url
    finally:
        if previous is None:
            os.environ.pop("TEST_DATABASE_URL", None)
        else:
            os.environ["TEST_DATABASE_URL"] = previous


def empty_database() -> None:
    db.session.rollback()
    dialect = db.session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    # A row pointing at another of its table (a new version at the one it supersedes, ON DELETE RESTRICT)
    # would stop a table-wide delete: let go of those links first.
    statements = [
        f"UPDATE {quote(table.name)} SET {quote(key.parent.name)} = NULL"
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table is table and key.parent.nullable
    ]
    statements += [f"DELETE FROM {quote(table.name)}" for table in reversed(db.metadata.sorted_tables)]
    if dialect.name == "postgresql":
        # One round trip to the server instead of one per table.
        db.session.execute(text(";\n".join(statements)))
    else:
        for statement in statements:
            db.session.execute(text(statement))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Runs each request in an app context of its own, as a server does.

    The test itself holds an app context for its factories; without this, requests would share
    its `g` (Flask-Login's cached user) and its database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _testing_app():
    app = create_app("testing")
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def _shared_app(migrated):
    """The app the tests share (see tests/support/shared_app.py), on the migrated database."""
    shared = SharedApp(_testing_app)
    try:
        yield shared
    finally:
        shared.discard()


@pytest.fixture
def app(_shared_app):
    """The app, in an app context, on an empty database with the settings of "testing"."""
    app = _shared_app.get()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            empty_database()
            db.session.remove()
            db.engine.dispose()
    _shared_app.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factories(app):
    return Factories(PASSWORD)


@pytest.fixture
def users(factories):
    """One committed user per role, keyed by role name."""
    created = {role: factories.user(role=role) for role in ("admin", "staff", "organizer", "politician")}
    db.session.commit()
    return created


def login(client, user, password: str = PASSWORD):
    response = client.post("/logga-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login_as(client, users):
    """Log the test client in as the user with the given role."""

    def _login(role: str):
        login(client, users[role])
        return users[role]

    return _login


@pytest.fixture
def count_queries(app):
    """Count the SQL statements sent inside a block: `with count_queries() as log: client.get(...)`; `log.count`."""
    return _count_queries
