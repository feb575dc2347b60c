"""While the database cannot be reached, every page answers 503 "Tjänsten är tillfälligt otillgänglig" with
Retry-After, rendered without the database; an error of a statement (a broken constraint) is still a 500.

The unreachable databases are real: a PostgreSQL URL on a 127.0.0.1 port where nothing listens, and a SQLite
file in a folder that does not exist. Each test makes its own app with the project's factory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask_login import current_user
from sqlalchemy import select, text

from crm import create_app
from crm.auth.access import roles_required
from crm.auth.models import Role, User
from crm.auth.sessions import SESSION_KEY
from crm.extensions import db
from tests.conftest import login
from tests.support.pgserver import free_port

HEADING = "Tjänsten är tillfälligt otillgänglig"
EXPLANATION = "Vänta en minut och försök igen."
EMAIL = "asa.oberg@example.se"


@pytest.fixture
def unreachable_app(monkeypatch, tmp_path) -> Iterator[Callable[[str], Flask]]:
    made: list[Flask] = []

    def make(kind: str) -> Flask:
        if kind == "postgresql":
            url = f"postgresql+psycopg://crm@127.0.0.1:{free_port()}/crm"
        else:
            url = f"sqlite:///{tmp_path / 'saknas' / 'crm.sqlite3'}"
        monkeypatch.setenv("TEST_DATABASE_URL", url)
        app = create_app("testing")
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def signed_in(client, user_id: int = 1) -> None:
    """A browser that signed in before the database went away: its session names a user and a session to load."""
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:token"
        session[SESSION_KEY] = "the-key-of-a-session"
        session["_fresh"] = True


def assert_unavailable(response) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 503, html
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert f"<h1>{HEADING}</h1>" in html and EXPLANATION in html
    assert "Traceback" not in html and "OperationalError" not in html and "psycopg" not in html
    return html


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_signing_in_without_a_database_answers_503(unreachable_app, caplog, kind):
    client = unreachable_app(kind).test_client()

    with caplog.at_level(logging.ERROR):
        response = client.post("/logga-in", data={"email": EMAIL, "password": "rätt-lösenord-123"})

    assert_unavailable(response)
    [logged] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert logged.name == "crm.errors"
    assert "OperationalError" in logged.getMessage()
    assert EMAIL not in logged.getMessage() and logged.exc_info is None, "no personal data, no traceback"


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
@pytest.mark.parametrize("path", ["/", "/admin/utkorg/", "/foretag/"])
def test_a_signed_in_page_without_a_database_answers_503_without_the_menu(unreachable_app, kind, path):
    client = unreachable_app(kind).test_client()
    signed_in(client)

    html = assert_unavailable(client.get(path))

    assert "Huvudmeny" not in html and "Logga ut" not in html, "no user could be loaded: shown as to a visitor"
    assert 'lang="sv"' in html and '<a href="/">Till startsidan</a>' in html


def test_the_page_is_in_english_for_a_visitor_who_chose_english(unreachable_app):
    client = unreachable_app("postgresql").test_client()
    with client.session_transaction() as session:
        session["locale"] = "en"

    response = client.post("/logga-in", data={"email": EMAIL, "password": "x"})

    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "<h1>The service is temporarily unavailable</h1>" in html and 'lang="en"' in html
    assert HEADING not in html


def _losing_route(app: Flask) -> None:
    """A page that loads its user, then loses the database: PostgreSQL ends the session's server process,
    SQLite is asked to open a file in a folder that does not exist."""

    @app.route("/tappar-databasen")
    @roles_required(Role.STAFF)
    def loses_the_database():
        assert current_user.name
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        else:
            db.session.execute(text("ATTACH DATABASE '/saknas/ingen/crm.sqlite3' AS saknas"))
        return "not reached"


def test_losing_the_database_mid_request_answers_503_in_the_users_language(app, factories):
    """The user was loaded before the connection went: the page still needs no query, and speaks English."""
    user = factories.user(role="staff", locale="en")
    db.session.commit()
    _losing_route(app)
    client = app.test_client()
    login(client, user)

    response = client.get("/tappar-databasen")

    html = response.get_data(as_text=True)
    assert response.status_code == 503, html
    assert response.headers["Retry-After"] == "30"
    assert "<h1>The service is temporarily unavailable</h1>" in html and 'lang="en"' in html
    assert "Log out" not in html and user.name not in html
    assert client.get("/").status_code == 200, "the next request gets a new connection"


def _failing_route(app: Flask, failure: str) -> None:
    @app.route("/trasig-fraga")
    @roles_required(Role.STAFF)
    def broken():
        if failure == "duplicate":
            taken = db.session.execute(select(User.email)).scalars().first()
            db.session.add(User(name="Dubblett", email=taken, role=Role.STAFF, password_hash="x"))
            db.session.flush()
        else:
            db.session.execute(text("SELECT * FROM no_such_table"))
        return "not reached"


@pytest.mark.parametrize("failure", ["duplicate", "missing_table"])
def test_a_failed_statement_is_still_a_500(app, users, caplog, failure):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _failing_route(app, failure)
    client = app.test_client()
    login(client, users["staff"])

    with caplog.at_level(logging.ERROR):
        response = client.get("/trasig-fraga")

    html = response.get_data(as_text=True)
    assert response.status_code == 500, html
    assert "Något gick fel" in html and HEADING not in html
    assert "Retry-After" not in response.headers
    assert not [record for record in caplog.records if record.name == "crm.errors"]
    assert client.get("/").status_code == 200, "the database itself is fine"
