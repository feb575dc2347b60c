"""The company page shows its timeline a page at a time: the newest first, "Visa äldre" for the next page."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from crm.companies import timeline
from crm.companies.timeline import TimelinePosition, moment_of
from crm.extensions import db
from crm.visits.models import VisitStatus
from tests.support.queries import page_statements

SIZE = 7
ITEM_LINK = re.compile(r'href="/(moten|besok|uppfoljningar)/(\d+)"')
OLDER_LINK = re.compile(r'<a href="([^"]+)" rel="next">Visa äldre</a>')
KINDS = {"moten": "interaction", "besok": "visit", "uppfoljningar": "followup"}


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(timeline, "PAGE_SIZE", SIZE)


def busy_company(factories, author, *, rounds: int = 3):
    """A company whose timeline has ties everywhere: same day, same instant, and across kinds."""
    company = factories.company()
    expected = []  # (moment, kind, id) of every item
    for n in range(rounds):
        day = date(2026, 5, 10) - timedelta(days=n)
        for _ in range(4):  # four meetings on one day
            interaction = factories.interaction(company, author=author, final=True, occurred_on=day)
            expected.append((moment_of(day), "interaction", interaction.id))
        at = datetime(2026, 5, 9, 8, 0, tzinfo=UTC) - timedelta(days=n)
        for _ in range(3):  # three follow-ups written at the same instant
            follow_up = factories.follow_up(company, created_at=at)
            expected.append((at, "followup", follow_up.id))
        end_of_day = moment_of(day)  # a follow-up at the very moment the day's meetings sit
        follow_up = factories.follow_up(company, created_at=end_of_day)
        expected.append((end_of_day, "followup", follow_up.id))
        visit = factories.visit(company, status=VisitStatus.DONE, start=datetime(2026, 5, 9, 10, 0) - timedelta(days=n))
        expected.append((visit.starts_at, "visit", visit.id))
        twin = factories.visit(company, status=VisitStatus.DONE, starts_at=visit.starts_at, ends_at=visit.ends_at)
        expected.append((twin.starts_at, "visit", twin.id))
    proposed = factories.visit(company, created_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC))  # no time yet
    expected.append((proposed.created_at, "visit", proposed.id))
    db.session.commit()
    expected.sort(reverse=True)
    return company, [(kind, item_id) for _, kind, item_id in expected]


def shown(page: str) -> list[tuple[str, int]]:
    section = page.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    return [(KINDS[path], int(item_id)) for path, item_id in ITEM_LINK.findall(section)]


def older_link(page: str) -> str | None:
    match = OLDER_LINK.search(page)
    return html.unescape(match[1]) if match else None


def test_pages_follow_each_other_without_overlap_or_gap(client, login_as, factories):
    me = login_as("staff")
    company, expected = busy_company(factories, me)
    url = f"/foretag/{company.id}"
    seen, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        items = shown(page)
        assert 0 < len(items) <= SIZE
        seen += items
        pages += 1
        url = older_link(page)
        assert url is None or url.endswith("#tidslinje")
    assert seen == expected
    assert pages == -(-len(expected) // SIZE)


def test_the_first_page_shows_the_newest_and_links_to_the_older(client, login_as, factories):
    me = login_as("staff")
    company, expected = busy_company(factories, me)
    page = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert shown(page) == expected[:SIZE]
    assert 'id="tidslinje"' in page and "Visa de senaste" not in page
    older = client.get(older_link(page)).get_data(as_text=True)
    assert shown(older) == expected[SIZE:2 * SIZE]
    assert f'href="/foretag/{company.id}#tidslinje">Visa de senaste</a>' in older


def test_a_timeline_that_fits_one_page_has_no_link(client, login_as, factories):
    me = login_as("staff")
    company = factories.company()
    for _ in range(SIZE):
        factories.interaction(company, author=me, final=True)
    db.session.commit()
    page = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert len(shown(page)) == SIZE and "Visa äldre" not in page


def test_politicians_page_through_what_they_may_see(client, login_as, factories, users):
    company, _ = busy_company(factories, users["staff"], rounds=2)
    login_as("politician")
    url, seen = f"/foretag/{company.id}", []
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += shown(page) if 'class="timeline"' in page else []
        url = older_link(page)
    done_visits = [item for item in seen if item[0] == "visit"]
    assert len(done_visits) == 4 and len(seen) == len(set(seen))


def test_a_page_costs_the_same_statements_however_long_the_timeline(client, login_as, factories):
    me = login_as("staff")
    short = factories.company()  # one item of each kind (a kind with none would skip its eager loads)
    factories.interaction(short, author=me, final=True)
    factories.visit(short, status=VisitStatus.DONE, start=datetime(2026, 5, 9, 10, 0))
    factories.follow_up(short)
    db.session.commit()
    company, _ = busy_company(factories, me, rounds=4)
    first = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    counts = {
        page_statements(client, f"/foretag/{short.id}"),
        page_statements(client, f"/foretag/{company.id}"),
        page_statements(client, older_link(first)),
    }
    assert len(counts) == 1, counts


@pytest.mark.parametrize("value", ["x", "20260101T000000.000000Z~visit", "20261301T000000.000000Z~visit~1",
                                   "20260101T000000Z~visit~1"])
def test_a_malformed_position_is_refused(client, login_as, factories, value):
    login_as("staff")
    company = factories.company()
    db.session.commit()
    assert client.get(f"/foretag/{company.id}", query_string={"fore": value}).status_code == 400


def test_a_position_reads_back_what_it_wrote():
    position = TimelinePosition(moment_of(date(2026, 3, 29)), "interaction", 12)
    assert position.to_param() == "20260329T215959.999999Z~interaction~12"
    assert TimelinePosition.from_param(position.to_param()) == position
