"""SNI codes where people meet them: the company form, the company page, the code search and `flask sni check`."""

from __future__ import annotations

import html as htmllib

import pytest
from sqlalchemy import select

from crm.companies.models import Company, CompanySni, SniVersion
from crm.extensions import db

FORM = {
    "name": "Kodverket AB",
    "org_number": "5560360793",
    "legal_form": "Aktiebolag",
    "status": "aktiv",
    "sni_version": "SNI 2007",
    "size_class": "3",
    "women_led": "",
    "women_owned": "",
    "owner_id": "",
}


def post_company(client, codes: str, version: str = "SNI 2007"):
    return client.post("/foretag/nytt", data={**FORM, "sni_codes": codes, "sni_version": version})


def stored_codes() -> list[tuple[str, SniVersion]]:
    return [(s.code, s.version) for s in db.session.execute(select(CompanySni).order_by(CompanySni.id)).scalars()]


def error_of(response) -> str:
    page = htmllib.unescape(response.get_data(as_text=True))
    start = page.index('id="sni_codes-error"')
    return page[start:page.index("</p>", start)]


def test_a_four_digit_code_is_not_saved_padded_but_answered_with_a_suggestion(client, login_as):
    login_as("staff")
    response = post_company(client, "6201")
    assert response.status_code == 200
    assert "Menar du 62010 Dataprogrammering?" in error_of(response)
    assert db.session.execute(select(Company)).first() is None, "nothing is written"


def test_several_matches_are_listed_next_to_the_field(client, login_as):
    login_as("staff")
    error = error_of(post_company(client, "4711"))
    assert "47111 Varuhus- och stormarknadshandel, mest livsmedel, drycker och tobak" in error
    assert "47112 Livsmedelshandel med brett sortiment, ej varuhus eller stormarknad" in error


def test_a_made_up_code_is_refused(client, login_as):
    login_as("staff")
    response = post_company(client, "62010, 12345")
    assert "12345 finns inte i SNI 2007." in error_of(response)
    assert stored_codes() == []


@pytest.mark.parametrize(
    ("typed", "version", "saved"),
    [
        ("62010, 01110", "SNI 2007", [("62010", SniVersion.SNI2007), ("01110", SniVersion.SNI2007)]),
        ("62.010", "SNI 2007", [("62010", SniVersion.SNI2007)]),
        ("62100", "SNI 2025", [("62100", SniVersion.SNI2025)]),
    ],
)
def test_detailed_codes_of_the_chosen_version_are_saved(client, login_as, typed, version, saved):
    login_as("staff")
    assert post_company(client, typed, version).status_code == 302
    assert stored_codes() == saved


def test_a_code_of_the_other_version_is_refused(client, login_as):
    login_as("staff")
    assert "62100 finns inte i SNI 2007." in error_of(post_company(client, "62100", "SNI 2007"))


def test_the_form_links_to_the_code_search(client, login_as):
    login_as("staff")
    page = client.get("/foretag/nytt").get_data(as_text=True)
    assert 'href="/foretag/sni" target="_blank"' in page and "Sök SNI-kod" in page


def test_the_company_page_shows_each_codes_own_title(client, login_as, factories):
    company = factories.company(name="Titlar AB")
    company.sni_codes = [
        CompanySni(code="62010", position=0),
        CompanySni(code="62100", version=SniVersion.SNI2025, position=1),
        CompanySni(code="06201", position=2),  # stored padded by an older version of the form
    ]
    db.session.commit()
    login_as("organizer")
    page = htmllib.unescape(client.get(f"/foretag/{company.id}").get_data(as_text=True))
    assert "62010 – Dataprogrammering (SNI 2007)" in page
    assert "62100 – Dataprogrammering (SNI 2025)" in page
    assert "Dataprogrammering, datakonsultverksamhet" not in page
    assert "Utvinning av råpetroleum" not in page
    assert '06201 (SNI 2007) <span class="hint">(finns inte i SNI 2007 som femsiffrig kod)</span>' in page


@pytest.mark.parametrize(
    ("query", "version", "expected"),
    [
        ("dataprogrammering", "SNI 2007", "62010"),
        ("6201", "SNI 2007", "62010"),
        ("DATAPROGRAMMERING", "SNI 2025", "62100"),
        ("forsakring", "SNI 2007", "65120"),
    ],
)
def test_the_code_search_finds_by_code_and_title(client, login_as, query, version, expected):
    login_as("politician")
    response = client.get("/foretag/sni", query_string={"q": query, "version": version})
    page = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert f"<strong>{expected}</strong>" in page
    assert "<script" not in page.split("<main", 1)[-1], "works without JavaScript"


def test_the_code_search_says_when_nothing_matches(client, login_as):
    login_as("staff")
    page = client.get("/foretag/sni", query_string={"q": "12345"}).get_data(as_text=True)
    assert "Inga koder i SNI 2007 matchar." in page
    page = client.get("/foretag/sni", query_string={"q": "a", "version": "okänd"}).get_data(as_text=True)
    assert "de första 100 visas" in page


def test_check_lists_stored_codes_not_in_the_classification(app, factories):
    good = factories.company(name="Rätt AB")
    good.sni_codes = [CompanySni(code="62010"), CompanySni(code="62100", version=SniVersion.SNI2025)]
    bad = factories.company(name="Fel AB")
    bad.sni_codes = [CompanySni(code="06201", position=0), CompanySni(code="6201", position=1),
                     CompanySni(code="62010", version=SniVersion.SNI2025, position=2)]
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["sni", "check"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "company_id\tname\tcode\tversion\tproblem"
    assert lines[1] == (f"{bad.id}\tFel AB\t06201\tSNI 2007\t06201 finns inte i SNI 2007. "
                        "Menar du 62010 Dataprogrammering; 06200 Utvinning av naturgas?")
    assert lines[2] == (f"{bad.id}\tFel AB\t6201\tSNI 2007\tEn SNI-kod har fem siffror. "
                        "Menar du 62010 Dataprogrammering?")
    assert lines[3].startswith(f"{bad.id}\tFel AB\t62010\tSNI 2025\t62010 finns inte i SNI 2025.")
    assert lines[4] == "3 code(s) not in the classification."
    assert "Rätt AB" not in result.output
