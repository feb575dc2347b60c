"""The visit plan's pages only read: a GET writes nothing and commits nothing, before the scheduled job has
stored the register's counts and the suggestions and after it."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from crm.extensions import db
from crm.plan import services as plan
from crm.plan.tasks import refresh_plan_figures
from crm.timeutil import stockholm_today
from crm.visits.models import VisitStatus
from tests.plan.plan_helpers import company, follow_up, visit

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def writes_and_commits():
    """The writing statements and commits sent on the engine inside the block."""
    seen: list[str] = []

    def statement(conn, cursor, sql, parameters, context, executemany):
        if sql.lstrip().upper().startswith(WRITES):
            seen.append(sql)

    def commit(conn):
        seen.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "commit", commit)
        event.remove(db.engine, "before_cursor_execute", statement)


def register(factories, year: int) -> None:
    visited = company(factories, sni="62010", size_class="5", district="Hamnen", women_led=True)
    follow_up(visited, on_visit=visit(visited, year))
    visit(company(factories, sni="10710", size_class="1", district="Centrum"), year, VisitStatus.BOOKED)
    company(factories, sni="47111", size_class="7", district="Norra")
    plan.set_target(year, 20)
    db.session.commit()


def plan_pages(year: int) -> list[str]:
    return ["/besoksplan/", f"/besoksplan/{year}", f"/besoksplan/{year}/forslag",
            f"/besoksplan/{year + 5}", f"/besoksplan/{year + 5}/forslag"]  # a year the job does not rank


@pytest.mark.parametrize("stored", [False, True], ids=["before-the-job", "after-the-job"])
@pytest.mark.parametrize("role", ["staff", "politician", "organizer"])
def test_a_plan_page_neither_writes_nor_commits(client, login_as, factories, role, stored):
    year = stockholm_today().year
    register(factories, year)
    if stored:
        refresh_plan_figures(datetime.now(UTC))
        db.session.commit()
    login_as(role)
    for url in plan_pages(year):
        with writes_and_commits() as seen:
            response = client.get(url)
        assert response.status_code in (200, 302), url
        assert seen == [], (url, seen)


def test_the_target_form_neither_writes_nor_commits(client, login_as, factories):
    year = stockholm_today().year
    register(factories, year)
    login_as("admin")
    with writes_and_commits() as seen:
        response = client.get(f"/besoksplan/{year}/mal")
    assert response.status_code == 200
    assert seen == []
