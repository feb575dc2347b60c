"""`flask backup` and `flask restore`: a consistent copy while the app runs, and putting one back."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from crm import backup as backups
from crm.extensions import db
from crm.timeutil import local, utcnow


def _url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path | None) -> None:
    """Write a consistent copy of the database (default: in CRM_BACKUP_FOLDER, else instance/backups)."""
    url = _url()
    folder = Path(current_app.config.get("BACKUP_FOLDER") or Path(current_app.instance_path) / "backups")
    target = path or backups.default_path(folder, url, local(utcnow()))
    try:
        written = backups.backup(url, target)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Säkerhetskopia skriven: {written} ({written.stat().st_size:,} byte)".replace(",", " "))


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database's contents without asking.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's contents with a copy made by `flask backup` (stop the app and scheduler first)."""
    if not yes:
        click.confirm("Allt i databasen ersätts med kopian. Är webbservern och schemaläggaren stoppade?", abort=True)
    db.engine.dispose()  # no pooled connection of ours holds the database while it is replaced
    try:
        backups.restore(_url(), path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Databasen är återställd från {path}.")
