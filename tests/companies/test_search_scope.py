"""What each role may search on in the company list, and searches that are odd, long or full of LIKE wildcards.

A politician sees a sole trader's personnummer as its birth date ('640823-****') and no contact person's
e-mail address: their search must not match on what is masked, or the matches would read it out.
"""

from __future__ import annotations

import pytest

from crm.extensions import db

SOLE_TRADER = "640823-3234"  # a personnummer: the list shows 640823-****
SAME_BIRTH_DATE = "640823-1006"
COMPANY_NUMBER = "556036-0793"


@pytest.fixture
def register(factories):
    companies = {
        "eriks": factories.company(name="Eriks Snickeri", org_number=SOLE_TRADER),
        "åbyvik": factories.company(name="Åbyvik Mekaniska AB", org_number=COMPANY_NUMBER),
        "hamn": factories.company(name="Hamnkrogen HB", org_number="969604-1811"),
    }
    factories.contact(companies["hamn"], name="Örjan Ängström", email="hemlig.adress@postlada.example")
    db.session.commit()
    return companies


def found(client, q: str, **args) -> set[str]:
    """The names of the register's companies the list shows for `q` (the page echoes `q`, so no numbers)."""
    response = client.get("/foretag/", query_string={"q": q, **args})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return {name for name in ("Eriks Snickeri", "Åbyvik Mekaniska AB", "Hamnkrogen HB") if name in html}


# --- a sole trader's personnummer --------------------------------------------------------------------------


@pytest.mark.parametrize("q", [SOLE_TRADER, "6408233234", "196408233234", "19640823-3234", "640823 3234"])
def test_a_politicians_search_for_a_sole_traders_whole_number_finds_nothing(client, login_as, register, q):
    login_as("politician")
    assert found(client, q) == set()


@pytest.mark.parametrize("role", ["staff", "organizer", "admin"])
def test_those_who_see_the_whole_number_find_it(client, login_as, register, role):
    login_as(role)
    assert found(client, SOLE_TRADER) == {"Eriks Snickeri"}
    assert found(client, "6408233") == {"Eriks Snickeri"}


@pytest.mark.parametrize("q", ["640823", "6408", "640823-", "640823-****", "640823****"])
def test_a_politician_finds_a_sole_trader_by_the_birth_date_the_list_shows(client, login_as, register, q):
    login_as("politician")
    assert found(client, q) == {"Eriks Snickeri"}


def test_a_politician_finds_a_company_by_its_whole_number_which_is_not_masked(client, login_as, register):
    login_as("politician")
    assert found(client, COMPANY_NUMBER) == {"Åbyvik Mekaniska AB"}
    assert found(client, "5560360") == {"Åbyvik Mekaniska AB"}


def test_digit_by_digit_probing_past_the_birth_date_reveals_nothing(client, login_as, register):
    """Each hidden digit tried as 0-9: the ten answers are alike, whatever the digits before it."""
    login_as("politician")
    digits = SOLE_TRADER.replace("-", "")
    for known in range(6, 10):
        prefix = digits[:known]
        answers = [found(client, prefix + digit) for digit in "0123456789"]
        assert all(answer == answers[0] for answer in answers), (prefix, answers)
        assert "Eriks Snickeri" not in answers[0]


def test_the_same_probe_would_read_the_number_for_staff(client, login_as, register):
    """The probe of the test above works where the number is shown, so its sameness for politicians is the rule."""
    login_as("staff")
    answers = [found(client, "6408233" + digit) for digit in "0123456789"]
    assert [digit for digit, answer in zip("0123456789", answers, strict=True) if answer] == ["2"]


def test_sorted_by_number_a_politician_sees_sole_traders_in_the_order_of_what_is_shown(client, login_as, factories):
    """Two sole traders with one birth date: their order must not tell whose hidden digits are the lower."""
    later = factories.company(name="Först Sparad Firma", org_number=SOLE_TRADER)
    earlier = factories.company(name="Sedan Sparad Firma", org_number=SAME_BIRTH_DATE)
    db.session.commit()
    args = {"sort": "orgnr", "order": "asc"}

    login_as("staff")
    html = client.get("/foretag/", query_string=args).get_data(as_text=True)
    assert html.index(earlier.name) < html.index(later.name)  # 1006 before 3234
    client.post("/logga-ut")
    login_as("politician")
    # Equal as shown, so in the order they were saved (and the other way round when descending).
    html = client.get("/foretag/", query_string=args).get_data(as_text=True)
    assert html.index(later.name) < html.index(earlier.name)
    html = client.get("/foretag/", query_string={**args, "order": "desc"}).get_data(as_text=True)
    assert html.index(earlier.name) < html.index(later.name)


# --- contact persons' e-mail addresses -------------------------------------------------------------------


@pytest.mark.parametrize("q", ["hemlig.adress@postlada.example", "hemlig.adress", "postlada", "@postlada.ex"])
def test_a_politicians_search_for_a_contacts_email_finds_nothing(client, login_as, register, q):
    login_as("politician")
    assert found(client, q) == set()
    client.post("/logga-ut")
    login_as("staff")
    assert found(client, q) == {"Hamnkrogen HB"}


def test_a_politician_finds_a_company_by_its_contact_persons_name_which_the_company_page_shows(
        client, login_as, register):
    login_as("politician")
    assert found(client, "ängström") == {"Hamnkrogen HB"}
    assert found(client, "Örj") == {"Hamnkrogen HB"}


def test_a_politicians_search_box_does_not_offer_email(client, login_as, register):
    login_as("politician")
    hint = client.get("/foretag/").get_data(as_text=True)
    assert "Namn, organisationsnummer, kontaktperson eller tagg." in hint
    client.post("/logga-ut")
    login_as("staff")
    assert "kontaktperson, e-post eller tagg" in client.get("/foretag/").get_data(as_text=True)


# --- LIKE wildcards and the escape character -----------------------------------------------------------


@pytest.fixture
def addresses(factories):
    """Addresses with the characters LIKE treats specially; the names hold none of the letters searched."""
    for company, email in [("Alfa", "anna_berg@alfa.example"), ("Omega", "annaxberg@omega.example"),
                           ("Gamma", "rabatt%anna@gamma.example"), ("Delta", "back\\slash@delta.example")]:
        factories.contact(factories.company(name=f"{company} HB"), name="Ulf Ek", email=email)
    db.session.commit()


def found_among(client, q: str) -> set[str]:
    html = client.get("/foretag/", query_string={"q": q}).get_data(as_text=True)
    return {name for name in ("Alfa", "Omega", "Gamma", "Delta") if f"{name} HB" in html}


@pytest.mark.parametrize(
    "q, expected",
    [
        ("anna_berg", {"Alfa"}),  # not annaxberg: "_" is no single-character wildcard
        ("_b", {"Alfa"}),  # shorter than a trigram: searched with LIKE on SQLite too
        ("anna%berg", set()),  # "%" is no wildcard either
        ("att%an", {"Gamma"}),
        ("k\\s", {"Delta"}),  # a backslash is only itself (PostgreSQL's LIKE would take it as an escape)
        ("a/_b", set()),  # nor is the escape character used
    ],
)
def test_like_wildcards_in_a_search_match_only_themselves(client, login_as, addresses, q, expected):
    login_as("staff")
    assert found_among(client, q) == expected


@pytest.mark.parametrize("q", ['alfa" OR "omega', "alfa* OR omega", "NEAR(alfa omega)", "{email}: anna",
                               "alfa AND NOT omega", "'; DROP TABLE companies; --", 'ulf" OR "ek'])
def test_search_syntax_in_a_query_is_only_text(client, login_as, addresses, q):
    """FTS5 MATCH on SQLite, LIKE on both: quotes, operators and column filters are searched as typed."""
    login_as("staff")
    assert found_among(client, q) == set()
    assert found_among(client, "alfa") == {"Alfa"}


# --- long and odd searches ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "politician"])
def test_a_500_word_search_is_refused_with_a_message(client, login_as, register, role):
    login_as(role)
    q = " ".join(["åbyvik"] * 250 + ["ängström", "hemlig", "6408233234", "%_\\"] * 63 + ["x"] * 2)
    response = client.get("/foretag/", query_string={"q": q})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sökningen är för lång. Skriv högst 20 ord och 200 tecken." in html
    assert 'aria-invalid="true"' in html and "Åbyvik Mekaniska AB" not in html


def test_a_very_long_word_is_refused_with_a_message(client, login_as, register):
    login_as("staff")
    response = client.get("/foretag/", query_string={"q": "åbyvik" * 5000})
    assert response.status_code == 200
    assert "Sökningen är för lång" in response.get_data(as_text=True)


def test_a_search_of_twenty_words_is_answered(client, login_as, register):
    login_as("staff")
    html = client.get("/foretag/", query_string={"q": " ".join(["mekaniska"] * 19 + ["åbyvik"])}).get_data(
        as_text=True)
    assert "Sökningen är för lång" not in html and "Åbyvik Mekaniska AB" in html


@pytest.mark.parametrize(
    "q",
    ["åby\x00vik", "\x00", "\x00" * 100, "åbyvik\x1b[31m", "\u202eåbyvik", "a\u0301byvik", "😀 åbyvik",
     "\ufffd", "𝔞𝔟𝔶𝔳𝔦𝔨", "640823\x00-3234", "\x00%", "ÅBYVIK\u200b"],
)
@pytest.mark.parametrize("role", ["staff", "politician"])
def test_control_characters_and_odd_unicode_are_answered(client, login_as, register, role, q):
    login_as(role)
    response = client.get("/foretag/", query_string={"q": q})
    assert response.status_code == 200


def test_a_nul_byte_is_read_as_a_space(client, login_as, register):
    login_as("staff")
    assert found(client, "åbyvik\x00mekaniska") == {"Åbyvik Mekaniska AB"}


@pytest.mark.parametrize("field", ["district", "tag", "size_class", "status", "sni_section", "sort", "order",
                                   "owner_id"])
@pytest.mark.parametrize("value", ["x\x00y", "²", "\x00", "٣", "9" * 30])
def test_odd_values_in_the_filters_are_answered(client, login_as, register, field, value):
    login_as("staff")
    assert client.get("/foretag/", query_string={field: value}).status_code == 200
