"""Login throttling: failures are counted per client and per account-and-client pair, and slow down only that
client with delays that grow; there is no lock that a stranger could set off.

- The client is the address the request came from, through the trusted proxies (CRM_TRUSTED_PROXIES,
  crm.security.TrustedProxies). Failures from one client never delay another client.
- The pair counter is keyed on the address typed, known or not, so failures for made-up addresses never
  touch a real account's counter, and a known account slows down exactly like an unknown one.
- After LOGIN_SLOWDOWN_AFTER failures of a pair (LOGIN_CLIENT_SLOWDOWN_AFTER of a client) in the window,
  each further attempt waits 2, 4, 8 ... seconds after the last failure, at most LOGIN_MAX_DELAY_SECONDS.
- The counts are rows in the database, so every gunicorn worker sees them. Each attempt is written (and
  committed, on a connection of its own) before the password is checked and counts as a failure until it
  succeeds, so attempts sent at the same time see each other and cannot all slip through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import and_, delete, insert, or_, select

from crm.auth.models import LoginAttempt
from crm.extensions import db
from crm.timeutil import utcnow

ATTEMPTS = LoginAttempt.__table__


@dataclass(frozen=True)
class Refusal:
    """An attempt that may not be tried yet, and how many seconds are left to wait."""

    wait_seconds: int

    def message(self) -> str:
        if self.wait_seconds >= 90:
            minutes = -(-self.wait_seconds // 60)
            return ngettext(
                "För många misslyckade inloggningsförsök. Försök igen om %(num)d minut.",
                "För många misslyckade inloggningsförsök. Försök igen om %(num)d minuter.",
                minutes,
            )
        return ngettext(
            "Flera misslyckade försök i rad. Vänta %(num)d sekund innan du försöker igen.",
            "Flera misslyckade försök i rad. Vänta %(num)d sekunder innan du försöker igen.",
            self.wait_seconds,
        )


class Throttled(Exception):
    def __init__(self, refusal: Refusal):
        super().__init__(refusal)
        self.refusal = refusal


@dataclass(frozen=True)
class Attempt:
    """An attempt written before its password is checked; `succeeded` takes it back."""

    id: int
    email: str
    address: str


def _key(email: str, address: str) -> tuple[str, str]:
    return (email or "").strip().lower()[:254], (address or "-")[:64]


def _wait(failures: list[datetime], free: int, now: datetime) -> float:
    if len(failures) < free:
        return 0.0
    delay = min(current_app.config["LOGIN_MAX_DELAY_SECONDS"], 2 ** (len(failures) - free + 1))
    return (failures[-1] + timedelta(seconds=delay) - now).total_seconds()


def check(email: str, address: str, now: datetime | None = None, before_id: int | None = None) -> Refusal | None:
    """A refusal if this client, or this address from this client, must wait before trying again."""
    email, address = _key(email, address)
    now = now or utcnow()
    config = current_app.config
    query = (
        select(ATTEMPTS.c.email, ATTEMPTS.c.attempted_at)
        .where(ATTEMPTS.c.address == address,
               ATTEMPTS.c.attempted_at >= now - timedelta(seconds=config["LOGIN_WINDOW_SECONDS"]))
        .order_by(ATTEMPTS.c.attempted_at)
    )
    if before_id is not None:
        query = query.where(ATTEMPTS.c.id < before_id)
    with db.engine.connect() as connection:
        rows = connection.execute(query).all()
    by_client = [row.attempted_at for row in rows]
    by_pair = [row.attempted_at for row in rows if row.email == email]
    wait = max(_wait(by_client, config["LOGIN_CLIENT_SLOWDOWN_AFTER"], now),
               _wait(by_pair, config["LOGIN_SLOWDOWN_AFTER"], now))
    return Refusal(math.ceil(wait)) if wait > 0 else None


def begin(email: str, address: str) -> Attempt:
    """Write this attempt, then raise Throttled (and take it back) if it must wait."""
    email, address = _key(email, address)
    now = utcnow()
    with db.engine.begin() as connection:
        attempt_id = connection.execute(
            insert(ATTEMPTS).values(email=email, address=address, attempted_at=now)
        ).inserted_primary_key[0]
    refusal = check(email, address, now=now, before_id=attempt_id)
    if refusal:
        with db.engine.begin() as connection:
            connection.execute(delete(ATTEMPTS).where(ATTEMPTS.c.id == attempt_id))
        raise Throttled(refusal)
    return Attempt(attempt_id, email, address)


def succeeded(attempt: Attempt) -> None:
    """Forget this pair's failures (not the client's: logging in to one's own account clears no one else's),
    and prune rows older than the window."""
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    with db.engine.begin() as connection:
        connection.execute(delete(ATTEMPTS).where(or_(
            ATTEMPTS.c.id == attempt.id,
            and_(ATTEMPTS.c.email == attempt.email, ATTEMPTS.c.address == attempt.address),
            ATTEMPTS.c.attempted_at < utcnow() - window,
        )))

