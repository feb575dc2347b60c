"""Account rules: authentication, creating and changing users."""

from __future__ import annotations

from datetime import time

from sqlalchemy import func, select

from crm.audit.mixins import record
from crm.auth import passwords, sessions, throttle
from crm.auth.models import Role, User
from crm.extensions import db
from crm.timeutil import utcnow


class LoginRefused(Exception):
    """A login attempt refused before the password was checked."""

    def __init__(self, refusal: throttle.Refusal):
        super().__init__(refusal)
        self.refusal = refusal


def authenticate(email: str, password: str, address: str) -> User | None:
    """Return the active user with this e-mail and password, or None; raise LoginRefused when throttled.

    A password hash is checked whether or not the address has an account, so the answer takes as long.
    """
    attempt = _begin_attempt(email, address)
    user = db.session.execute(User.by_email(email)).scalar_one_or_none()
    matches = passwords.verify(user.password_hash if user else None, password)
    if user is None or not user.active or not matches:
        return None  # the attempt stays counted as a failure
    throttle.succeeded(attempt)
    user.last_login_at = utcnow()
    record(db.session.connection(), "login", "User", user.id, actor=(user.id, user.name))
    return user


def check_current_password(user: User, password: str, address: str) -> bool:
    """The change-password form's check of the current password, throttled like a login."""
    attempt = _begin_attempt(user.email, address)
    if not passwords.verify(user.password_hash, password):
        return False
    throttle.succeeded(attempt)
    return True


def _begin_attempt(email: str, address: str) -> throttle.Attempt:
    try:
        return throttle.begin(email, address)
    except throttle.Throttled as throttled:
        raise LoginRefused(throttled.refusal) from None


def end_all_sessions(user: User) -> None:
    """"Logga ut överallt": every session of this user stops working, this one included."""
    user.rotate_session()
    sessions.end_all(user)


def email_taken(email: str, except_id: int | None = None) -> bool:
    query = select(func.count()).select_from(User).where(func.lower(User.email) == email.strip().lower())
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.execute(query).scalar_one() > 0


def create_user(name: str, email: str, role: Role, password: str, locale: str = "sv") -> User:
    user = User(name=name.strip(), email=email.strip().lower(), role=role, locale=locale, active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, *, name: str, email: str, role: Role, active: bool, locale: str) -> None:
    user.name = name.strip()
    user.email = email.strip().lower()
    user.role = role
    user.locale = locale
    if user.active and not active:
        user.rotate_session()
    user.active = active


def set_preferences(user: User, *, locale: str, digest_enabled: bool, digest_time: time, digest_weekends: bool,
                    visit_reminders_enabled: bool, assignment_mails_enabled: bool) -> None:
    """The user's own settings: language and which reminders come by e-mail (crm.reminders)."""
    user.locale = locale
    user.digest_enabled = digest_enabled
    user.digest_time = digest_time.replace(second=0, microsecond=0)
    user.digest_weekends = digest_weekends
    user.visit_reminders_enabled = visit_reminders_enabled
    user.assignment_mails_enabled = assignment_mails_enabled


def active_admin_count() -> int:
    return db.session.execute(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active.is_(True))
    ).scalar_one()
