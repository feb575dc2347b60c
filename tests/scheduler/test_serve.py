"""`flask serve` (what `make run` starts): the web server and the scheduler, stopped together."""

from __future__ import annotations

import re
import signal

from tests.scheduler.support import (
    http_status,
    kill_pid,
    output_of,
    pid_alive,
    process_env,
    scalar,
    start_flask,
    stop,
    wait_until,
)
from tests.support.pgserver import free_port

STARTED = re.compile(r"Schemaläggaren startad \(pid (\d+)\), webbservern startad \(pid (\d+)\)")


def start_launcher(tmp_path, database_url):
    port = free_port()
    output = tmp_path / "serve.out"
    launcher = start_flask(["serve", "--port", str(port)], process_env(database_url, tmp_path), output)
    match = wait_until(lambda: STARTED.search(output_of(output)), 60, message="the launcher's start line")
    scheduler_pid, web_pid = int(match[1]), int(match[2])
    return launcher, scheduler_pid, web_pid, port, database_url, output


def test_ctrl_c_stops_the_launcher_and_both_children(tmp_path, fresh_sqlite):
    database_url = fresh_sqlite("serve.sqlite3")
    launcher, scheduler_pid, web_pid, port, database_url, output = start_launcher(tmp_path, database_url)
    try:
        wait_until(lambda: http_status(f"http://127.0.0.1:{port}/logga-in") == 200, 60,
                   message=f"the web server\n{output_of(output)}")
        wait_until(lambda: scalar(database_url, "SELECT pid FROM scheduler_heartbeat WHERE id = 1") == scheduler_pid,
                   60, message=f"the scheduler's heartbeat\n{output_of(output)}")
        assert pid_alive(scheduler_pid) and pid_alive(web_pid)

        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=10) == 0, output_of(output)
        wait_until(lambda: not pid_alive(scheduler_pid) and not pid_alive(web_pid), 10, message="both children gone")
        text = output_of(output)
        assert "[schemaläggare]" in text and "[webb]" in text  # both children's output forwarded
        assert "Schemaläggaren har stannat." in text  # the scheduler stopped cleanly on SIGTERM
        assert http_status(f"http://127.0.0.1:{port}/logga-in") is None
    finally:
        stop(launcher)
        kill_pid(scheduler_pid)
        kill_pid(web_pid)


def test_the_launcher_stops_when_a_child_dies(tmp_path, fresh_sqlite):
    database_url = fresh_sqlite("serve.sqlite3")
    launcher, scheduler_pid, web_pid, port, database_url, output = start_launcher(tmp_path, database_url)
    try:
        wait_until(lambda: http_status(f"http://127.0.0.1:{port}/logga-in") == 200, 60,
                   message=f"the web server\n{output_of(output)}")
        kill_pid(web_pid)
        assert launcher.wait(timeout=10) != 0, output_of(output)
        wait_until(lambda: not pid_alive(scheduler_pid), 10, message="the scheduler gone")
        assert f"webb (pid {web_pid}) avslutades med kod -9" in output_of(output)
    finally:
        stop(launcher)
        kill_pid(scheduler_pid)
        kill_pid(web_pid)
