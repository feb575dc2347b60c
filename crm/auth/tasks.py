"""Sign-in's scheduled work (run by crm.scheduler, which commits)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_

from crm.auth.models import LoginAttempt, UserSession
from crm.extensions import db
from crm.timeutil import utcnow

# Sessions that ended, or could no longer be used, are kept this long (to see who was signed in when).
SESSIONS_KEPT = timedelta(days=30)


def prune_sign_ins(now: datetime | None = None) -> tuple[int, int]:
    """Forget failed logins older than the throttle's window, and sessions over for SESSIONS_KEPT.

    Returns (failed logins, sessions) removed."""
    now = now or utcnow()
    config = current_app.config
    attempts = db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_at < now - timedelta(seconds=config["LOGIN_WINDOW_SECONDS"]))
    ).rowcount
    over_before = now - SESSIONS_KEPT
    sessions = db.session.execute(
        delete(UserSession).where(or_(
            UserSession.ended_at < over_before,
            UserSession.last_seen_at < over_before - timedelta(seconds=config["SESSION_IDLE_SECONDS"]),
            UserSession.created_at < over_before - timedelta(seconds=config["SESSION_MAX_SECONDS"]),
        ))
    ).rowcount
    return attempts, sessions
