"""The visit list, the visit page and the company timeline send as many SQL statements for 30 visits as for 2."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crm.extensions import db
from crm.visits.models import VisitNote, VisitStatus
from tests.support.queries import page_statements

FEW, MANY = 2, 30
STATUSES = [VisitStatus.BOOKED, VisitStatus.PROPOSED, VisitStatus.DONE, VisitStatus.CANCELLED]


def make_visits(factories, company, people, topics, count: int) -> None:
    contacts = [factories.contact(company) for _ in range(3)]
    for n in range(count):
        factories.visit(
            company,
            status=STATUSES[n % len(STATUSES)],
            start=datetime(2026, 12, 1, 9, 0) + timedelta(days=n),
            participants=people[: (n % len(people)) + 1],
            contacts=contacts[: (n % 3) + 1],
            topics=topics[: (n % len(topics)) + 1],
        )
    db.session.commit()


@pytest.mark.parametrize("role", ["staff", "organizer", "politician"])
def test_list_and_timeline_are_constant(client, login_as, factories, count_queries, role):
    me = login_as(role)
    people = [me, factories.user(role="politician"), factories.user(role="staff")]
    topics = [factories.topic() for _ in range(3)]
    small, large = factories.company(), factories.company()
    make_visits(factories, small, people, topics, FEW)
    urls = [f"/foretag/{small.id}", "/besok/", "/besok/?status=alla", "/besok/?mine=y&status=alla"]
    few = {url: page_statements(client, url) for url in urls}

    make_visits(factories, large, people, topics, MANY)
    many = {url.replace(str(small.id), str(large.id)): n for url, n in few.items()}
    assert {url: page_statements(client, url) for url in many} == many


@pytest.mark.parametrize("role", ["staff", "politician"])
def test_the_visit_page_is_constant(client, login_as, factories, count_queries, role):
    me = login_as(role)

    def visit_with(count: int):
        company = factories.company()
        visit = factories.booked_visit(
            company,
            participants=[me, *(factories.user(role="politician") for _ in range(count))],
            contacts=[factories.contact(company) for _ in range(count)],
            topics=[factories.topic() for _ in range(count)],
        )
        for n in range(count):
            db.session.add(VisitNote(visit=visit, author=factories.user(role="politician"), text=f"Anteckning {n}"))
        db.session.commit()
        return visit

    small, large = visit_with(FEW), visit_with(MANY)
    for suffix in ("", "/protokoll"):
        assert page_statements(client, f"/besok/{small.id}{suffix}") == page_statements(
            client, f"/besok/{large.id}{suffix}"
        )
