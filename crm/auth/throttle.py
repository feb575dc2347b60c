"""Login throttling: repeated failures for an account or an address are slowed, then refused."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from crm.auth.models import LoginAttempt
from crm.extensions import db
from crm.timeutil import utcnow

MAX_DELAY_SECONDS = 60


@dataclass(frozen=True)
class Refusal:
    """Why a login attempt may not be tried now, and for how long."""

    locked: bool
    wait_seconds: int


def _failures(email: str, address: str, since: datetime) -> tuple[list[datetime], list[datetime]]:
    rows = db.session.execute(
        select(LoginAttempt.email, LoginAttempt.address, LoginAttempt.attempted_at)
        .where(
            LoginAttempt.attempted_at >= since,
            or_(LoginAttempt.email == email, LoginAttempt.address == address),
        )
        .order_by(LoginAttempt.attempted_at)
    ).all()
    by_email = [row.attempted_at for row in rows if row.email == email]
    by_address = [row.attempted_at for row in rows if row.address == address]
    return by_email, by_address


def check(email: str, address: str, now: datetime | None = None) -> Refusal | None:
    """Return a refusal if this account or address must not try to log in now."""
    now = now or utcnow()
    config = current_app.config
    window = timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    slowdown_after = config["LOGIN_SLOWDOWN_AFTER"]
    lockout_after = config["LOGIN_LOCKOUT_AFTER"]
    email = email.strip().lower()

    worst: Refusal | None = None
    for failures in _failures(email, address, now - window):
        count = len(failures)
        if count >= lockout_after:
            # Locked until enough failures have aged out of the window.
            free_at = failures[count - lockout_after] + window
            refusal = Refusal(True, max(1, math.ceil((free_at - now).total_seconds())))
        elif count >= slowdown_after:
            delay = min(MAX_DELAY_SECONDS, 2 ** (count - slowdown_after + 1))
            remaining = (failures[-1] + timedelta(seconds=delay) - now).total_seconds()
            refusal = Refusal(False, math.ceil(remaining)) if remaining > 0 else None
        else:
            refusal = None
        if refusal and (worst is None or (refusal.locked, refusal.wait_seconds) > (worst.locked, worst.wait_seconds)):
            worst = refusal
    return worst


def record_failure(email: str, address: str) -> None:
    db.session.add(LoginAttempt(email=email.strip().lower()[:254], address=address[:64]))


def clear(email: str) -> None:
    """Forget an account's failures after it logs in; old rows of anyone are pruned too."""
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    db.session.execute(
        delete(LoginAttempt).where(
            or_(LoginAttempt.email == email.strip().lower(), LoginAttempt.attempted_at < utcnow() - window)
        )
    )
