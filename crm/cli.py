"""`flask` commands: demo data, user administration, the company import and benchmark data."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from crm.audit.mixins import system_actor
from crm.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")

DEMO_LOGIN_FILE = "demo-login.txt"


def register(app: Flask) -> None:
    from crm.backup_cli import backup_command, restore_command
    from crm.benchmark.generate import generate_data_command
    from crm.companies.sni_cli import sni_cli
    from crm.imports.cli import import_companies_command
    from crm.inbox.cli import invitations_cli
    from crm.scheduler.cli import scheduler_cli, serve_command

    app.cli.add_command(seed_demo)
    app.cli.add_command(users_cli)
    app.cli.add_command(import_companies_command)
    app.cli.add_command(generate_data_command)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(serve_command)
    app.cli.add_command(sni_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(invitations_cli)


def _login_file() -> Path:
    return Path(current_app.instance_path) / DEMO_LOGIN_FILE


@click.command("seed-demo")
@click.option("--seed", default=2026, show_default=True, help="Random seed for the demo data.")
def seed_demo(seed: int) -> None:
    """Create a demo organisation on an empty database and print how to log in."""
    from crm.auth.models import User
    from crm.seed import seed_demo_organisation

    system_actor.set((None, "seed-demo"))
    login_file = _login_file()
    if db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0:
        password = secrets.token_urlsafe(9)
        accounts = seed_demo_organisation(password, seed=seed)
        db.session.commit()
        lines = [f"{role:<11} {email}" for role, email in accounts] + [f"lösenord    {password}"]
        login_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        login_file.chmod(0o600)
        click.echo("Demo-organisationen är skapad.")
    elif not login_file.exists():
        click.echo("Databasen har redan användare; ingen demodata skapad.")
        return
    click.echo(f"Logga in på {current_app.config['BASE_URL']} med:")
    click.echo(login_file.read_text(encoding="utf-8").rstrip())


@users_cli.command("create")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["admin", "staff", "organizer", "politician"]), required=True)
@click.password_option()
def create_user_command(name: str, email: str, role: str, password: str) -> None:
    """Create a user account."""
    from crm.auth.models import Role
    from crm.auth.passwords import problem as password_problem
    from crm.auth.services import create_user, email_taken

    system_actor.set((None, "cli"))
    if email_taken(email):
        raise click.ClickException(f"Det finns redan en användare med e-postadressen {email}.")
    problem = password_problem(password, name=name, email=email)
    if problem:
        raise click.ClickException(problem)
    user = create_user(name, email, Role(role), password)
    db.session.commit()
    click.echo(f"Användaren {user.email} ({role}) är skapad.")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option()
def set_password_command(email: str, password: str) -> None:
    """Set a new password for a user (and log them out everywhere)."""
    from crm.auth.models import User
    from crm.auth.passwords import problem as password_problem

    system_actor.set((None, "cli"))
    user = db.session.execute(User.by_email(email)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"Ingen användare har e-postadressen {email}.")
    problem = password_problem(password, name=user.name, email=user.email)
    if problem:
        raise click.ClickException(problem)
    user.set_password(password)
    db.session.commit()
    click.echo(f"Nytt lösenord satt för {user.email}.")
