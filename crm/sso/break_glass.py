"""Break-glass: the one local admin account that keeps password login, at its own URL, when the IdP is down.

Throttled by the same rules as the ordinary login (crm.auth.services.authenticate) and audited on every use,
refused or not.
"""

from __future__ import annotations

from crm.audit.mixins import record
from crm.auth import services as auth_services
from crm.auth.models import Role, User
from crm.extensions import db
from crm.sso import settings

# Never a password anyone has: the form refuses control characters, and the hash check still runs, so an
# address that is not the break-glass account costs the same time and counts as a failure in the throttle.
_NOT_A_PASSWORD = "\x00not-the-break-glass-account\x00"  # noqa: S105


def log_in(email: str, password: str, address: str) -> User | None:
    """The break-glass admin for this address and password, or None. Raises auth's LoginRefused when throttled."""
    account = settings.break_glass_email()
    is_account = bool(account) and email.strip().lower() == account
    try:
        user = auth_services.authenticate(email, password if is_account else _NOT_A_PASSWORD, address)
    except auth_services.LoginRefused:
        _audit_refused(email, "throttled")
        raise
    if user is None or user.role != Role.ADMIN:
        _audit_refused(email, "wrong_password" if is_account else "not_break_glass")
        return None
    record(db.session.connection(), "break_glass", "User", user.id, actor=(user.id, user.name),
           changes={"method": [None, "break_glass"], "address": [None, address]})
    return user


def _audit_refused(email: str, reason: str) -> None:
    record(db.session.connection(), "break_glass_refused", "User", "-", actor=(None, email.strip()[:200]),
           changes={"reason": [None, reason]})
