"""Who does the background work in this process, and whether it may go on.

The scheduler process holds a lock on the database (crm.scheduler.lock) while it runs jobs. Work
that hands something to the outside world, such as outbox delivery, tags what it claims with the
worker's `holder` and writes its results only where the tag is still its own. Before each step it
asks `may_act()`: a worker whose lock is gone, or that has been told to stop, starts nothing new.

The scheduler installs its worker when it takes the lock, and a new one (a new holder) each time it
takes the lock again after losing the database. Outside the scheduler (a shell, the tests) the
process's own worker always may act.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field


def _new_holder() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _always() -> bool:
    return True


@dataclass
class Worker:
    holder: str = field(default_factory=_new_holder)
    # Whether this process still holds the scheduler's lock (checked before each step).
    lock_held: Callable[[], bool] = _always
    stopping: threading.Event = field(default_factory=threading.Event)
    # time.monotonic() by which work in flight must be over, once a stop is asked for.
    stop_deadline: float | None = None

    def may_act(self) -> bool:
        """Whether a new step (claiming a batch, sending a message) may start."""
        return not self.stopping.is_set() and self.lock_held()

    def request_stop(self, within_seconds: float) -> None:
        """No new step starts; work in flight is to be over within `within_seconds` (an earlier limit stays)."""
        deadline = time.monotonic() + within_seconds
        if self.stop_deadline is None or deadline < self.stop_deadline:
            self.stop_deadline = deadline
        self.stopping.set()

    def deadline(self, seconds: float) -> float:
        """time.monotonic() by which a step allowed `seconds` must end: sooner if a stop was asked for."""
        limit = time.monotonic() + seconds
        if self.stop_deadline is not None:
            return min(limit, self.stop_deadline)
        return limit


_current = Worker()


def current() -> Worker:
    return _current


def install(worker: Worker) -> Worker:
    global _current
    _current = worker
    return worker


def reset() -> None:
    """Back to the process's own worker (after the scheduler stops, and between tests)."""
    install(Worker())
