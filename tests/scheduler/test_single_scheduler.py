"""Two `flask scheduler run` processes against one database: one runs, the other waits, then takes over."""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import timedelta
from itertools import pairwise

from sqlalchemy import select

from crm.extensions import db
from crm.scheduler.jobs import HEARTBEAT
from crm.scheduler.lock import lock_for
from crm.scheduler.models import SchedulerHeartbeat, SchedulerRun
from crm.timeutil import utcnow
from tests.scheduler.support import WAITING_LINE, output_of, process_env, start_flask, stop, wait_until

# Two seconds between heartbeats: a machine busy for a moment must not make coalesced ticks look missing.
TICK = timedelta(seconds=2)


def runs() -> list:
    db.session.rollback()  # a fresh snapshot each time
    return db.session.execute(
        select(SchedulerRun.job_id, SchedulerRun.scheduled_for, SchedulerRun.pid, SchedulerRun.error)
        .order_by(SchedulerRun.scheduled_for)
    ).all()


def heartbeat_row():
    db.session.rollback()
    return db.session.execute(
        select(SchedulerHeartbeat.pid, SchedulerHeartbeat.started_at, SchedulerHeartbeat.beat_at)
    ).one_or_none()


def heartbeat_ticks(pid: int) -> list:
    return [run.scheduled_for for run in runs() if run.job_id == HEARTBEAT and run.pid == pid]


def assert_contiguous(ticks: list) -> None:
    assert ticks, "no heartbeat ticks"
    assert all(tick.microsecond == 0 for tick in ticks), ticks  # on the grid
    gaps = [later - earlier for earlier, later in pairwise(ticks)]
    assert gaps == [TICK] * len(gaps), f"ticks not contiguous: {ticks}"


def test_a_second_scheduler_waits_and_takes_over(app, migrated, tmp_path):
    env = process_env(migrated, tmp_path, CRM_SCHEDULER_HEARTBEAT_SECONDS=str(TICK.seconds))
    outputs = {"a": tmp_path / "a.out", "b": tmp_path / "b.out"}
    processes = {}
    try:
        processes = {name: start_flask(["scheduler", "run"], env, path) for name, path in outputs.items()}
        by_pid = {process.pid: name for name, process in processes.items()}

        row = wait_until(lambda: (r := heartbeat_row()) and r.pid in by_pid and r, 60,
                         message="a heartbeat from one of the schedulers")
        holder = by_pid[row.pid]
        waiter = "b" if holder == "a" else "a"
        wait_until(lambda: WAITING_LINE in output_of(outputs[waiter]), 60, message="the waiting line")
        wait_until(lambda: len(heartbeat_ticks(row.pid)) >= 5, 30, message="five heartbeat ticks")

        seen = runs()
        assert {run.pid for run in seen} == {processes[holder].pid}, "a run came from the waiting scheduler"
        assert max(Counter((run.job_id, run.scheduled_for) for run in seen).values()) == 1
        ticks = heartbeat_ticks(processes[holder].pid)
        assert_contiguous(ticks)
        assert ticks[0] - row.started_at <= 2 * TICK  # none missing since it started
        assert utcnow() - ticks[-1] <= 3 * TICK  # ... nor up to now
        assert all(run.error is None for run in seen if run.job_id == HEARTBEAT)

        assert processes[waiter].poll() is None
        waiting_output = output_of(outputs[waiter])
        assert waiting_output.count(WAITING_LINE) == 1, waiting_output  # said once, though it retried
        assert WAITING_LINE not in output_of(outputs[holder])
        assert "Schemaläggaren kör" not in waiting_output

        processes[holder].send_signal(signal.SIGTERM)
        assert processes[holder].wait(timeout=15) == 0, output_of(outputs[holder])
        assert "Schemaläggaren har stannat." in output_of(outputs[holder])
        last_of_holder = heartbeat_ticks(processes[holder].pid)[-1]

        new_pid = processes[waiter].pid
        wait_until(lambda: len(heartbeat_ticks(new_pid)) >= 3, 30, message="heartbeats from the second scheduler")
        assert heartbeat_row().pid == new_pid
        seen = runs()
        assert {run.pid for run in seen} == {processes[holder].pid, new_pid}
        assert max(Counter((run.job_id, run.scheduled_for) for run in seen).values()) == 1
        taken_over = heartbeat_ticks(new_pid)
        assert_contiguous(taken_over)
        assert taken_over[0] > last_of_holder
        assert "Schemaläggaren kör" in output_of(outputs[waiter])
    finally:
        for process in processes.values():
            stop(process)


def test_a_waiting_scheduler_stops_on_sigterm_without_running_anything(app, migrated, tmp_path):
    held = lock_for(db.engine.url, app.instance_path)  # this test process plays the running scheduler
    output = tmp_path / "waiting.out"
    process = None
    try:
        assert held.try_acquire()
        process = start_flask(["scheduler", "run"], process_env(migrated, tmp_path), output)
        wait_until(lambda: WAITING_LINE in output_of(output), 60, message="the waiting line")
        time.sleep(1.5)  # a retry or two at CRM_SCHEDULER_LOCK_RETRY_SECONDS=1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0, output_of(output)
    finally:
        if process is not None:
            stop(process)
        held.release()
    assert output_of(output).count(WAITING_LINE) == 1
    assert runs() == []
    assert heartbeat_row() is None
