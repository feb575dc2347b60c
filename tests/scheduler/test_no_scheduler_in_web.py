"""The web app never runs the scheduler: not in create_app, not in gunicorn workers, not under --preload."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.scheduler.support import (
    ROOT,
    http_status,
    output_of,
    process_env,
    scalar,
    start,
    stop,
    wait_until,
)
from tests.support.pgserver import free_port

PROBE = """
import json, sys, threading
from crm import create_app
app = create_app()
response = app.test_client().get("/logga-in")
print(json.dumps({
    "env": app.config["CRM_ENV"],
    "status": response.status_code,
    "apscheduler": sorted(name for name in sys.modules if name.split(".")[0] == "apscheduler"),
    "threads": threading.active_count(),
}))
"""


def test_the_production_app_imports_no_scheduler_and_starts_no_thread(migrated, tmp_path):
    env = process_env(migrated, tmp_path, env_name="production", SECRET_KEY="a-production-secret-for-the-test",
                      CRM_BASE_URL="https://crm.kommun.example")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe == {"env": "production", "status": 200, "apscheduler": [], "threads": 1}


def test_gunicorn_workers_run_no_scheduler(tmp_path, fresh_sqlite):
    database_url = fresh_sqlite("gunicorn.sqlite3")
    env = process_env(database_url, tmp_path, env_name="production", SECRET_KEY="a-production-secret-for-the-test",
                      CRM_BASE_URL="https://crm.kommun.example")
    port = free_port()
    output = tmp_path / "gunicorn.out"
    server = start(["gunicorn", "--preload", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"], env, output)
    try:
        wait_until(lambda: http_status(f"http://127.0.0.1:{port}/logga-in") == 200, 60,
                   message=f"gunicorn to answer\n{output_of(output)}")
        for _ in range(4):  # several requests, so both workers are likely to have served one
            assert http_status(f"http://127.0.0.1:{port}/logga-in") == 200
        time.sleep(2.5)  # longer than the one-second heartbeat a scheduler would write
        assert server.poll() is None, output_of(output)
        assert scalar(database_url, "SELECT count(*) FROM scheduler_heartbeat") == 0
        assert scalar(database_url, "SELECT count(*) FROM scheduler_runs") == 0
        assert "Booting worker" in output_of(output)
    finally:
        stop(server)
