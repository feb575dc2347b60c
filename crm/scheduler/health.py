"""Whether the scheduler is alive, as the web app sees it: the admins' warning banner.

Only admins' pages read the heartbeat (one primary-key lookup, once per request, and only when a
page actually renders the banner); everyone else's pages send no extra statement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from crm.auth.models import Role
from crm.extensions import db
from crm.scheduler.models import HEARTBEAT_ROW_ID, SchedulerHeartbeat
from crm.timeutil import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchedulerWarning:
    last_beat: datetime | None  # None: the scheduler has never started against this database


def heartbeat_warning(now: datetime | None = None) -> SchedulerWarning | None:
    """A warning when the heartbeat is missing or older than SCHEDULER_STALE_SECONDS, else None."""
    beat = db.session.get(SchedulerHeartbeat, HEARTBEAT_ROW_ID)
    if beat is None:
        return SchedulerWarning(last_beat=None)
    stale_after = timedelta(seconds=current_app.config["SCHEDULER_STALE_SECONDS"])
    if (now or utcnow()) - beat.beat_at > stale_after:
        return SchedulerWarning(last_beat=beat.beat_at)
    return None


def scheduler_warning() -> SchedulerWarning | None:
    """For the page template: the warning for an admin, None for everyone else (who cost no query)."""
    if not (current_user.is_authenticated and current_user.role == Role.ADMIN):
        return None
    if "scheduler_warning" not in g:
        try:
            g.scheduler_warning = heartbeat_warning()
        except SQLAlchemyError:  # the page (perhaps an error page) must still render
            db.session.rollback()
            logger.exception("Schemaläggarens hjärtslag kunde inte läsas")
            g.scheduler_warning = None
    return g.scheduler_warning
