"""A claimed import job, and the thread that keeps its lease while the job runs (`crm.imports.jobs`)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from crm.imports.models import ImportJob, ImportStatus
from crm.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    job_id: int
    token: str


class LeaseKeeper:
    """A thread that renews a claimed job's lease every quarter lease, on a connection of its own.

    On SQLite a renewal waits for the write lock, which the import takes a chunk at a time: between
    chunks the renewal gets its turn."""

    def __init__(self, engine: Engine, claim: Claim, lease_seconds: int):
        self.engine = engine
        self.claim = claim
        self.lease = timedelta(seconds=lease_seconds)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew_until_stopped, name=f"crm-import-lease-{claim.job_id}",
                                       daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.thread.join()

    def _renew_until_stopped(self) -> None:
        while not self.stopped.wait(max(self.lease.total_seconds() / 4, 0.5)):
            try:
                with Session(self.engine) as session, session.begin():
                    session.execute(
                        update(ImportJob)
                        .where(ImportJob.id == self.claim.job_id, ImportJob.claim_token == self.claim.token,
                               ImportJob.status == ImportStatus.RUNNING)
                        .values(lease_expires_at=utcnow() + self.lease)
                        .execution_options(synchronize_session=False)
                    )
            except Exception as error:  # e.g. SQLite's busy timeout, should a chunk hold the lock that long
                log.debug("Import job %s: lease not renewed this time (%s)", self.claim.job_id, error)
