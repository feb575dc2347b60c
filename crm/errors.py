"""The base of every domain rule that refuses an operation with a message for the user, and the page shown
while the database cannot be reached."""

from __future__ import annotations

import logging
from contextlib import nullcontext, suppress

from flask import Flask, current_app, g, make_response, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from crm.extensions import db

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30

# What the drivers say when there is no database to talk to, as opposed to a statement that failed.
UNREACHABLE = (
    "unable to open database",  # SQLite: "… file", or "…: <path>" for an attached one; missing or not readable
    "connection refused",
    "could not connect",
    "connection to server",  # psycopg: 'connection to server at "…", port … failed: …'
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "connection already closed",
    "the database system is starting up",
    "the database system is shutting down",
    "could not translate host name",
    "no route to host",
    "timeout expired",
)


class RuleRefused(Exception):
    """A rule refused the operation; `str(error)` is the (translated) message for the user."""

    message = _l("Det gick inte att genomföra.")

    def __str__(self) -> str:
        return str(self.message)


def database_unreachable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached (down, refusing, gone mid-request), not that a
    statement failed (a broken constraint, a lock, bad SQL)."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:  # SQLAlchemy recognised a disconnect
        return True
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    said = str(error.orig).lower()
    return any(phrase in said for phrase in UNREACHABLE)


def register_database_unavailable(app: Flask) -> None:
    app.register_error_handler(DBAPIError, _database_unavailable)


def _database_unavailable(error: DBAPIError):
    """503 with Retry-After for a database that cannot be reached; any other database error goes on to the 500."""
    if not database_unreachable(error):
        raise error
    orig = error.orig
    logger.error("Databasen går inte att nå: %s (%s.%s)", type(error).__name__, type(orig).__module__,
                 type(orig).__qualname__)
    locale = _signed_in_locale()
    # The page must not touch the database: it is shown as to a visitor, so Flask-Login loads no user and the
    # layout shows no menu nor the admins' scheduler banner.
    g._login_user = current_app.login_manager.anonymous_user()
    with suppress(SQLAlchemyError):  # a connection that died mid-request may not even roll back
        db.session.rollback()
    with force_locale(locale) if locale else nullcontext():
        response = make_response(render_template("errors/503.html"), 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _signed_in_locale() -> str | None:
    """The language of the user this request already loaded, read without the database; None if none was."""
    user = g.get("_login_user")
    state = inspect(user, raiseerr=False)
    return state.dict.get("locale") if state is not None else None
