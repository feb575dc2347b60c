"""Reading files (encodings, delimiters, xlsx), guessing the mapping, and converting values."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from crm.companies.models import CompanyStatus, SniVersion
from crm.imports.mapping import guess_mapping
from crm.imports.parsing import parse_rows
from crm.imports.reading import UnreadableFile, kind_of, read_table
from crm.imports.values import (
    FieldProblem,
    parse_bool,
    parse_postcode,
    parse_size_class,
    parse_sni_codes,
    parse_sni_version,
    parse_status,
)
from tests.imports.helpers import csv_bytes, swedish, xlsx_bytes

SWEDISH_ROWS = [
    ["Företagsnamn", "Ort", "Kontaktperson"],
    ["Åbyvik Mekaniska AB", "Södertälje", "Örjan Ångström"],
    ["Ängens Bageri", "Järna", "Märta Öberg"],
]


@pytest.mark.parametrize(
    ("encoding", "bom", "label"),
    [("utf-8", False, "UTF-8"), ("utf-8", True, "UTF-8 med BOM"), ("cp1252", False, "Windows-1252")],
)
def test_each_encoding_reads_swedish_letters(encoding, bom, label):
    data = csv_bytes(SWEDISH_ROWS, encoding=encoding)
    if bom:
        data = codecs.BOM_UTF8 + data
    table = read_table(data, "csv")
    assert table.encoding == label
    assert table.headers == ["Företagsnamn", "Ort", "Kontaktperson"]
    assert table.rows == [
        (2, ["Åbyvik Mekaniska AB", "Södertälje", "Örjan Ångström"]),
        (3, ["Ängens Bageri", "Järna", "Märta Öberg"]),
    ]


def test_windows_1252_is_really_windows_1252():
    data = csv_bytes(SWEDISH_ROWS, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "Ö".encode("cp1252") in data


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_each_delimiter_is_detected(delimiter):
    rows = [["Företagsnamn", "SNI-koder", "Taggar"], ["Bygg; & Co", "62010, 47761", "Medtech, Nyckelföretag"]]
    table = read_table(csv_bytes(rows, delimiter=delimiter), "csv")
    assert table.delimiter == delimiter
    assert table.rows == [(2, ["Bygg; & Co", "62010, 47761", "Medtech, Nyckelföretag"])]


def test_blank_rows_are_skipped_but_row_numbers_stay_as_the_spreadsheet_shows():
    rows = [[], ["Företagsnamn", "Ort"], ["Ett AB", "Järna"], ["", ""], ["Två AB", "Mölnbo"]]
    table = read_table(csv_bytes(rows), "csv")
    assert table.headers == ["Företagsnamn", "Ort"]
    assert [number for number, _cells in table.rows] == [3, 5]


def test_xlsx_cells_become_text_with_leading_zeros_restored():
    rows = [
        ["Organisationsnummer", "Företagsnamn", "Ng1", "Ng2", "Anställda per datum", "Antal anställda"],
        ["556036-0793", "Bonde AB", 1110, 62010.0, date(2026, 3, 1), 12.0],
        [None, None, None, None, None, None],
        ["5560360793", "Skog AB", "02101", None, None, None],
    ]
    table = read_table(xlsx_bytes(rows), "xlsx")
    assert table.encoding is None and table.delimiter is None
    assert table.rows[0] == (2, ["556036-0793", "Bonde AB", "1110", "62010", "2026-03-01", "12"])
    assert table.rows[1][0] == 4
    parsed = parse_rows(table, guess_mapping(table.headers))
    assert parsed[0].company["sni_codes"] == ["01110", "62010"]
    assert parsed[0].company["employees_date"] == date(2026, 3, 1)
    assert parsed[0].company["employees"] == 12
    assert parsed[1].company["org_number"] == "556036-0793"
    assert parsed[1].company["sni_codes"] == ["02101"]


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("foretag.xls", b"\xd0\xcf\x11\xe0", "Välj en CSV-fil"),
        ("foretag.pdf", b"%PDF-1.4", "Välj en CSV-fil"),
        ("foretag.csv", b"", "Filen är tom."),
        ("foretag.xlsx", b"Namn;Ort\r\n", "inte en Excel-fil"),
        ("foretag.csv", xlsx_bytes([["Namn"], ["Ett AB"]]), "inte en textfil"),
        ("foretag.xlsx", b"PK\x03\x04 not really a zip", "gick inte att läsa"),
    ],
)
def test_files_we_cannot_read_are_refused_with_a_reason(app, filename, data, message):
    with pytest.raises(UnreadableFile) as refused:
        read_table(data, kind_of(filename, data))
    assert message in swedish(refused.value.message)


def test_a_file_with_only_a_header_is_refused(app):
    with pytest.raises(UnreadableFile) as refused:
        read_table(csv_bytes([["Företagsnamn", "Ort"], ["", ""]]), "csv")
    assert "inga rader" in swedish(refused.value.message)


def test_scbs_column_names_are_recognised():
    headers = [
        "PeOrgNr", "Företagsnamn", "JurForm", "PostAdress", "PostNr", "PostOrt", "BesöksAdress", "BesöksPostNr",
        "BesöksPostOrt", "Ng1", "Ng2", "StorleksklassAnställda", "Säteskommun",
    ]
    assert guess_mapping(headers) == [
        "org_number", "name", "legal_form", "postal_address", "postal_postcode", "postal_city", "visiting_address",
        "visiting_postcode", "visiting_city", "sni_codes", "sni_codes", "size_class", "",
    ]


def test_guessing_ignores_case_accents_and_spacing():
    headers = ["ORGANISATIONSNUMMER", "foretagsnamn", " Besöks adress ", "e-post", "KONTAKTPERSONENS ROLL", "Växel"]
    assert guess_mapping(headers) == [
        "org_number", "name", "visiting_address", "contact_email", "contact_role", "switchboard",
    ]


def test_our_own_export_headers_map_back_to_their_fields():
    from crm.companies.columns import ALL_COLUMNS

    assert guess_mapping([column.header for column in ALL_COLUMNS]) == [column.key for column in ALL_COLUMNS]


def test_a_field_is_guessed_for_one_column_only():
    assert guess_mapping(["Namn", "Företagsnamn"]) == ["", "name"]


@pytest.mark.parametrize(
    ("cells", "codes"),
    [
        (["01110"], ["01110"]),
        (["1110"], ["01110"]),
        (["1110.0"], ["01110"]),
        (["01.110"], ["01110"]),
        (["62010, 47761;01110 02101"], ["62010", "47761", "01110", "02101"]),
        (["62010", "62010", "47761"], ["62010", "47761"]),
    ],
)
def test_sni_codes_keep_their_leading_zeros(cells, codes):
    assert parse_sni_codes(cells) == codes


def test_a_bad_sni_code_is_named(app):
    with pytest.raises(FieldProblem) as problem:
        parse_sni_codes(["62010, ABC"])
    assert problem.value.kind == "sni_code"
    assert "ABC" in swedish(problem.value.message)


@pytest.mark.parametrize(("text", "value"), [
    ("ja", True), ("Ja", True), ("x", True), ("X", True), ("1", True), ("true", True), ("TRUE", True),
    ("nej", False), ("0", False), ("false", False), ("Nej", False),
])
def test_booleans(text, value):
    assert parse_bool(text) is value


@pytest.mark.parametrize("text", ["kanske", "2", "jaa"])
def test_unknown_booleans_are_refused(text):
    with pytest.raises(FieldProblem):
        parse_bool(text)


@pytest.mark.parametrize(("text", "code"), [
    # SCB numbers its classes one higher than the codes we store: its 4 is 10–19 anställda, its 0 "uppgift saknas".
    ("4", "3"), ("16", "15"), ("1", "0"), ("0", None), ("5.0", "4"), ("10–19 anställda", "3"), ("10-19", "3"),
    ("0 anställda", "0"), ("1 000–1 499 anställda", "9"), ("10 000– anställda", "15"), ("Uppgift saknas", None),
])
def test_size_classes(text, code):
    assert parse_size_class(text) == code


@pytest.mark.parametrize("text", ["17", "99", "stor", "10-20"])
def test_unknown_size_classes_are_refused(text):
    with pytest.raises(FieldProblem) as problem:
        parse_size_class(text)
    assert problem.value.kind == "size_class"


def test_postcodes_statuses_and_sni_versions():
    assert parse_postcode("15131") == "151 31"
    assert parse_postcode("151 31") == "151 31"
    with pytest.raises(FieldProblem):
        parse_postcode("1513")
    assert parse_status("Vilande") == CompanyStatus.DORMANT
    assert parse_status("AVREGISTRERAD") == CompanyStatus.DEREGISTERED
    with pytest.raises(FieldProblem):
        parse_status("nedlagd")
    assert parse_sni_version("SNI 2025") == SniVersion.SNI2025
    assert parse_sni_version("2007") == SniVersion.SNI2007
    with pytest.raises(FieldProblem):
        parse_sni_version("SNI 2002")
