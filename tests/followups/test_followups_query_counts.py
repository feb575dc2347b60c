"""The follow-up pages send as many SQL statements for 30 follow-ups as for 2."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.extensions import db
from crm.followups.models import FollowUpStatus
from crm.timeutil import stockholm_today
from tests.followups.followup_helpers import visit
from tests.support.queries import page_statements

FEW, MANY = 2, 30
STATUSES = list(FollowUpStatus)


def raise_follow_ups(factories, company, assignees, topics, count: int, participants=()) -> None:
    """Follow-ups of every source, status, assignee, topic and due date (past, today, later, none)."""
    today = stockholm_today()
    on_visit = visit(company, participants=participants)
    meeting = factories.interaction(company)
    for n in range(count):
        source = [{"visit": on_visit}, {"interaction": meeting}, {}][n % 3]
        factories.follow_up(
            company if not source else None,
            assignee=assignees[n % len(assignees)],
            topic=topics[n % len(topics)],
            status=STATUSES[n % len(STATUSES)],
            due_date=[today - timedelta(days=n + 1), today, today + timedelta(days=n + 10), None][n % 4],
            feedback_on=today if n % 2 else None,
            visible_to_politicians=n % 2 == 0,
            **source,
        )
    db.session.commit()


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_lists_send_a_constant_number_of_statements(client, login_as, factories, count_queries, role):
    me = login_as(role)
    assignees = [factories.user(role="staff") for _ in range(3)]
    if role == "staff":
        assignees = [me, *assignees]
    topics = [factories.topic() for _ in range(3)]
    small, large = factories.company(), factories.company()
    raise_follow_ups(factories, small, assignees, topics, FEW)
    urls = [
        "/uppfoljningar/mina",
        "/uppfoljningar/",
        "/uppfoljningar/?status=alla",
        "/uppfoljningar/?status=alla&overdue=y&without_feedback=y",
        f"/uppfoljningar/?assignee={assignees[0].id}&source=besok&topic={topics[0].id}",
        f"/foretag/{small.id}",
    ]
    few = {url: page_statements(client, url) for url in urls}

    raise_follow_ups(factories, large, assignees, topics, MANY)
    many = {url.replace(f"/foretag/{small.id}", f"/foretag/{large.id}"): n for url, n in few.items()}
    assert {url: page_statements(client, url) for url in many} == many, few


def test_politician_pages_send_a_constant_number_of_statements(client, login_as, factories, count_queries):
    me = login_as("politician")
    assignees = [factories.user(role="staff") for _ in range(3)]
    topics = [factories.topic() for _ in range(3)]
    small, large = factories.company(), factories.company()
    raise_follow_ups(factories, small, assignees, topics, FEW, participants=[me])
    urls = ["/uppfoljningar/politiker", f"/foretag/{small.id}"]
    few = {url: page_statements(client, url) for url in urls}

    raise_follow_ups(factories, large, assignees, topics, MANY, participants=[me])
    many = {url.replace(str(small.id), str(large.id)): n for url, n in few.items()}
    assert {url: page_statements(client, url) for url in many} == many, few
