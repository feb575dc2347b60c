"""The invitee list on the event page: pages without overlap or gap, filters by answer, a name search, the
counts of the whole event above it, and as many statements for a thousand invitees as for two."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from crm.events import invitee_list
from crm.events.models import Answer, Attendance
from crm.extensions import db
from crm.timeutil import local, utcnow
from tests.support.queries import page_statements

PER_PAGE = 4


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(invitee_list, "PER_PAGE", PER_PAGE)


def _soon(days: int = 5):
    return (local(utcnow()) + timedelta(days=days)).replace(tzinfo=None, hour=7, minute=30, second=0, microsecond=0)


def _names(html: str) -> list[str]:
    return [name.strip() for name in re.findall(r'<td data-label="Namn">([^<]+)', html)]


def _count(html: str, label: str) -> int:
    return int(re.search(rf"<dt>{label}</dt><dd>(\d+)</dd>", html).group(1))


@pytest.fixture
def event(factories):
    """An event with 11 invitees: 3 ja (one more in the line), 2 nej, 2 kanske, 3 unanswered; one uninvited."""
    event = factories.event(start=_soon(), capacity=3)
    company = factories.company(name="Åbyvik Mekaniska AB")
    plan = [("Anna Ja", Answer.YES, None), ("Bo Ja", Answer.YES, None), ("Cia Ja", Answer.YES, None),
            ("Dan Kö", Answer.YES, utcnow()), ("Eva Nej", Answer.NO, None), ("Finn Nej", Answer.NO, None),
            ("Gun Kanske", Answer.MAYBE, None), ("Hans Kanske", Answer.MAYBE, None), ("Ida Tyst", None, None),
            ("Jon Tyst", None, None), ("Åsa Öberg", None, None)]
    for name, answer, waitlisted_at in plan:
        factories.invitation(event, factories.contact(company, name=name), answer=answer, waitlisted_at=waitlisted_at)
    factories.invitation(event, factories.contact(name="Ulf Återkallad"), uninvited_at=utcnow())
    db.session.commit()
    return event


def test_the_pages_cover_every_invitee_once_in_name_order(client, login_as, event, small_pages):
    login_as("organizer")
    first = client.get(f"/evenemang/{event.id}").get_data(as_text=True)
    assert "Visar 1–4 av 11" in first and "Sida 1 av 3" in first
    assert f'href="/evenemang/{event.id}?page=2#inbjudna" rel="next"' in first

    pages = [_names(client.get(f"/evenemang/{event.id}?page={n}").get_data(as_text=True)) for n in (1, 2, 3)]

    assert [len(names) for names in pages] == [4, 4, 3]
    seen = [name for names in pages for name in names]
    assert len(set(seen)) == len(seen) == 11 and "Ulf Återkallad" not in seen
    assert seen == sorted(seen)  # names, as the database orders them: Å after the ASCII letters
    last = client.get(f"/evenemang/{event.id}?page=3").get_data(as_text=True)
    assert "Visar 9–11 av 11" in last and 'rel="prev"' in last and 'rel="next"' not in last


@pytest.mark.parametrize("page", ["9", "0", "x", "-2"])
def test_a_page_out_of_range_shows_the_nearest(client, login_as, event, small_pages, page):
    login_as("organizer")
    html = client.get(f"/evenemang/{event.id}?page={page}").get_data(as_text=True)
    expected = "Visar 9–11 av 11" if page == "9" else "Visar 1–4 av 11"
    assert expected in html


@pytest.mark.parametrize(("answer", "names"), [
    ("ja", ["Anna Ja", "Bo Ja", "Cia Ja"]),
    ("ko", ["Dan Kö"]),
    ("nej", ["Eva Nej", "Finn Nej"]),
    ("kanske", ["Gun Kanske", "Hans Kanske"]),
    ("ej-svarat", ["Ida Tyst", "Jon Tyst", "Åsa Öberg"]),
    ("okant", ["Anna Ja", "Bo Ja", "Cia Ja", "Dan Kö"]),  # an unknown filter shows everyone
])
def test_the_list_filters_by_answer_and_the_counts_cover_the_whole_event(client, login_as, event, small_pages,
                                                                          answer, names):
    login_as("organizer")
    html = client.get(f"/evenemang/{event.id}?svar={answer}").get_data(as_text=True)

    assert _names(html) == names
    assert (_count(html, "Inbjudna"), _count(html, "Ja"), _count(html, "I kö"), _count(html, "Nej"),
            _count(html, "Kanske"), _count(html, "Inget svar")) == (11, 3, 1, 2, 2, 3)
    if answer != "okant":
        assert f'<option value="{answer}" selected>' in html


def test_the_queue_position_counts_the_whole_line(client, login_as, factories, small_pages):
    login_as("organizer")
    event = factories.event(start=_soon(), capacity=1)
    factories.invitation(event, factories.contact(name="Adam Plats"), answer=Answer.YES)
    for n, name in enumerate(["Zara Först", "Bertil Andra", "Yngve Tredje"]):
        factories.invitation(event, factories.contact(name=name), answer=Answer.YES,
                             waitlisted_at=utcnow() - timedelta(hours=10 - n))
    db.session.commit()

    html = client.get(f"/evenemang/{event.id}?svar=ko").get_data(as_text=True)

    rows = re.findall(r'<td data-label="Namn">([^<]+)</td>.*?i kö, plats (\d)', html, re.S)
    assert rows == [("Bertil Andra", "2"), ("Yngve Tredje", "3"), ("Zara Först", "1")]


def test_the_name_search_finds_names_and_addresses_without_caring_about_case_or_accents(
        client, login_as, event, factories):
    login_as("organizer")
    guest = factories.invitation(event, factories.contact(name="Gästen Gustavsson", email="gg@example.se"),
                                 answer=Answer.YES, walk_in=True, invited_at=None)
    db.session.commit()

    def found(query: str, answer: str = "") -> list[str]:
        return _names(client.get(f"/evenemang/{event.id}?q={query}&svar={answer}").get_data(as_text=True))

    assert found("asa oberg") == ["Åsa Öberg"]
    assert found("ÅSA") == ["Åsa Öberg"]
    assert found("kanske") == ["Gun Kanske", "Hans Kanske"]
    assert found("GG@EXAMPLE") == [guest.name]
    assert found("ja", "ko") == []
    assert found("återkallad") == []
    assert found("100%") == []
    html = client.get(f"/evenemang/{event.id}?q=nobody").get_data(as_text=True)
    assert "Ingen av de inbjudna passar sökningen." in html and "Visa alla inbjudna" in html


def test_the_page_keeps_what_it_shows_without_javascript(client, login_as, event, small_pages):
    login_as("organizer")
    html = client.get(f"/evenemang/{event.id}?svar=ej-svarat&q=t&page=1").get_data(as_text=True)

    form = html.split('class="filters event-invitee-filters"', 1)[1].split("</form>", 1)[0]
    assert '<label for="svar-filter">Filtrera på svar</label>' in form and '<label for="inbjudna-q">' in form
    assert 'name="q" value="t"' in form and '<option value="ej-svarat" selected>Inget svar (3)</option>' in form
    assert f'href="/evenemang/{event.id}?svar=ej-svarat&amp;q=t#svar"' in html  # "Uppdatera svaren" keeps the filter
    [uninvite] = re.findall(r'href="(/evenemang/\d+/inbjudna/\d+/aterkalla[^"]*)">Återkalla'
                            r'<span class="visually-hidden"> inbjudan till Jon Tyst', html)
    assert uninvite.endswith("?svar=ej-svarat&amp;q=t")


def test_uninviting_returns_to_the_same_page_of_the_list(client, login_as, event, small_pages):
    login_as("organizer")
    html = client.get(f"/evenemang/{event.id}?page=3").get_data(as_text=True)
    [url] = re.findall(r'href="(/evenemang/\d+/inbjudna/\d+/aterkalla\?page=3)">Återkalla<span class="visually-hidden">'
                       r' inbjudan till Jon Tyst', html)

    response = client.post(url.replace("&amp;", "&"))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/evenemang/{event.id}?page=3#inbjudna"
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Jon Tyst är inte längre inbjuden" in after and "Jon Tyst" not in _names(after)
    assert _count(after, "Inbjudna") == 10


def test_the_statements_do_not_grow_with_the_invitees(client, login_as, factories, count_queries):
    login_as("organizer")
    answers = [Answer.YES, Answer.NO, Answer.MAYBE, None]

    def event_with(count: int):
        event = factories.event(start=_soon(), asks_dietary=True, capacity=count // 2)
        for n in range(count):
            factories.invitation(event, factories.contact(factories.company(), name=f"Kontakt Nummer{n}"),
                                 answer=answers[n % 4], waitlisted_at=utcnow() if n % 5 == 4 else None,
                                 attendance=Attendance.ATTENDED if n % 3 == 0 else None)
        db.session.commit()
        return event

    small, large = event_with(5), event_with(120)  # both with every answer and a line
    for suffix in ("", "?page=2", "?page=3", "?svar=ja", "?svar=ko", "?svar=ej-svarat", "?q=nummer1",
                   "?q=nummer1&svar=nej&page=2"):
        assert page_statements(client, f"/evenemang/{small.id}{suffix}") == page_statements(
            client, f"/evenemang/{large.id}{suffix}"
        ), suffix
    assert len(_names(client.get(f"/evenemang/{large.id}").get_data(as_text=True))) == invitee_list.PER_PAGE
