"""The SNI 2007 and SNI 2025 classifications as shipped, and the checks, look-ups and search built on them."""

from __future__ import annotations

from collections import Counter
from importlib import resources

import pytest

from crm.companies import sni
from crm.companies.models import SniVersion
from crm.companies.sni_data import classification

SECTION_RANGES = {
    "A": (1, 3),
    "B": (5, 9),
    "C": (10, 33),
    "D": (35, 35),
    "E": (36, 39),
    "F": (41, 43),
    "G": (45, 47),
    "H": (49, 53),
    "I": (55, 56),
    "J": (58, 63),
    "K": (64, 66),
    "L": (68, 68),
    "M": (69, 75),
    "N": (77, 82),
    "O": (84, 84),
    "P": (85, 85),
    "Q": (86, 88),
    "R": (90, 93),
    "S": (94, 96),
    "T": (97, 98),
    "U": (99, 99),
}
MISSING_DIVISIONS = {"00", "04", "34", "40", "44", "48", "54", "57", "67", "76", "83", "89"}
LEVEL_COUNTS = {
    SniVersion.SNI2007: {"section": 21, "division": 88, "group": 272, "class": 615, "detailed": 821},
    SniVersion.SNI2025: {"section": 22, "division": 87, "group": 287, "class": 651, "detailed": 835},
}


def data_text(name: str) -> str:
    return resources.files("crm.companies").joinpath("data", name).read_text(encoding="utf-8")


def divisions(version=SniVersion.SNI2007):
    return classification(version).divisions()


# --- the data files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sni2007.csv", "sni2025.csv"])
def test_each_file_names_its_source_in_its_header(name):
    header = [line for line in data_text(name).splitlines() if line.startswith("#")]
    assert any("Source: SCB" in line and "scb.se" in line for line in header)
    assert any("registry-research-toolkit" in line for line in header)
    assert data_text(name).splitlines()[len(header)] == "level,code,parent,name"


@pytest.mark.parametrize("version", list(SniVersion))
def test_every_level_is_shipped(version):
    entries = classification(version).entries.values()
    assert Counter(entry.level for entry in entries) == LEVEL_COUNTS[version]
    assert all(entry.name and entry.name.strip() == entry.name and "  " not in entry.name for entry in entries)


@pytest.mark.parametrize("version", list(SniVersion))
def test_every_code_hangs_under_its_parent(version):
    book = classification(version)
    for entry in book.entries.values():
        if entry.level == "section":
            assert entry.parent == ""
        elif entry.level == "division":
            assert book.entries[entry.parent].level == "section"
        else:
            assert entry.parent == entry.code[:-1] and entry.parent in book.entries, entry
    for entry in book.entries.values():  # a class has at least one detailed code (its fifth digit 0 if no other)
        if entry.level == "class":
            assert book.detailed_under(entry.code), entry


def test_sni_2007_has_21_sections_in_order():
    assert [letter for letter, _ in sni.sections()] == list("ABCDEFGHIJKLMNOPQRSTU")
    assert sni.sections()[0] == ("A", "Jordbruk, skogsbruk och fiske")
    assert sni.section_name("C") == "Tillverkning"
    assert sni.section_name("f") == "Byggverksamhet"
    assert sni.section_name("G") == "Handel; reparation av motorfordon och motorcyklar"
    assert sni.section_name("J") == "Informations- och kommunikationsverksamhet"
    assert sni.section_name("V") is None


def test_sni_2007_divisions_lie_in_their_sections_ranges():
    codes = [entry.code for entry in divisions()]
    assert len(codes) == 88 and codes == sorted(codes)
    assert not MISSING_DIVISIONS & set(codes)
    in_ranges = {f"{n:02d}" for low, high in SECTION_RANGES.values() for n in range(low, high + 1)}
    assert set(codes) == in_ranges
    for entry in divisions():
        low, high = SECTION_RANGES[entry.parent]
        assert low <= int(entry.code) <= high
        assert sni.section_of(entry.code) == entry.parent


def test_sni_2025_is_its_own_classification():
    assert [letter for letter, _ in sni.sections(SniVersion.SNI2025)] == list("ABCDEFGHIJKLMNOPQRSTUV")
    assert sni.section_name("K", SniVersion.SNI2025).startswith("Telekommunikation, dataprogrammering")
    assert sni.divisions_in("K", SniVersion.SNI2025) == ["61", "62", "63"]
    assert sni.title("62100", SniVersion.SNI2025) == "Dataprogrammering"
    assert sni.title("62100") is None  # not an SNI 2007 code
    assert sni.is_valid("62100", "SNI 2025") and not sni.is_valid("62010", "SNI 2025")
    assert sni.section_of("62100", SniVersion.SNI2025) == "K"
    assert sni.title("01110", SniVersion.SNI2025) == "Odling av spannmål (utom ris), baljväxter och oljeväxter"


# --- look-ups -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("62010", "Dataprogrammering"),
        ("6201", "Dataprogrammering"),
        ("06100", "Utvinning av råpetroleum"),
        ("06", "Utvinning av råpetroleum och naturgas"),
        ("561", "Restaurangverksamhet"),
        ("C", "Tillverkning"),
        ("12345", None),
        ("06201", None),
        ("", None),
        (None, None),
    ],
)
def test_title_is_the_codes_own(code, name):
    assert sni.title(code) == name


@pytest.mark.parametrize(
    ("code", "expected"),
    [("62010", "detailed"), ("6201", "class"), ("620", "group"), ("62", "division"), ("J", "section"),
     ("620100", None), ("6", None), ("x1", None), (None, None)],
)
def test_level(code, expected):
    assert sni.level(code) == expected


@pytest.mark.parametrize("code", ["62010", "01110", "47761", "99000", " 62010 "])
def test_detailed_codes_are_valid(code):
    assert sni.is_valid(code)


@pytest.mark.parametrize("code", ["12345", "06201", "6201", "62", "J", "04000", "620100", "", None, 62010])
def test_anything_else_is_not_a_valid_stored_code(code):
    assert not sni.is_valid(code)


def test_describe_shows_the_codes_own_title():
    assert sni.describe("62010") == "62010 – Dataprogrammering"
    assert sni.describe("41") == "41 – Byggande av hus"
    assert sni.describe("62100", SniVersion.SNI2025) == "62100 – Dataprogrammering"
    assert sni.describe("04000") == "04000"
    assert sni.describe("06201") == "06201", "no division title for a code that does not exist"
    assert sni.describe("okänd") == "okänd"


@pytest.mark.parametrize(
    ("code", "letter"),
    [("01110", "A"), ("62010", "J"), ("99000", "U"), ("01", "A"), ("561", "I"), ("4711", "G"), ("41200", "F")],
)
def test_section_of(code, letter):
    assert sni.section_of(code) == letter


@pytest.mark.parametrize("code", ["04000", "89", "0", "123456", "", "ab123", "62.010", None])
def test_section_of_unknown_or_invalid(code):
    assert sni.section_of(code) is None


def test_division_names():
    assert sni.division_name("01") == "Jordbruk och jakt samt service i anslutning härtill"
    assert sni.division_name("56101") == "Restaurang-, catering- och barverksamhet"
    assert sni.division_name("62010") == "Dataprogrammering, datakonsultverksamhet o.d."
    assert sni.division_name("83") is None


# --- what a person types: resolve ---------------------------------------------------------------------------


def test_a_four_digit_class_is_not_padded_but_answered_with_its_detailed_code():
    resolution = sni.resolve("6201")
    assert resolution.code is None
    assert [entry.code for entry in resolution.suggestions] == ["62010"]
    assert "Menar du 62010 Dataprogrammering?" in str(resolution.message)


def test_a_short_code_lists_its_detailed_codes():
    resolution = sni.resolve("4711")
    assert [entry.code for entry in resolution.suggestions] == ["47111", "47112"]
    assert "47111 Varuhus- och stormarknadshandel" in str(resolution.message)
    assert "47112 Livsmedelshandel med brett sortiment" in str(resolution.message)


def test_a_number_cell_that_lost_its_zero_is_suggested_not_padded():
    resolution = sni.resolve("1110")
    assert resolution.code is None
    assert [entry.code for entry in resolution.suggestions] == ["01110"]


def test_a_division_with_many_codes_points_to_the_search():
    resolution = sni.resolve("47")
    assert resolution.code is None and len(resolution.suggestions) > sni.MAX_LISTED
    assert "Sök SNI-kod" in str(resolution.message)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12345", "12345 finns inte i SNI 2007."),
        ("83", "83 finns inte i SNI 2007."),
        ("abc", "abc är ingen SNI-kod."),
        ("62011", "62011 finns inte i SNI 2007. Menar du 62010 Dataprogrammering?"),
    ],
)
def test_codes_the_classification_lacks_are_refused(value, message):
    resolution = sni.resolve(value)
    assert resolution.code is None and str(resolution.message) == message


@pytest.mark.parametrize(("value", "version", "code"), [
    ("62010", SniVersion.SNI2007, "62010"),
    ("62.010", SniVersion.SNI2007, "62010"),
    (" 47 761 ", SniVersion.SNI2007, "47761"),
    ("62100", SniVersion.SNI2025, "62100"),
])
def test_detailed_codes_resolve(value, version, code):
    assert sni.resolve(value, version) == sni.Resolution(code)


def test_the_version_decides():
    assert sni.resolve("62100").code is None
    assert "62100 finns inte i SNI 2007." in str(sni.resolve("62100").message)
    assert sni.resolve("62010", SniVersion.SNI2025).code is None


# --- what a file holds: normalise_code (imports) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1110.0, "01110"),
        (1110, "01110"),
        (47761, "47761"),
        (62.0, "62"),
        ("62.010", "62010"),
        ("62.01", "6201"),
        ("01.110", "01110"),
        ("1.110", "01110"),
        (" 47761 ", "47761"),
        ("47 761", "47761"),
        ("\u00a062010", "62010"),
        ("1110", "01110"),
        ("1110.0", "01110"),
        ("4711", "4711"),
        ("6201", "6201"),
        ("1", "01"),
        (1, "01"),
        ("62", "62"),
        ("561", "561"),
        ("62010", "62010"),
        ("62100", "62100"),  # an SNI 2025 code: without a version any shipped version counts
        ("12345", "12345"),  # a candidate only: is_valid and resolve refuse it
    ],
)
def test_normalise_code(value, expected):
    assert sni.normalise_code(value) == expected


@pytest.mark.parametrize(
    "value",
    ["abc", "", "   ", None, True, -1110, float("nan"), "04000", "4", "89", "83110", "123456", "62-010", "٦٢٠١٠"],
)
def test_normalise_code_rejects(value):
    assert sni.normalise_code(value) is None


def test_normalise_code_pads_only_into_a_real_detailed_code():
    assert sni.normalise_code("6201") == "6201", "not 06201, a code neither version has"
    assert sni.normalise_code("1110", SniVersion.SNI2025) == "01110"
    assert sni.normalise_code("45200", SniVersion.SNI2025) is None  # division 45 is gone in SNI 2025
    assert sni.normalise_code("45200", SniVersion.SNI2007) == "45200"


@pytest.mark.parametrize("value", ["12345", "6201", "62", "06201"])
def test_what_normalise_code_lets_through_is_checked_by_is_valid(value):
    code = sni.normalise_code(value)
    assert code is not None and not sni.is_valid(code) and sni.resolve(code).code is None


# --- search -------------------------------------------------------------------------------------------------


def codes(found) -> list[str]:
    return [entry.code for entry in found[0]]


def test_search_by_title_or_code():
    assert codes(sni.search("dataprogrammering")) == ["62010"]
    assert codes(sni.search("Dataprogrammering", SniVersion.SNI2025)) == ["62100"]
    assert codes(sni.search("6201")) == ["62010"]
    assert codes(sni.search("62.01")) == ["62010"]
    assert codes(sni.search("1110")) == ["01110"]
    assert sni.search("") == ([], 0)
    assert sni.search("zzzz") == ([], 0)


def test_search_folds_swedish_letters_and_ranks_the_title_as_written_first():
    typed = codes(sni.search("försäkring"))
    assert typed and codes(sni.search("forsakring")) == typed and codes(sni.search("FÖRSÄKRING")) == typed
    assert codes(sni.search("restaurang"))[0] == "56100"  # "Restaurangverksamhet" before "Hotell ... restaurang"
    assert set(codes(sni.search("restaurang"))) >= {"55101", "56100"}


def test_search_limits_and_counts():
    found, total = sni.search("47", limit=5)
    assert len(found) == 5 and total == len(classification(SniVersion.SNI2007).detailed_under("47"))
