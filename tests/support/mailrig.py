"""A rig for outbox delivery across process crashes: a recording SMTP sink, fresh databases, queued mail, schedulers.

- `MailSink`: aiosmtpd on 127.0.0.1 that records every message it takes (its Message-ID and when the
  end of its data came, `time.monotonic()` in this process) and waits a random `delay` (seconds, a
  range) before answering the end of the data; `hold_next(seconds)` makes the next answer wait longer
  (a relay slow to confirm the end of a message). What arrives is counted when its data is whole, before
  the answer: a message whose sender dies waiting for the answer has reached the recipient.
- `RigDatabases`: fresh migrated databases (a copied SQLite file, or a PostgreSQL database made from a
  migrated template on a given server); `queue_messages` queues N messages there through the app's own
  `crm.mail.outbox.queue_many`, in a child process (`python -m tests.support.mailrig --queue-into URL`).
- `scheduler_env` / `start_scheduler`: `flask scheduler run` against that database and the sink, with
  short intervals and timeouts.
- `crash_run`: queue, SIGKILL the scheduler at random moments while it delivers, restart it each time,
  run until every message is sent; a `CrashResult` with what the sink saw.

As a script it prints the crash table: `python -m tests.support.mailrig --db sqlite --runs 5 --messages 300
--kills 5` (PostgreSQL: a throwaway server of its own).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from tests.scheduler.support import ROOT, migrate, process_env, start_flask, stop, wait_until
from tests.support.pgserver import PostgresServer
from tests.support.smtpserver import free_port

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


# --- the sink ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    message_id: str
    at: float  # time.monotonic() when the end of the data came


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        header = data.split(b"\r\n\r\n", 1)[0]
        match = MESSAGE_ID.search(header)
        wait = self.sink.arrived(match.group(1).decode() if match else "")
        await asyncio.sleep(wait)
        return "250 OK"


class MailSink:
    """An SMTP server that takes every message, answering each after `delay` seconds (a (low, high) range)."""

    def __init__(self, delay: tuple[float, float] = (0.0, 0.0), seed: int = 0) -> None:
        self.delay = delay
        self.arrivals: list[Arrival] = []
        self._random = random.Random(seed)
        self._holds: list[float] = []
        self._lock = threading.Lock()
        self.port = 0
        self.controller: Controller | None = None

    def arrived(self, message_id: str) -> float:
        """Record one message; how long to wait before answering it."""
        with self._lock:
            self.arrivals.append(Arrival(message_id, time.monotonic()))
            if self._holds:
                return self._holds.pop(0)
            return self._random.uniform(*self.delay)

    def hold_next(self, seconds: float) -> None:
        """The next message's end of data is answered after `seconds` instead."""
        with self._lock:
            self._holds.append(seconds)

    def start(self) -> MailSink:
        for attempt in range(5):  # the probed port may be taken before aiosmtpd binds it
            self.port = free_port()
            self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
            try:
                self.controller.start()
                return self
            except OSError:
                if attempt == 4:
                    raise
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def snapshot(self) -> list[Arrival]:
        with self._lock:
            return list(self.arrivals)

    def count(self) -> int:
        with self._lock:
            return len(self.arrivals)

    def counts(self) -> Counter:
        return Counter(arrival.message_id for arrival in self.snapshot())

    def last(self) -> str | None:
        arrivals = self.snapshot()
        return arrivals[-1].message_id if arrivals else None


# --- databases and queued mail -------------------------------------------------------------------


def _admin(url: str) -> str:
    parsed = make_url(url)
    return f"host={parsed.host} port={parsed.port} user={parsed.username} dbname=postgres"


def pg_execute(url: str, statement: str) -> None:
    """One statement on the server of `url`, in the maintenance database, outside a transaction."""
    import psycopg

    with psycopg.connect(_admin(url), autocommit=True) as connection:
        connection.execute(statement)


class RigDatabases:
    """Fresh migrated databases of one kind: `make()` returns a URL; `close()` drops the PostgreSQL ones."""

    def __init__(self, kind: str, directory: Path, server_url: str | None = None) -> None:
        self.kind = kind
        self.directory = Path(directory)
        self.server_url = server_url
        self.tag = uuid.uuid4().hex[:8]
        self.made: list[str] = []
        self.template: str | None = None

    def _url(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.directory / name}.sqlite3"
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def make(self) -> str:
        if self.template is None:
            self.template = f"mailrig_{self.tag}_template"
            if self.kind == "postgresql":
                pg_execute(self.server_url, f'CREATE DATABASE "{self.template}"')
            migrate(self._url(self.template), self.directory)
        name = f"mailrig_{self.tag}_{len(self.made) + 1}"
        if self.kind == "sqlite":
            shutil.copyfile(self.directory / f"{self.template}.sqlite3", self.directory / f"{name}.sqlite3")
        else:
            pg_execute(self.server_url, f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.made.append(name)
        return self._url(name)

    def close(self) -> None:
        if self.kind == "postgresql":
            for name in [*self.made, *([self.template] if self.template else [])]:
                pg_execute(self.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()
        self.template = None


@pytest.fixture(scope="session")
def mail_databases(database_url, tmp_path_factory):
    """Fresh migrated databases of the run's kind (import into a test module to use it): `.make()` gives a URL."""
    kind = make_url(database_url).get_backend_name()
    databases = RigDatabases(kind, tmp_path_factory.mktemp("mailrig"), database_url if kind == "postgresql" else None)
    try:
        yield databases
    finally:
        databases.close()


def query(url: str, statement: str, **params) -> list:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(statement), params))
    finally:
        engine.dispose()


def queue_messages(url: str, workdir: Path, count: int, prefix: str = "rig") -> list[str]:
    """Queue `count` messages through crm.mail.outbox in a child process; their Message-IDs in queue order."""
    env = process_env(url, workdir)
    result = subprocess.run([sys.executable, "-m", "tests.support.mailrig", "--queue-into", url, "--messages",
                             str(count), "--prefix", prefix], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    rows = query(url, "SELECT message_id FROM outbox_messages WHERE dedupe_key LIKE :pattern ORDER BY id",
                 pattern=f"{prefix}:%")
    assert len(rows) == count, f"{len(rows)} of {count} messages queued"
    return [row[0] for row in rows]


def _queue_here(count: int, prefix: str) -> None:
    """In the child process: an app for DATABASE_URL, `count` messages queued in one transaction."""
    from crm import create_app
    from crm.extensions import db
    from crm.mail.outbox import Outgoing, queue_many

    app = create_app()
    with app.app_context():
        queue_many([
            Outgoing(f"{prefix}:{number}", "test", f"Mottagare {number} <mottagare{number}@example.se>",
                     "Provutskick från riggen", f"Hej!\n\nDet här är meddelande {number}.\n",
                     f"<p>Hej!</p><p>Det här är meddelande {number}.</p>")
            for number in range(1, count + 1)
        ])
        db.session.commit()


def unfinished(url: str) -> int:
    """Messages not sent yet: pending, claimed, sending or anything else (the sink accepts every rig message)."""
    return query(url, "SELECT count(*) FROM outbox_messages WHERE status <> 'sent'")[0][0]


def statuses(url: str) -> dict[str, int]:
    return dict(query(url, "SELECT status, count(*) FROM outbox_messages GROUP BY status"))


# --- schedulers ----------------------------------------------------------------------------------


def scheduler_env(url: str, workdir: Path, port: int, **extra: str) -> dict:
    """A scheduler delivering to the sink every second, with short timeouts (old code ignores the new settings)."""
    settings = {
        "CRM_MAIL_SERVER": "127.0.0.1",
        "CRM_MAIL_PORT": str(port),
        "CRM_SCHEDULER_OUTBOX_SECONDS": "1",
        "CRM_MAIL_CONNECT_TIMEOUT": "2",
        "CRM_MAIL_TIMEOUT": "2",
        "CRM_MAIL_FINAL_TIMEOUT": "3",
        "CRM_MAIL_LEASE_SECONDS": "5",
        "CRM_MAIL_RETRY_BASE_SECONDS": "1",
        "CRM_MAIL_RETRY_MAX_SECONDS": "2",
        "CRM_MAIL_MAX_ATTEMPTS": "50",
    }
    settings.update(extra)
    return process_env(url, workdir, **settings)


def start_scheduler(env: dict, output: Path) -> subprocess.Popen:
    return start_flask(["scheduler", "run"], env, output)


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


# --- the crash run -------------------------------------------------------------------------------


@dataclass
class CrashResult:
    seed: int
    queued: list[str]
    kills: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    in_flight: list[str | None] = field(default_factory=list)  # per kill: the last message the killed process sent

    @property
    def received(self) -> int:
        return len(self.arrivals)

    @property
    def counts(self) -> Counter:
        return Counter(arrival.message_id for arrival in self.arrivals)

    @property
    def duplicates(self) -> int:
        return sum(number - 1 for number in self.counts.values())

    @property
    def lost(self) -> list[str]:
        counts = self.counts
        return [message_id for message_id in self.queued if not counts[message_id]]

    @property
    def duplicated(self) -> dict[str, int]:
        return {message_id: number for message_id, number in self.counts.items() if number > 1}


def crash_run(url: str, workdir: Path, *, messages: int = 300, kills: int = 5, seed: int | None = None,
              delay: tuple[float, float] = (0.02, 0.04), finish_within: float = 90.0,
              env_extra: dict | None = None) -> CrashResult:
    """Queue `messages`, SIGKILL the scheduler `kills` times while it delivers (each after a random number of
    messages since it started, at a random point of the message then in flight), restart it each time, and
    run the last one until nothing is left unsent."""
    seed = random.randrange(1_000_000) if seed is None else seed
    chooser = random.Random(seed)
    result = CrashResult(seed, queue_messages(url, workdir, messages, prefix=f"crash-{seed}"))
    output = workdir / "scheduler.out"
    most = max(5, messages // (2 * max(kills, 1)))
    with MailSink(delay, seed) as sink:
        env = scheduler_env(url, workdir, sink.port, **(env_extra or {}))
        for _ in range(kills):
            process = start_scheduler(env, output)
            try:
                start = sink.count()
                target = chooser.randint(3, most)
                wait_until(lambda n=start + target, p=process: sink.count() >= n or p.poll() is not None, 60,
                           interval=0.005, message=f"{target} messages delivered after a (re)start")
                time.sleep(chooser.uniform(0, delay[1]))
                assert process.poll() is None, f"the scheduler exited by itself ({process.returncode})"
            finally:
                kill(process)
            result.kills += 1
            time.sleep(0.3)  # what the killed process had on the wire reaches the sink before the next one starts
            result.in_flight.append(sink.last())
        process = start_scheduler(env, output)
        try:
            wait_until(lambda: not unfinished(url) and not set(result.queued) - set(sink.counts()), finish_within,
                       interval=0.5, message="every message sent")
            time.sleep(1.5)  # room for a stray second delivery to show
        finally:
            stop(process, timeout=35)
        result.arrivals = sink.snapshot()
    return result


# --- the script ----------------------------------------------------------------------------------


def _table(kind: str, results: list[CrashResult]) -> str:
    queued = sum(len(result.queued) for result in results)
    duplicates = sum(result.duplicates for result in results)
    share = f"{100 * duplicates / queued:.1f} %" if queued else "–"
    row = [kind, len(results), queued, sum(result.kills for result in results),
           sum(result.received for result in results), f"{duplicates} ({share})",
           sum(len(result.lost) for result in results)]
    return ("| database | runs | queued | kills | received | duplicates | lost |\n|---|---|---|---|---|---|---|\n"
            "| " + " | ".join(str(cell) for cell in row) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.mailrig", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, help="the first run's seed (the next runs add 1 each)")
    parser.add_argument("--queue-into", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default="rig", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.queue_into:
        _queue_here(args.messages, args.prefix)
        return 0
    first_seed = random.randrange(1_000_000) if args.seed is None else args.seed
    server = PostgresServer() if args.db == "postgresql" else None
    with tempfile.TemporaryDirectory(prefix="crm-mailrig-") as directory:
        databases = RigDatabases(args.db, Path(directory), server.start() if server else None)
        results = []
        try:
            for number in range(args.runs):
                workdir = Path(directory) / f"run{number + 1}"
                workdir.mkdir()
                result = crash_run(databases.make(), workdir, messages=args.messages, kills=args.kills,
                                   seed=first_seed + number, finish_within=600)
                results.append(result)
                print(f"run {number + 1}: seed {result.seed}, received {result.received}, duplicates "
                      f"{result.duplicates} {sorted(result.duplicated.values(), reverse=True)} (all in flight at a "
                      f"kill: {set(result.duplicated) <= set(result.in_flight)}), lost {len(result.lost)}", flush=True)
        finally:
            databases.close()
            if server:
                server.stop()
        print(_table("SQLite" if args.db == "sqlite" else "PostgreSQL", results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
