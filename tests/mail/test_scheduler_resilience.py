"""The scheduler process delivering mail through trouble: a lost database, a lost lock, a SIGTERM with a slow relay.

Real `flask scheduler run` processes deliver to a recording SMTP sink on 127.0.0.1 (tests/support/mailrig.py).
"""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from sqlalchemy import make_url

from tests.scheduler.support import WAITING_LINE, migrate, output_of, wait_until
from tests.support.mailrig import (
    MailSink,
    kill,
    pg_execute,
    query,
    queue_messages,
    scheduler_env,
    start_scheduler,
    stop,
    unfinished,
)
from tests.support.pgserver import PostgresServer

EXIT_WITHIN = 30  # seconds from SIGTERM to exit, below systemd's 90 s (and the 99 s)


def delivered(url: str, sink: MailSink, message_ids: list[str]):
    return lambda: not unfinished(url) and not set(message_ids) - set(sink.counts())


def duplicates(sink: MailSink) -> dict[str, int]:
    return {message_id: times for message_id, times in sink.counts().items() if times > 1}


# --- (a) losing the database -----------------------------------------------------------------------


def test_the_scheduler_rides_out_losing_its_database(mail_databases, tmp_path):
    """PostgreSQL restarted (a server of this test's own, `pg_ctl restart -m fast`) while 100 slow messages
    go out: the scheduler stays up, says it has reconnected, and delivers all, at most one twice.
    SQLite: another writer holds the write lock for 12 s meanwhile: no message twice."""
    if mail_databases.kind == "postgresql":
        server = PostgresServer()
        try:
            url = server.start()
            migrate(url, tmp_path)
            _deliver_through(url, tmp_path, lambda: _restart(server), allowed_duplicates=1, reconnects=True)
        finally:
            server.stop()
    else:
        url = mail_databases.make()
        _deliver_through(url, tmp_path, lambda: _hold_write_lock(url, 12), allowed_duplicates=0, reconnects=False)


def _restart(server: PostgresServer) -> None:
    server._run("pg_ctl", "-D", str(server.data), "-l", str(server.root / "server.log"), "-m", "fast", "-w",
                "restart")


def _hold_write_lock(url: str, seconds: float) -> None:
    connection = sqlite3.connect(make_url(url).database, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        time.sleep(seconds)
        connection.execute("COMMIT")
    finally:
        connection.close()


def _deliver_through(url: str, tmp_path: Path, trouble, *, allowed_duplicates: int, reconnects: bool) -> None:
    message_ids = queue_messages(url, tmp_path, 100, prefix="trouble")
    output = tmp_path / "scheduler.out"
    with MailSink((0.08, 0.12)) as sink:
        process = start_scheduler(scheduler_env(url, tmp_path, sink.port), output)
        try:
            wait_until(lambda: sink.count() >= 20, 60, interval=0.05, message="delivery under way")
            trouble()
            wait_until(delivered(url, sink, message_ids), 120, interval=0.5, message="every message sent")
            time.sleep(1.5)
            log = output_of(output)[-6000:]
            assert process.poll() is None, f"the scheduler exited ({process.returncode}):\n{log}"
            if reconnects:
                assert "återanslutit" in log, log
            extra = sum(times - 1 for times in duplicates(sink).values())
            assert extra <= allowed_duplicates, f"{duplicates(sink)}\n{log}"
        finally:
            stop(process, timeout=35)


# --- (b) a lost lock -------------------------------------------------------------------------------


def test_a_scheduler_that_lost_its_lock_leaves_the_mail_to_the_next(mail_databases, tmp_path):
    """PostgreSQL: A's lock connection is killed while it delivers a slow batch and B starts at once.
    SQLite: B reaches the same database file through a symlink in another folder, so it must find the same
    lock and wait; A is stopped. Either way every message arrives once and no job tick runs twice."""
    url = mail_databases.make()
    message_ids = queue_messages(url, tmp_path, 60, prefix="lock")
    outputs = {"a": tmp_path / "a.out", "b": tmp_path / "b.out"}
    with MailSink((0.15, 0.2)) as sink:
        env = scheduler_env(url, tmp_path, sink.port)
        a = start_scheduler(env, outputs["a"])
        b = None
        try:
            wait_until(lambda: sink.count() >= 10, 60, interval=0.05, message="A delivering")
            if mail_databases.kind == "postgresql":
                database = make_url(url).database
                pg_execute(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
                                f"'crm scheduler lock' AND datname = '{database}'")
                b = start_scheduler(env, outputs["b"])
            else:
                link = tmp_path / "genväg" / "crm.sqlite3"  # the database file itself, through a link elsewhere
                link.parent.mkdir()
                link.symlink_to(make_url(url).database)
                b = start_scheduler(scheduler_env(f"sqlite:///{link}", tmp_path, sink.port), outputs["b"])
                wait_until(lambda: WAITING_LINE in output_of(outputs["b"]), 30, message="B waiting for A's lock")
                stop(a, timeout=35)
            wait_until(delivered(url, sink, message_ids), 90, interval=0.5, message="every message sent")
            time.sleep(2)
            logs = "\n".join(f"--- {name}:\n{output_of(path)[-4000:]}" for name, path in outputs.items())
            assert duplicates(sink) == {}, logs
            assert query(url, "SELECT job_id, scheduled_for, count(*) FROM scheduler_runs "
                              "GROUP BY job_id, scheduled_for HAVING count(*) > 1") == [], logs
            # Whoever holds the lock now, the one that lost it ran nothing after B's first job.
            first_of_b = query(url, "SELECT min(started_at) FROM scheduler_runs WHERE pid = :pid", pid=b.pid)[0][0]
            late = [] if first_of_b is None else query(
                url, "SELECT job_id, started_at FROM scheduler_runs WHERE pid = :pid AND started_at > :at",
                pid=a.pid, at=first_of_b)
            if mail_databases.kind == "sqlite":
                assert first_of_b is not None, f"B never took over from A\n{logs}"
            assert late == [], f"A still ran jobs after B took over: {late}\n{logs}"
        finally:
            for process in (a, b):
                if process is not None:
                    stop(process, timeout=35)


# --- (c) SIGTERM with a slow relay -----------------------------------------------------------------


def test_sigterm_finishes_the_message_in_flight_and_exits_in_time(mail_databases, tmp_path):
    """The relay answers the end of the message 15 s late: SIGTERM meanwhile waits for that answer, records
    the message as sent, starts nothing new and exits within 30 s; the next scheduler does not send it again.
    A relay that answers later than the stop deadline (25 s by default) still gives an exit within 30 s."""
    url = mail_databases.make()
    message_ids = queue_messages(url, tmp_path, 5, prefix="term")
    output = tmp_path / "scheduler.out"
    with MailSink() as sink:
        env = scheduler_env(url, tmp_path, sink.port, CRM_MAIL_FINAL_TIMEOUT="60")
        sink.hold_next(15)
        in_flight, seconds = _terminate_mid_message(sink, env, output)
        log = output_of(output)[-6000:]
        assert seconds < EXIT_WITHIN, f"exit took {seconds:.1f} s\n{log}"
        assert sink.count() == 1, f"a new message was started after SIGTERM\n{log}"
        assert query(url, "SELECT status FROM outbox_messages WHERE message_id = :id", id=in_flight) == [("sent",)], log

        process = start_scheduler(env, output)
        try:
            wait_until(delivered(url, sink, message_ids), 60, interval=0.5, message="the rest sent")
            time.sleep(2)
        finally:
            stop(process, timeout=35)
        assert sink.counts()[in_flight] == 1, output_of(output)[-6000:]

        queue_messages(url, tmp_path, 2, prefix="term-late")
        sink.hold_next(60)
        _, seconds = _terminate_mid_message(sink, env, output)
        assert seconds < EXIT_WITHIN, f"exit took {seconds:.1f} s past the stop deadline\n{output_of(output)[-6000:]}"


def _terminate_mid_message(sink: MailSink, env: dict, output: Path) -> tuple[str, float]:
    """Start a scheduler, SIGTERM it while the sink holds back its answer; (the message in flight, seconds to exit)."""
    before = sink.count()
    process = start_scheduler(env, output)
    try:
        wait_until(lambda: sink.count() > before, 60, interval=0.05, message="a message in flight")
        time.sleep(0.5)
        in_flight = sink.last()
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
        return in_flight, time.monotonic() - started
    finally:
        kill(process)
