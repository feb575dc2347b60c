"""Users, their roles, their signed-in sessions and the login attempts that throttling counts."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, Index, String, Time, func, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from crm.audit.mixins import Audited
from crm.dbtypes import Labelled, UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow


class Role(Labelled):
    """What a user may do; the UI names are in `label`."""

    ADMIN = "admin"
    STAFF = "staff"
    ORGANIZER = "organizer"
    POLITICIAN = "politician"


Role.set_labels({
    Role.ADMIN: _l("Administratör"),
    Role.STAFF: _l("Näringslivsutvecklare"),
    Role.ORGANIZER: _l("Evenemangsansvarig"),
    Role.POLITICIAN: _l("Förtroendevald"),
})


def _new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Audited, UserMixin, db.Model):
    __tablename__ = "users"
    __audit_exclude__ = frozenset({"password_hash", "session_token", "last_login_at", "last_digest_on"})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[Role] = mapped_column(
        str_enum(Role)
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(5), default="sv")
    # Rotated when the password changes or the user is deactivated: old sessions stop working.
    session_token: Mapped[str] = mapped_column(String(64), default=_new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    # Reminders by e-mail (crm.reminders): each kind can be turned off; the digest comes at a chosen time.
    digest_enabled: Mapped[bool] = mapped_column(default=True)
    digest_time: Mapped[time] = mapped_column(Time(), default=time(7, 30))
    digest_weekends: Mapped[bool] = mapped_column(default=False)  # also on Saturdays and Sundays
    visit_reminders_enabled: Mapped[bool] = mapped_column(default=True)
    assignment_mails_enabled: Mapped[bool] = mapped_column(default=True)
    # The Stockholm date of the last digest made (sent or found empty), so one day never gets two.
    last_digest_on: Mapped[Optional[date]] = mapped_column(Date())

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    # Flask-Login: the session holds id and token, so a rotated token logs the user out.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.rotate_session()

    def rotate_session(self) -> None:
        """End every session this user has open."""
        self.session_token = _new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role) -> bool:
        """Admins may do everything; others only what their role allows."""
        return self.role == Role.ADMIN or self.role in roles

    @staticmethod
    def by_email(email: str):
        return select(User).where(func.lower(User.email) == email.strip().lower())


class LoginAttempt(db.Model):
    """One failed login, kept for the throttling window and then pruned."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UserSession(db.Model):
    """One signed-in browser: the cookie holds a random key, this row its hash and how long it may last.

    Checked on every request (crm.auth.sessions): logging out ends the row, "Logga ut överallt" and a new
    password end all of a user's rows, and a row unused for the idle timeout or older than the lifetime
    is refused, so a copied cookie stops working.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the cookie's key, in hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
