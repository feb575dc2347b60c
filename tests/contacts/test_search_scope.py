"""The contact searches (the contact list, "Koppla en befintlig kontaktperson") with LIKE wildcards, long and odd
queries, and the rule that a viewer who is not shown e-mail addresses does not search them."""

from __future__ import annotations

import pytest

from crm.auth.models import Role, User
from crm.companies.search import contact_query, find_contacts
from crm.companies.search_scope import FULL, MASKED, SearchScope
from crm.extensions import db

ADDRESSES = ["anna_berg@alfa.example", "annaxberg@omega.example", "rabatt%anna@gamma.example",
             "back\\slash@delta.example"]


@pytest.fixture
def people(factories):
    """People whose addresses hold what LIKE treats specially; their names hold none of the letters searched."""
    home = factories.company(name="Hemvist HB")
    for n, email in enumerate(ADDRESSES):
        factories.contact(factories.company(name=f"Firma {n} HB"), name=f"Ulf Ek {n}", email=email)
    db.session.commit()
    return home


def listed(html: str) -> set[str]:
    return {email for email in ADDRESSES if email in html}


CASES = [
    ("anna_berg", {"anna_berg@alfa.example"}),  # not annaxberg: "_" matches only itself
    ("_b", {"anna_berg@alfa.example"}),
    ("anna%berg", set()),
    ("att%an", {"rabatt%anna@gamma.example"}),
    ("k\\s", {"back\\slash@delta.example"}),  # a backslash is only itself, on PostgreSQL too
    ("a/_b", set()),
]


@pytest.mark.parametrize("q, expected", CASES)
def test_the_contact_list_matches_wildcards_only_literally(client, login_as, people, q, expected):
    login_as("organizer")
    response = client.get("/kontaktpersoner/", query_string={"q": q})
    assert response.status_code == 200
    assert listed(response.get_data(as_text=True)) == expected


@pytest.mark.parametrize("q, expected", CASES)
def test_finding_a_contact_to_link_matches_wildcards_only_literally(client, login_as, people, q, expected):
    login_as("staff")
    response = client.get(f"/foretag/{people.id}/kontaktpersoner/sok", query_string={"q": q})
    assert response.status_code == 200
    assert listed(response.get_data(as_text=True)) == expected


def test_the_rule_is_the_same_for_every_contact_search(app, people):
    """The services search e-mail addresses only for a viewer who is shown them."""
    assert [person.email for person in find_contacts("alfa.example", scope=FULL)] == ["anna_berg@alfa.example"]
    assert find_contacts("alfa.example", scope=MASKED) == []
    assert find_contacts("ulf ek 0", scope=MASKED)[0].email == "anna_berg@alfa.example"  # names still
    assert len(db.session.scalars(contact_query("alfa.example", FULL)).all()) == 1
    assert db.session.scalars(contact_query("alfa.example", MASKED)).all() == []
    assert len(db.session.scalars(contact_query("ulf ek", MASKED)).all()) == 4


@pytest.mark.parametrize("role, scope", [(Role.STAFF, FULL), (Role.ORGANIZER, FULL), (Role.ADMIN, FULL),
                                         (Role.POLITICIAN, MASKED)])
def test_who_sees_contact_details_searches_them(role, scope):
    assert SearchScope.of(User(role=role)) == scope


# --- long and odd searches ---------------------------------------------------------------------------------

LONG = " ".join(["anna", "berg", "%", "_", "\\"] * 100)


def test_a_500_word_search_of_the_contact_list_is_refused_with_a_message(client, login_as, people):
    login_as("staff")
    response = client.get("/kontaktpersoner/", query_string={"q": LONG})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sökningen är för lång. Skriv högst 20 ord och 200 tecken." in html
    assert listed(html) == set() and 'aria-invalid="true"' in html


def test_a_500_word_search_for_a_contact_to_link_is_refused_with_a_message(client, login_as, people):
    login_as("staff")
    response = client.get(f"/foretag/{people.id}/kontaktpersoner/sok", query_string={"q": LONG})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sökningen är för lång" in html and listed(html) == set()


@pytest.mark.parametrize("q", ["anna\x00berg", "\x00", "\x00%", "ulf\x1b[0m", "\u202eulf", "😀", "𝔲𝔩𝔣", "\ufffd",
                               "x" * 20000])
def test_odd_searches_are_answered(client, login_as, people, q):
    login_as("staff")
    assert client.get("/kontaktpersoner/", query_string={"q": q}).status_code == 200
    assert client.get(f"/foretag/{people.id}/kontaktpersoner/sok", query_string={"q": q}).status_code == 200


def test_a_nul_byte_in_a_contact_search_is_read_as_a_space(client, login_as, people):
    login_as("staff")
    html = client.get("/kontaktpersoner/", query_string={"q": "ulf\x00ek 2"}).get_data(as_text=True)
    assert listed(html) == {"rabatt%anna@gamma.example"}
