"""Helpers for tests that start `flask` commands (the scheduler, the launcher, gunicorn) as real processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[2]
WAITING_LINE = "Schemaläggaren väntar: en annan schemaläggare kör redan mot samma databas."


def process_env(database_url: str, tmp_path: Path, *, env_name: str = "development", **extra: str) -> dict:
    """The environment for a child process: its own database, short intervals, mail files in tmp_path."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CRM_", "FLASK_")) and key not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.update(
        CRM_ENV=env_name,
        DATABASE_URL=database_url,
        CRM_MAIL_FILE_DIR=str(tmp_path / "outbox"),
        CRM_SCHEDULER_HEARTBEAT_SECONDS="1",
        CRM_SCHEDULER_LOCK_RETRY_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def start(args: list[str], env: dict, output: Path) -> subprocess.Popen:
    """`python -m <args>` in the project folder, stdout and stderr into `output`."""
    with open(output, "ab") as sink:
        return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=sink,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def start_flask(args: list[str], env: dict, output: Path) -> subprocess.Popen:
    return start(["flask", "--app", "wsgi", *args], env, output)


def migrate(database_url: str, tmp_path: Path) -> None:
    env = process_env(database_url, tmp_path)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Make sure a child is gone (SIGTERM, then SIGKILL) and reaped."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def kill_pid(pid: int) -> None:
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def pid_alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rpartition(")")[2].split()[0]
    return state not in ("Z", "X")


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.2, message: str = ""):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message or predicate}")
        time.sleep(interval)


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a local test server)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def scalar(database_url: str, statement: str):
    """One value from a database the test process has no app for."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text(statement)).scalar()
    finally:
        engine.dispose()


def output_of(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
