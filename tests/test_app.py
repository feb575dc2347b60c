"""The factory and the CLI commands."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from stdnum.se import orgnr

from crm import create_app
from crm.auth.models import Role, User
from crm.companies import sni
from crm.companies.models import Company, CompanySni, ContactPerson
from crm.extensions import db


def test_factory_builds_each_configuration(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("CRM_BASE_URL", "https://crm.kommun.example")
    assert create_app("testing").testing
    assert not create_app("development").testing
    assert create_app("production").config["SECRET_KEY"] == "s" * 40


def test_factory_starts_no_threads(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("CRM_BASE_URL", "https://crm.kommun.example")
    before = threading.active_count()
    create_app("production")
    assert threading.active_count() == before


def test_sqlite_has_foreign_keys_and_wal(app):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_seed_demo_creates_a_believable_organisation(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin@abyvik.se" in result.output and "lösenord" in result.output
    assert f"Logga in på {app.config['BASE_URL']} med:" in result.output
    roles = set(db.session.execute(select(User.role)).scalars())
    assert roles == set(Role)
    numbers = db.session.execute(select(Company.org_number)).scalars().all()
    assert len(numbers) >= 30
    assert all(orgnr.is_valid(number) for number in numbers)
    assert db.session.execute(select(func.count()).select_from(ContactPerson)).scalar_one() >= 30
    codes = db.session.execute(select(CompanySni.code, CompanySni.version)).all()
    assert codes and [code for code, version in codes if not sni.is_valid(code, version)] == []

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == len(Role) + 1
    assert "admin@abyvik.se" in second.output, "the login is printed on every run"


def test_printed_demo_login_works(app):
    runner = app.test_cli_runner()
    output = runner.invoke(args=["seed-demo"]).output
    password = next(line.split()[-1] for line in output.splitlines() if line.startswith("lösenord"))
    client = app.test_client()
    response = client.post("/logga-in", data={"email": "admin@abyvik.se", "password": password})
    assert response.status_code == 302


def test_users_create_and_set_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--name", "Cli Person", "--email", "cli@kommun.example", "--role", "staff"],
        input="ett-cli-lösenord\nett-cli-lösenord\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(User.by_email("cli@kommun.example")).scalar_one()
    assert user.check_password("ett-cli-lösenord")
    duplicate = runner.invoke(
        args=["users", "create", "--name", "X", "--email", "CLI@kommun.example", "--role", "staff"],
        input="ett-cli-lösenord\nett-cli-lösenord\n",
    )
    assert duplicate.exit_code != 0 and "Det finns redan" in duplicate.output
    changed = runner.invoke(
        args=["users", "set-password", "cli@kommun.example"], input="nytt-cli-lösen\nnytt-cli-lösen\n"
    )
    assert changed.exit_code == 0
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("nytt-cli-lösen")
    missing = runner.invoke(
        args=["users", "set-password", "ingen@kommun.example"], input="nytt-cli-lösen\nnytt-cli-lösen\n"
    )
    assert missing.exit_code != 0
