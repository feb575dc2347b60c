"""`flask serve`: the web server and the scheduler as two child processes, for development.

Each child runs in a process group of its own, so Ctrl-C in the terminal reaches only this launcher,
which then stops both children in order (SIGTERM to the whole group, SIGKILL after a grace period),
including anything a child started itself (the reloader's server process, for instance). The
launcher also stops when either child exits by itself. Their output is forwarded line by line with
a prefix naming the child.

Production does not use this: there, one `flask scheduler run` process runs beside gunicorn.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

STOP_GRACE_SECONDS = 5
POLL_SECONDS = 0.2


class Child:
    def __init__(self, label: str, args: list[str]) -> None:
        self.label = label
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        self.pid = self.process.pid
        self.reader = threading.Thread(target=self._forward, name=f"forward-{label}", daemon=True)
        self.reader.start()

    def _forward(self) -> None:
        prefix = f"[{self.label}] ".encode()
        out = sys.stdout.buffer
        for line in iter(self.process.stdout.readline, b""):
            out.write(prefix + line)
            out.flush()
        self.process.stdout.close()

    def running(self) -> bool:
        return self.process.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)


def _say(message: str) -> None:
    print(message, flush=True)


def stop_children(children: list[Child], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every child's process group, SIGKILL what is left after `grace` seconds, reap them all."""
    for child in children:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"{child.label} (pid {child.pid}) stannade inte; avbryts med SIGKILL.")
    for child in children:
        child.signal_group(signal.SIGKILL)  # also whatever the child itself left behind in its group
        child.process.wait()
        child.reader.join(timeout=2)


def serve(host: str, port: int, app_import_path: str | None) -> int:
    """Run both children until a signal or until one of them exits; the launcher's exit status."""
    app_args = ["--app", app_import_path] if app_import_path else []
    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    children: list[Child] = []
    exited: Child | None = None
    try:
        children.append(Child("schemaläggare", [*app_args, "scheduler", "run"]))
        children.append(Child("webb", [*app_args, "run", "--host", host, "--port", str(port)]))
        scheduler, web = children
        _say(f"Schemaläggaren startad (pid {scheduler.pid}), webbservern startad (pid {web.pid}) "
             f"på http://{host}:{port}. Avsluta med Ctrl-C.")
        while not stop.is_set():
            exited = next((child for child in children if not child.running()), None)
            if exited is not None:
                break
            stop.wait(POLL_SECONDS)
        if exited is not None:
            _say(f"{exited.label} (pid {exited.pid}) avslutades med kod {exited.process.returncode}; "
                 "stoppar den andra.")
        else:
            _say("Stoppar schemaläggaren och webbservern.")
    finally:
        stop_children(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if exited is not None:
        return exited.process.returncode or 1
    return 0
