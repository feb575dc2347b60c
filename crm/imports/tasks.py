"""The scheduler's import job: fail what a stopped process left running, then run the oldest queued import."""

from __future__ import annotations

import logging

from crm.imports.jobs import ImportPaused, ImportRefused, claim_next, fail_abandoned, run
from crm.timeutil import utcnow

log = logging.getLogger(__name__)


def run_queued_imports() -> int | None:
    """Every SCHEDULER_IMPORT_SECONDS in the scheduler process; the id of the job it ran, if any.

    One job a tick: the next is at most one interval away, and the sweep runs between them. A failed
    import is the job's outcome, written on the job itself, not a failure of the scheduler's run.
    """
    fail_abandoned(utcnow())
    claim = claim_next()
    if claim is None:
        return None
    try:
        run(claim)
    except ImportRefused:
        log.info("Import job %s refused: rows with errors", claim.job_id)
    except ImportPaused:
        pass  # queued again; the next scheduler run goes on with it
    except Exception:
        log.exception("Import job %s failed", claim.job_id)
    return claim.job_id
