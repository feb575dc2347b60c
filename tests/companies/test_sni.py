"""The SNI 2007 code list and its loader."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from crm.companies import sni

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


def csv_rows() -> list[dict[str, str]]:
    text = resources.files("crm.companies").joinpath("data", "sni2007.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def divisions() -> list[dict[str, str]]:
    return [row for row in csv_rows() if row["level"] == "division"]


def test_csv_has_the_expected_header_and_levels():
    rows = csv_rows()
    assert list(rows[0]) == ["level", "code", "section", "name"]
    assert {row["level"] for row in rows} == {"section", "division"}
    assert all(row["name"].strip() == row["name"] and row["name"] for row in rows)


def test_there_are_21_sections_in_order():
    assert [letter for letter, _ in sni.sections()] == list("ABCDEFGHIJKLMNOPQRSTU")
    assert sni.sections()[0] == ("A", "Jordbruk, skogsbruk och fiske")
    assert sni.section_name("C") == "Tillverkning"
    assert sni.section_name("f") == "Byggverksamhet"
    assert sni.section_name("G") == "Handel; reparation av motorfordon och motorcyklar"
    assert sni.section_name("I") == "Hotell- och restaurangverksamhet"
    assert sni.section_name("J") == "Informations- och kommunikationsverksamhet"
    assert sni.section_name("V") is None


def test_there_are_88_two_digit_divisions():
    codes = [row["code"] for row in divisions()]
    assert len(codes) == 88
    assert all(len(code) == 2 and code.isdigit() for code in codes)
    assert codes == sorted(codes)
    assert not MISSING_DIVISIONS & set(codes)


def test_every_division_lies_in_its_sections_range():
    for row in divisions():
        low, high = SECTION_RANGES[row["section"]]
        assert low <= int(row["code"]) <= high, row
        assert sni.section_of(row["code"]) == row["section"]


def test_every_number_in_a_sections_range_is_a_division_except_the_known_gaps():
    codes = {row["code"] for row in divisions()}
    in_ranges = {f"{n:02d}" for low, high in SECTION_RANGES.values() for n in range(low, high + 1)}
    assert codes == in_ranges


def test_csv_has_no_duplicate_codes():
    keys = [(row["level"], row["code"]) for row in csv_rows()]
    assert len(keys) == len(set(keys))
    sections = [row for row in csv_rows() if row["level"] == "section"]
    assert all(row["code"] == row["section"] for row in sections)


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
    assert sni.division_name("10") == "Livsmedelsframställning"
    assert sni.division_name("41") == "Byggande av hus"
    assert sni.division_name("56101") == "Restaurang-, catering- och barverksamhet"
    assert sni.division_name("62010") == "Dataprogrammering, datakonsultverksamhet o.d."
    assert sni.division_name("83") is None


def test_describe():
    assert sni.describe("62010") == "62010 – Dataprogrammering, datakonsultverksamhet o.d."
    assert sni.describe("41") == "41 – Byggande av hus"
    assert sni.describe("04000") == "04000"
    assert sni.describe("okänd") == "okänd"


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
        ("1", "01"),
        (1, "01"),
        ("62", "62"),
        ("561", "561"),
        ("62010", "62010"),
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
