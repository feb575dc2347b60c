"""Reading an uploaded CSV or Excel file into a table of text cells: its kind, encoding, delimiter and rows."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l

KINDS = ("csv", "xlsx")
MAX_ROWS = 100_000
XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(ValueError):
    """The upload is not a file we can read; `message` says why, fit to show next to the field."""

    def __init__(self, message: Any):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Table:
    """A file's header row and its non-blank data rows, each with the row number a spreadsheet shows."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str | None = None
    delimiter: str | None = None

    def samples(self, index: int, count: int = 3) -> list[str]:
        """The first few non-empty values of a column, to help the user map it."""
        found: list[str] = []
        for _number, cells in self.rows:
            if cells[index] and cells[index] not in found:
                found.append(cells[index])
                if len(found) == count:
                    break
        return found


def kind_of(filename: str, data: bytes) -> str:
    """'csv' or 'xlsx' from the file's name, checked against its content."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in KINDS:
        raise UnreadableFile(_l("Välj en CSV-fil (.csv) eller en Excel-fil (.xlsx)."))
    if not data:
        raise UnreadableFile(_l("Filen är tom."))
    is_zip = data.startswith(XLSX_MAGIC)
    if extension == "xlsx" and not is_zip:
        raise UnreadableFile(_l("Filen är inte en Excel-fil (.xlsx). Spara den som Excel-arbetsbok eller CSV."))
    is_utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    looks_binary = is_zip or (b"\x00" in data[:4096] and not is_utf16)
    if extension == "csv" and looks_binary:
        raise UnreadableFile(_l("Filen är inte en textfil. Spara den som CSV (semikolonavgränsad) och försök igen."))
    return extension


def read_table(data: bytes, kind: str) -> Table:
    """Read a CSV or .xlsx file's first sheet into a Table; UnreadableFile if it has no data rows."""
    if kind == "xlsx":
        records, encoding, delimiter = _xlsx_records(data), None, None
    else:
        text, encoding = decode_text(data)
        delimiter = detect_delimiter(text)
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _table(records, encoding, delimiter)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 as Swedish Excel writes."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8 med BOM"
        except UnicodeDecodeError:
            raise UnreadableFile(_l("Filen säger att den är UTF-8 men innehåller tecken som inte är det."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise UnreadableFile(_l("Filen gick inte att läsa som text."))
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "ISO-8859-1"


def detect_delimiter(text: str) -> str:
    """Semicolon, comma or tab: whichever the header line has most of outside quotes (comma if none)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


FORMULA_START = ("=", "+", "-", "@")


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: whole numbers without '.0', dates as ÅÅÅÅ-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).replace("\x00", "").strip()


def unguard(cell: str) -> str:
    """Undo the apostrophe our export puts before a cell that would start a formula ("'=x" -> "=x")."""
    return cell[1:] if cell.startswith("'") and cell[1:2] in FORMULA_START else cell


def _xlsx_records(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UnreadableFile(_l("Filen gick inte att läsa som en Excel-fil (.xlsx).")) from error
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size; read what is there
        for values in sheet.iter_rows(min_row=1, values_only=True):
            yield [cell_text(value) for value in values]
    finally:
        workbook.close()


def _table(records: Iterable[list[str]], encoding: str | None, delimiter: str | None) -> Table:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, record in enumerate(records, start=1):
            cells = [unguard(cell.replace("\x00", "").strip()) for cell in record]
            if not any(cells):
                continue
            if headers is None:
                headers = _trim_trailing_blanks(cells)
                continue
            if len(rows) >= MAX_ROWS:
                raise UnreadableFile(
                    _l("Filen har fler än %(max)d rader. Dela upp den i flera filer.", max=MAX_ROWS)
                )
            rows.append((number, (cells + [""] * len(headers))[: len(headers)]))
    except csv.Error as error:
        raise UnreadableFile(_l("Filen gick inte att läsa som CSV.")) from error
    if headers is None:
        raise UnreadableFile(_l("Filen är tom."))
    if not rows:
        raise UnreadableFile(_l("Filen har inga rader under rubrikraden."))
    return Table(headers, rows, encoding, delimiter)


def _trim_trailing_blanks(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells
