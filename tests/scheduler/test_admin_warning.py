"""Admins are warned on every page when the scheduler's heartbeat is missing or stale; no one else is."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from crm.extensions import db
from crm.scheduler.models import SchedulerHeartbeat
from crm.timeutil import local, utcnow

MISSING = "Schemaläggaren har inte startat; påminnelser och e-post skickas inte."
STALE = "Schemaläggaren har inte hörts av sedan {}; påminnelser och e-post skickas inte."
BANNER = re.compile(r'<div class="system-warning" role="status">\s*<p><strong>Varning:</strong>')


def beat(seconds_ago: int):
    when = utcnow() - timedelta(seconds=seconds_ago)
    db.session.add(SchedulerHeartbeat(id=1, beat_at=when, started_at=when - timedelta(hours=1), host="sched1", pid=99))
    db.session.commit()
    return when


def page(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/admin/anvandare", "/konto"])
def test_admin_is_told_the_scheduler_never_started(client, login_as, url):
    login_as("admin")
    html = page(client, url)
    assert BANNER.search(html)
    assert MISSING in html


def test_admin_is_told_when_the_heartbeat_went_stale(app, client, login_as):
    login_as("admin")
    when = beat(app.config["SCHEDULER_STALE_SECONDS"] + 120)
    html = page(client)
    assert BANNER.search(html)
    assert STALE.format(local(when).strftime("%Y-%m-%d %H:%M")) in html
    assert MISSING not in html


def test_a_fresh_heartbeat_hides_the_warning(app, client, login_as):
    login_as("admin")
    beat(app.config["SCHEDULER_STALE_SECONDS"] - 60)
    html = page(client)
    assert "system-warning" not in html
    assert "Schemaläggaren" not in html


@pytest.mark.parametrize("role", ["staff", "organizer", "politician"])
def test_other_roles_never_see_it_and_pay_no_query(app, client, login_as, count_queries, role):
    login_as(role)
    beat(app.config["SCHEDULER_STALE_SECONDS"] + 120)
    with count_queries() as log:
        html = page(client)
    assert "system-warning" not in html and "Schemaläggaren" not in html
    assert not any("scheduler_heartbeat" in statement for statement in log.statements)


def test_the_admin_page_reads_the_heartbeat_once(client, login_as, count_queries):
    login_as("admin")
    with count_queries() as log:
        page(client)
    assert sum("scheduler_heartbeat" in statement for statement in log.statements) == 1


def test_the_login_page_shows_no_warning(client):
    html = page(client, "/logga-in")
    assert "system-warning" not in html
