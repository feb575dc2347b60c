"""The company page and the meeting log send as many SQL statements for 30 interactions as for 2."""

from __future__ import annotations

import pytest

from crm.extensions import db
from tests.support.queries import page_statements

FEW, MANY = 2, 30


def log_interactions(factories, company, authors, topics, count: int, final: bool) -> None:
    contacts = [factories.contact(company) for _ in range(3)]
    for n in range(count):
        author = authors[n % len(authors)]
        factories.interaction(
            company,
            author=author,
            final=final,
            contacts=contacts[: (n % 3) + 1],
            participants=authors[: (n % len(authors)) + 1],
            topics=topics[: (n % len(topics)) + 1],
        )
    db.session.commit()


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_pages_send_a_constant_number_of_statements(client, login_as, factories, count_queries, role):
    me = login_as(role)
    authors = [me, *(factories.user(role="staff") for _ in range(3))]  # some are "mine"
    topics = [factories.topic() for _ in range(3)]
    small, large = factories.company(), factories.company()
    log_interactions(factories, small, authors, topics, FEW, final=True)
    urls = [f"/foretag/{small.id}", "/moten/", "/moten/?mine=y"]
    few = {url: page_statements(client, url) for url in urls}

    log_interactions(factories, large, authors, topics, MANY, final=True)
    many = {url.replace(str(small.id), str(large.id)): n for url, n in few.items()}
    assert {url: page_statements(client, url) for url in many} == many


def test_version_chains_do_not_add_statements(client, login_as, factories, count_queries):
    me = login_as("staff")
    topics = [factories.topic()]
    small, large = factories.company(), factories.company()
    for company in (small, large):  # the company part of the page alike for both
        factories.contact(company)
    lone = factories.interaction(small, author=me, final=True, topics=topics)
    factories.interaction(small, author=me, topics=topics)
    for _ in range(MANY // 3):
        first = factories.interaction(large, author=me, final=True, topics=topics)
        second = factories.interaction(large, author=me, final=True, version=2, supersedes=first, topics=topics)
        factories.interaction(large, author=me, version=3, supersedes=second, topics=topics)
    db.session.commit()

    assert page_statements(client, f"/foretag/{small.id}") == page_statements(client, f"/foretag/{large.id}")
    assert page_statements(client, f"/moten/{lone.id}") == page_statements(client, f"/moten/{second.id}")
