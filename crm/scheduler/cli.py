"""`flask scheduler run`, `flask scheduler status` and `flask serve`.

APScheduler is imported inside `scheduler run` only, so loading the app (and so the web server)
never imports it.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo
from sqlalchemy import select

from crm.extensions import db
from crm.timeutil import local, utcnow

scheduler_cli = AppGroup("scheduler", help="The scheduler process: reminders, e-mail delivery, clean-up.")


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("crm.scheduler").setLevel(logging.INFO)
    # A line per run every few seconds, and per job added, is noise; warnings and errors still show.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@scheduler_cli.command("run")
def run_command() -> None:
    """Run the scheduler in the foreground (one process per database; a second one waits)."""
    from crm.scheduler.runner import run

    _configure_logging()
    sys.exit(run(current_app._get_current_object()))


def _when(value: datetime | None) -> str:
    return local(value).strftime("%Y-%m-%d %H:%M:%S") if value else "–"


@scheduler_cli.command("status")
def status_command() -> None:
    """Show the last heartbeat and the last run of each job."""
    from crm.scheduler.jobs import JOB_IDS
    from crm.scheduler.models import HEARTBEAT_ROW_ID, SchedulerHeartbeat, SchedulerRun

    now = utcnow()
    beat = db.session.get(SchedulerHeartbeat, HEARTBEAT_ROW_ID)
    if beat is None:
        click.echo("Hjärtslag: inget; schemaläggaren har aldrig startat mot den här databasen.")
    else:
        age = int((now - beat.beat_at).total_seconds())
        click.echo(
            f"Hjärtslag: senast {_when(beat.beat_at)} ({age} s sedan) från {beat.host}, pid {beat.pid}, "
            f"igång sedan {_when(beat.started_at)}."
        )
        if beat.reconnects:
            click.echo(
                f"Databasen har varit borta {beat.reconnects} gång(er) sedan start; schemaläggaren återanslöt "
                f"senast {_when(beat.reconnected_at)}."
            )
        stale = current_app.config["SCHEDULER_STALE_SECONDS"]
        if age > stale:
            click.echo(f"Varning: hjärtslaget är äldre än {stale} s; schemaläggaren verkar inte köra.")
    click.echo("Senaste körning per jobb:")
    for job_id in JOB_IDS:
        run = db.session.execute(
            select(SchedulerRun).where(SchedulerRun.job_id == job_id)
            .order_by(SchedulerRun.scheduled_for.desc()).limit(1)
        ).scalar_one_or_none()
        if run is None:
            click.echo(f"  {job_id:<16} har inte körts")
            continue
        if run.finished_at is None:
            outcome = "pågår (eller avbröts)"
        elif run.error:
            outcome = "fel: " + run.error.strip().splitlines()[-1]
        else:
            outcome = "ok"
        click.echo(
            f"  {job_id:<16} schemalagd {_when(run.scheduled_for)}, klar {_when(run.finished_at)}, "
            f"{run.host} pid {run.pid}: {outcome}"
        )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The web server's address.")
@click.option("--port", default=5000, type=int, show_default=True, help="The web server's port.")
def serve_command(host: str, port: int) -> None:
    """Run the web server and the scheduler together (development; `make run`)."""
    from crm.scheduler.serve import serve

    info = click.get_current_context().find_object(ScriptInfo)
    app_import_path = info.app_import_path if info else None
    sys.exit(serve(host, port, app_import_path))
