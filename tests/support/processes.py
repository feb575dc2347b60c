"""Servers the tests start as processes of their own (identity providers, mail servers): start, wait, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import requests


def start_logged(command: list[str], directory: Path, log_name: str, env: dict | None = None) -> subprocess.Popen:
    """Run `command` in `directory`, in a process group of its own, its output into `directory/log_name`."""
    with open(directory / log_name, "wb") as log:
        return subprocess.Popen(command, cwd=directory, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, **(env or {})})


def wait_until_answering(process: subprocess.Popen, url: str, log: Path, name: str, *, timeout: float = 30,
                         ready: Callable[[requests.Response], bool] = lambda response: response.ok) -> None:
    """Poll `url` until it answers as `ready` says; the end of the log in the error if the process exits or never
    answers (then it is stopped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            if ready(requests.get(url, timeout=2)):
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    stop_group(process)
    raise RuntimeError(f"{name} did not start: {log.read_text(errors='replace')[-3000:]}")


def stop_group(process: subprocess.Popen | None) -> None:
    """SIGTERM the process's group, SIGKILL it after 10 s, and reap it."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
