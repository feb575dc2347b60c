"""The nightly clean-up forgets failed logins after the throttle's window and sessions long over."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.auth.models import LoginAttempt, UserSession
from crm.auth.tasks import SESSIONS_KEPT, prune_sign_ins
from crm.extensions import db
from crm.timeutil import utcnow


def test_old_failed_logins_and_sessions_long_over_are_forgotten_and_the_rest_kept(app, users):
    now = utcnow()
    window = timedelta(seconds=app.config["LOGIN_WINDOW_SECONDS"])
    idle = timedelta(seconds=app.config["SESSION_IDLE_SECONDS"])
    user = users["staff"]
    db.session.add_all([
        LoginAttempt(email="a@x.se", address="10.0.0.1", attempted_at=now - window - timedelta(minutes=1)),
        LoginAttempt(email="b@x.se", address="10.0.0.1", attempted_at=now - window + timedelta(minutes=1)),
        UserSession(user_id=user.id, key_hash="a" * 64, created_at=now - timedelta(days=40),
                    last_seen_at=now - timedelta(days=40), ended_at=now - SESSIONS_KEPT - timedelta(days=1)),
        UserSession(user_id=user.id, key_hash="b" * 64, created_at=now - timedelta(days=2),
                    last_seen_at=now - timedelta(days=2), ended_at=now - timedelta(days=1)),
        UserSession(user_id=user.id, key_hash="c" * 64, created_at=now - timedelta(days=45),
                    last_seen_at=now - SESSIONS_KEPT - idle - timedelta(hours=1)),
        UserSession(user_id=user.id, key_hash="d" * 64, created_at=now - timedelta(hours=1), last_seen_at=now),
    ])
    db.session.commit()

    assert prune_sign_ins(now) == (1, 2)
    db.session.commit()

    assert db.session.scalars(select(LoginAttempt.email)).all() == ["b@x.se"]
    assert sorted(db.session.scalars(select(UserSession.key_hash))) == ["b" * 64, "d" * 64]
