"""Sessions that end on the server: one `UserSession` row per signed-in browser, checked on every request.

The signed session cookie holds the user's id and session token (`User.get_id`) and a random key whose
SHA-256 is the row's `key_hash`. A request is signed in only while

- the row exists and has not been ended (logging out ends it; "Logga ut överallt" ends them all),
- the user's session token is unchanged (a new password or deactivation rotates it),
- the row was used within SESSION_IDLE_SECONDS (default 8 hours) and began within SESSION_MAX_SECONDS
  (default 7 days).

So a copied cookie stops working at logout, after the idle timeout and after the lifetime, whatever
the cookie's own expiry says. Rows begin and end through Flask-Login's signals, so every way of logging
in (the password form, single sign-on) gets one. The app sets no remember-me cookie; one sent anyway
loads no user, as its session has no key.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import after_this_request, current_app, has_request_context, session
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import select, update

from crm.auth.models import User, UserSession
from crm.extensions import db
from crm.timeutil import utcnow

SESSION_KEY = "_crm_session"
TOUCH_SECONDS = 60  # last_seen_at is written at most once a minute per session


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _commit_after_request(response):
    db.session.commit()  # the row written at login or logout, if the view has not committed it already
    return response


def _end_current() -> None:
    key = session.pop(SESSION_KEY, None)
    if key:
        db.session.execute(
            update(UserSession).where(UserSession.key_hash == _hash(key), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def begin(sender, user: User, **extra) -> None:
    """A new row for this login (the session it replaces, if any, ends)."""
    _end_current()
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(user_id=user.id, key_hash=_hash(key), created_at=now, last_seen_at=now))
    session[SESSION_KEY] = key
    _prune(user)
    after_this_request(_commit_after_request)


def end(sender, user: User, **extra) -> None:
    """Logging out ends this browser's row."""
    _end_current()
    if has_request_context():
        after_this_request(_commit_after_request)


def end_all(user: User) -> None:
    db.session.execute(
        update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def _prune(user: User) -> None:
    """Forget this user's rows that could no longer be used anyway."""
    too_old = utcnow() - timedelta(seconds=current_app.config["SESSION_MAX_SECONDS"])
    db.session.execute(
        UserSession.__table__.delete().where(UserSession.user_id == user.id, UserSession.last_seen_at < too_old)
    )


def load_user(session_id: str) -> User | None:
    """Flask-Login's user loader: the user of a live session, else None (the request is not signed in)."""
    user_id, _, token = session_id.partition(":")
    key = session.get(SESSION_KEY)
    if not user_id.isdigit() or not key:
        return None
    row = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == int(user_id), UserSession.key_hash == _hash(key))
    ).first()
    if row is None:
        return None
    user, live = row
    now = utcnow()
    config = current_app.config
    if (
        not user.active
        or user.session_token != token
        or live.ended_at is not None
        or now - live.last_seen_at > timedelta(seconds=config["SESSION_IDLE_SECONDS"])
        or now - live.created_at > timedelta(seconds=config["SESSION_MAX_SECONDS"])
    ):
        session.pop(SESSION_KEY, None)
        return None
    if now - live.last_seen_at > timedelta(seconds=TOUCH_SECONDS):
        # On a connection of its own: a page that only reads commits nothing.
        with db.engine.begin() as connection:
            connection.execute(
                update(UserSession.__table__).where(UserSession.__table__.c.id == live.id).values(last_seen_at=now)
            )
    return user


def connect_signals(app) -> None:
    user_logged_in.connect(begin, app)
    user_logged_out.connect(end, app)
