"""One scheduler per database: a lock the scheduler process holds for as long as it runs.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) taken on a connection of its own,
outside the pool the jobs use, kept open (in autocommit, so it never sits idle in a transaction) until
the process ends. Advisory locks belong to one database, so schedulers for other databases on the
same server do not wait for each other. If that connection dies, PostgreSQL drops the lock; the
heartbeat job and each delivery step notice through `still_held()`; the scheduler stops its jobs and
asks for the lock again (crm.scheduler.runner). A flock, unlike the advisory lock, proves that the
previous holder is gone: the kernel drops it only when that process has ended.

SQLite: an exclusive, non-blocking `flock` on `<database file>.scheduler.lock` beside the database
file's real path (symlinks resolved, so two names for one database share one lock; in the instance
folder for an in-memory database). The kernel drops it when the process dies, so a
crashed scheduler never leaves a stale lock behind. The file itself is never removed: removing a lock
file while another process opens it would let two processes lock two different files.

A second scheduler retries every SCHEDULER_LOCK_RETRY_SECONDS, says once that it is waiting and runs
nothing until it holds the lock. When the lock cannot even be asked for (the database is down), the
pause grows from one second up to SCHEDULER_RECONNECT_MAX_SECONDS.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
from abc import ABC, abstractmethod
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

logger = logging.getLogger("crm.scheduler")

WAITING_MESSAGE = "Schemaläggaren väntar: en annan schemaläggare kör redan mot samma databas."

# A fixed key every scheduler of this application uses ("CRM_SCHD" as a signed 64-bit integer).
ADVISORY_LOCK_KEY = int.from_bytes(b"CRM_SCHD", "big", signed=True)

LOCK_FILE_SUFFIX = ".scheduler.lock"


class LockUnavailable(Exception):
    """The lock could not even be asked for (the database is unreachable); try again later."""


class SchedulerLock(ABC):
    """A process-wide lock; `acquire` waits for it, `release` gives it back."""

    # Whether holding the lock proves that the previous holder's process has ended.
    proves_predecessor_gone = False

    @abstractmethod
    def try_acquire(self) -> bool:
        """Take the lock if it is free; False when another process holds it."""

    @abstractmethod
    def still_held(self) -> bool:
        """Whether this process still holds the lock."""

    @abstractmethod
    def release(self) -> None:
        """Give the lock back (safe to call when it was never taken)."""

    @abstractmethod
    def describe(self) -> str:
        """What is locked, for log lines."""

    def acquire(self, stop: threading.Event, retry_seconds: float, unreachable_max_seconds: float = 60) -> bool:
        """Wait until the lock is ours (True) or `stop` is set (False); say once that we are waiting.

        While the database cannot be reached, the pause doubles from one second up to `unreachable_max_seconds`.
        """
        announced = False
        backoff = 1.0
        while not stop.is_set():
            pause = retry_seconds
            try:
                if self.try_acquire():
                    logger.info("Schemaläggarens lås taget: %s", self.describe())
                    return True
            except LockUnavailable as exc:
                pause = min(backoff, max(unreachable_max_seconds, 1))
                backoff = pause * 2
                logger.warning("Databasen kan inte nås (%s); schemaläggaren försöker igen om %.0f s.", exc, pause)
            else:
                backoff = 1.0
                if not announced:
                    print(WAITING_MESSAGE, flush=True)
                    announced = True
            stop.wait(pause)
        return False


class FileLock(SchedulerLock):
    """An exclusive `flock` on a file; held as long as the file stays open in this process."""

    proves_predecessor_gone = True

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._held = False

    def try_acquire(self) -> bool:
        if self._held:
            return True
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._held = True
        # Who holds it, for a person looking at the file; the lock itself is the flock, not the content.
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{socket.gethostname()} {os.getpid()}\n".encode(), 0)
        return True

    def still_held(self) -> bool:
        return self._held

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            if self._held:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None
            self._held = False

    def describe(self) -> str:
        return f"fillås {self.path}"


class PostgresAdvisoryLock(SchedulerLock):
    """`pg_try_advisory_lock` on a connection of its own, never returned to any pool."""

    def __init__(self, url: URL, key: int = ADVISORY_LOCK_KEY) -> None:
        self.url = url
        self.key = key
        self._engine: Engine | None = None
        self._connection: Connection | None = None
        self._held = False
        self._guard = threading.Lock()  # the heartbeat thread checks, the main thread releases

    def _connect(self) -> Connection:
        if self._connection is None:
            self._engine = create_engine(
                self.url,
                poolclass=NullPool,
                isolation_level="AUTOCOMMIT",
                connect_args={"application_name": "crm scheduler lock"},
            )
            self._connection = self._engine.connect()
        return self._connection

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # a dead connection cannot be closed cleanly; it is gone either way
                logger.debug("Låsets anslutning gick inte att stänga", exc_info=True)
            self._connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self._held = False

    def try_acquire(self) -> bool:
        with self._guard:
            if self._held:
                return True
            try:
                got = self._connect().execute(
                    text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"), {"key": self.key}
                ).scalar_one()
            except Exception as exc:
                self._close()
                raise LockUnavailable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
            self._held = bool(got)
            return self._held

    def still_held(self) -> bool:
        """A session-level advisory lock lasts as long as its session: a live connection still holds it."""
        with self._guard:
            if not self._held or self._connection is None:
                return False
            try:
                self._connection.execute(text("SELECT 1")).scalar_one()
            except Exception:  # any failure means the session, and with it the lock, is gone
                logger.exception("Schemaläggarens anslutning för låset är bruten")
                self._close()
                return False
            return True

    def release(self) -> None:
        with self._guard:
            if self._held and self._connection is not None:
                try:
                    self._connection.execute(
                        text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"), {"key": self.key}
                    )
                except Exception:  # closing the session below releases it anyway
                    logger.warning("Låset kunde inte lämnas tillbaka uttryckligen", exc_info=True)
            self._close()

    def describe(self) -> str:
        return f"PostgreSQL advisory lock {self.key} i databasen {self.url.database}"


def lock_file_for(url: URL, instance_path: str | os.PathLike) -> Path:
    """`<database file>.scheduler.lock`, or the instance folder when there is no file to sit beside."""
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:") or (
        url.query.get("mode") == "memory"
    )
    if in_memory:
        return Path(instance_path) / "scheduler.lock"
    if database.startswith("file:"):
        database = database[len("file:"):]
    return Path(os.path.realpath(database) + LOCK_FILE_SUFFIX)


def lock_for(url: URL, instance_path: str | os.PathLike) -> SchedulerLock:
    """The right lock for the application's database."""
    backend = url.get_backend_name()
    if backend == "postgresql":
        return PostgresAdvisoryLock(url)
    if backend == "sqlite":
        return FileLock(lock_file_for(url, instance_path))
    raise RuntimeError(f"Schemaläggaren har inget lås för databastypen {backend}.")
