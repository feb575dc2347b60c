"""Reading an uploaded CSV or Excel file and turning its cells into company and contact values.

Nothing here touches the database: matching rows against the register is `services`' work.
Messages are lazy strings, rendered in whatever language the reader has when they are shown.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from crm.companies.columns import ALL_COLUMNS, COLUMNS_BY_KEY, Column
from crm.companies.fields import (
    FieldError,
    is_masked_org_number,
    legal_form_name,
    looks_like_personnummer,
    mask_personnummer,
    normalise_cfar_number,
    normalise_org_number,
    normalise_postcode,
    normalise_website,
    size_class_from_scb,
)
from crm.companies.models import SIZE_CLASSES, Company, CompanyStatus, ContactPerson, SniVersion
from crm.companies.sni import is_valid, normalise_code, resolve
from crm.text import fold, name_key

KINDS = ("csv", "xlsx")
MAX_ROWS = 100_000
XLSX_MAGIC = b"PK\x03\x04"

# Fields that take several source columns (SCB's Ng1..Ng5, a tag column per cluster); their values join.
MULTI_VALUE_FIELDS = frozenset({"sni_codes", "tags"})
# A generic column ("Postnr") that loses its visiting-address field to a more specific one
# ("BesöksPostNr") is the postal address's, as in SCB's files.
FALLBACK_FIELDS = {
    "visiting_address": "postal_address",
    "visiting_postcode": "postal_postcode",
    "visiting_city": "postal_city",
}
# Plain-text company fields: stored as given, within the column's length.
TEXT_FIELDS = (
    "name", "visiting_address", "visiting_city", "postal_address", "postal_city", "district", "switchboard",
    "municipality",
)
CONTACT_FIELDS = {"contact_name": "name", "contact_email": "email", "contact_phone": "phone", "contact_role": "role"}
# A file with a column about contact persons besides an e-mail column (name, phone, role) is a list of people:
# its "E-post" is theirs. Without one, as in SCB's register files, "E-post" is the company's own address.
PERSON_FIELDS = frozenset(CONTACT_FIELDS) - {"contact_email"}

_TRUE = frozenset({"ja", "j", "x", "1", "true", "sant", "yes", "y"})
_FALSE = frozenset({"nej", "n", "0", "false", "falskt", "no"})
_SNI_SEPARATORS = re.compile(r"[,;\s]+")
_INTEGER = re.compile(r"^\d+(?:\.0+)?$")


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


@dataclass(frozen=True)
class RowError:
    """One problem with one value; `kind` is a stable code for tests and the CLI."""

    field: str
    kind: str
    message: Any
    value: str = ""


@dataclass
class ParsedRow:
    """A data row's values converted to what the register stores; absent keys mean an empty cell."""

    number: int
    company: dict[str, Any] = field(default_factory=dict)
    name_key: str = ""  # crm.text.name_key of the company name, for matching
    contact: dict[str, Any] = field(default_factory=dict)
    masked_prefix: str | None = None
    sole_trader: bool = False  # the number is a personnummer: personal data, shown masked
    owner_email: str | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def shown_org_number(self) -> str:
        """The number as a preview may show it: a personnummer masked ('640823-****')."""
        if self.company.get("org_number"):
            return mask_personnummer(self.company["org_number"])
        return f"{self.masked_prefix}-****" if self.masked_prefix else ""


class FieldProblem(ValueError):
    def __init__(self, kind: str, message: Any):
        super().__init__(kind)
        self.kind = kind
        self.message = message


# --- Reading files --------------------------------------------------------------------------


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


# --- Mapping columns to fields --------------------------------------------------------------


def _names(column: Column) -> list[tuple[int, str]]:
    """(rank, folded name) pairs a source header may match: the header itself ranks first."""
    return [(0, fold(column.header))] + [(1, fold(alias)) for alias in column.aliases]


def _candidates(headers: list[str]) -> list[tuple[tuple[int, int, int], int, str]]:
    """Every (header, field) match, best first: exact header, then the most specific alias, then file order."""
    found = []
    for index, header in enumerate(headers):
        folded = fold(header)
        compact = folded.replace(" ", "")
        for column in ALL_COLUMNS:
            for rank, name in _names(column):
                if name and (folded == name or compact == name.replace(" ", "")):
                    found.append(((rank, -len(name), index), index, column.key))
                    break
    return sorted(found)


def guess_mapping(headers: list[str]) -> list[str]:
    """A field key (or '' for none) per source column, from COMPANY_COLUMNS/CONTACT_COLUMNS headers and aliases."""
    mapping = [""] * len(headers)
    taken: set[str] = set()
    for _rank, index, key in _candidates(headers):
        if mapping[index]:
            continue
        if key in taken and key not in MULTI_VALUE_FIELDS:
            key = FALLBACK_FIELDS.get(key, "")
            if not key or key in taken:
                continue
        mapping[index] = key
        taken.add(key)
    if "contact_email" in taken and "email" not in taken and not taken & PERSON_FIELDS:
        mapping[mapping.index("contact_email")] = "email"
    return mapping


def field_for_name(name: str) -> str | None:
    """A field key from a key, an export header or an alias ('org_number', 'Organisationsnummer', 'orgnr')."""
    if name in COLUMNS_BY_KEY:
        return name
    folded = fold(name)
    for column in ALL_COLUMNS:
        if any(folded == candidate for _rank, candidate in _names(column)):
            return column.key
    return None


def duplicate_fields(mapping: list[str]) -> dict[int, int]:
    """Columns whose single-value field an earlier column already has: {later index: earlier index}."""
    first: dict[str, int] = {}
    duplicates: dict[int, int] = {}
    for index, key in enumerate(mapping):
        if not key or key in MULTI_VALUE_FIELDS:
            continue
        if key in first:
            duplicates[index] = first[key]
        else:
            first[key] = index
    return duplicates


# --- Values ---------------------------------------------------------------------------------


def _max_length(model, key: str) -> int:
    return model.__table__.c[key].type.length


def parse_text(value: str, max_length: int) -> str:
    text = " ".join(value.split())
    if len(text) > max_length:
        raise FieldProblem("too_long", _l("Högst %(max)d tecken.", max=max_length))
    return text


def parse_org_number(value: str) -> tuple[str | None, str | None]:
    """(normalised NNNNNN-NNNN, None), or (None, birth date) for a masked personnummer like '640823-****'."""
    if is_masked_org_number(value):
        return None, value.strip()[:6]
    try:
        return normalise_org_number(value), None
    except FieldError as error:
        raise FieldProblem("org_number", str(error))


def parse_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise FieldProblem("email", _l("E-postadressen är inte giltig."))


def parse_postcode(value: str) -> str:
    try:
        return normalise_postcode(value) or ""
    except FieldError as error:
        raise FieldProblem("postcode", str(error))


def parse_website(value: str) -> str:
    try:
        text = normalise_website(value) or ""
    except FieldError as error:
        raise FieldProblem("website", str(error))
    return parse_text(text, _max_length(Company, "website"))


_THOUSANDS = re.compile(r"(?<=\d)[\s\u00a0](?=\d{3}(?!\d))")


def _size_label_key(text: str) -> tuple[str, ...]:
    """The bounds a label names: '1 000–1 499 anställda' and '1000-1499' are ('1000', '1499')."""
    return tuple(re.findall(r"\d+", _THOUSANDS.sub("", text)))


def parse_size_class(value: str) -> str | None:
    """SCB's storleksklass code as SCB numbers it ('4' is 10–19 anställda, '0' uppgift saknas), or a label
    ('10–19 anställda', '10-19'); returns our stored code, None when SCB says the figure is missing."""
    text = value.strip()
    if _INTEGER.match(text):
        try:
            return size_class_from_scb(int(float(text)))
        except FieldError as error:
            raise FieldProblem("size_class", error.args[0])
    if fold(text) == "uppgift saknas":
        return None
    wanted = _size_label_key(text)
    for code, label in SIZE_CLASSES.items():
        if wanted and wanted == _size_label_key(label):
            return code
    raise FieldProblem("size_class", _l("Okänd storleksklass. Använd SCB:s klasser 0–16 eller en text som 10–19."))


def parse_legal_form(value: str) -> str:
    """SCB's JurForm code ('49') as its name ('Övriga aktiebolag'); a name is kept as given."""
    try:
        text = legal_form_name(value) or ""
    except FieldError as error:
        raise FieldProblem("legal_form", error.args[0])
    return parse_text(text, _max_length(Company, "legal_form"))


def parse_cfar_number(value: str) -> str:
    try:
        return normalise_cfar_number(value) or ""
    except FieldError as error:
        raise FieldProblem("cfar_number", error.args[0])


def parse_bool(value: str) -> bool:
    folded = fold(value)
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise FieldProblem("boolean", _l("Skriv ja eller nej (eller x, 1, 0)."))


def parse_status(value: str) -> CompanyStatus:
    folded = fold(value)
    for status in CompanyStatus:
        if folded == fold(status.value):
            return status
    raise FieldProblem("status", _l("Okänd status. Använd aktiv, vilande, konkurs eller avregistrerad."))


def parse_int(value: str) -> int:
    text = value.replace(" ", "").replace("\u00a0", "")
    if not _INTEGER.match(text) or float(text) > 1_000_000:
        raise FieldProblem("integer", _l("Skriv ett heltal, 0 eller fler."))
    return int(float(text))


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise FieldProblem("date", _l("Skriv datumet som ÅÅÅÅ-MM-DD."))


def parse_sni_version(value: str) -> SniVersion:
    digits = re.sub(r"\D", "", value)
    for version in SniVersion:
        if digits and version.value.endswith(digits):
            return version
    raise FieldProblem("sni_version", _l("Okänd SNI-version. Skriv SNI 2007 eller SNI 2025."))


def parse_sni_codes(values: list[str], version: object = SniVersion.SNI2007) -> list[str]:
    """Detailed codes of `version` from one or more cells, separated by comma, semicolon or space; order kept,
    repeats dropped.

    Leading zeros are kept, and put back where Excel dropped them ('1110' is '01110' when that detailed code
    exists): see sni.normalise_code. Any other code the classification lacks, made up ('12345') or shorter than
    a detailed code ('6201', a class), is refused with the company form's message and suggestions (sni.resolve).
    """
    codes: list[str] = []
    for value in values:
        for part in _SNI_SEPARATORS.split(value.strip()):
            if not part:
                continue
            code = normalise_code(part, version)
            if code is None or not is_valid(code, version):
                resolution = resolve(part, version)
                if resolution.code is None:
                    raise FieldProblem("sni_code", resolution.message)
                code = resolution.code
            if code not in codes:
                codes.append(code)
    return codes


def parse_tags(values: list[str]) -> list[str]:
    """Tag names from comma-separated cells; repeats (whatever their case) dropped."""
    tags: dict[str, str] = {}
    limit = 60
    for value in values:
        for part in value.split(","):
            name = " ".join(part.split())
            if not name:
                continue
            if len(name) > limit:
                raise FieldProblem("too_long", _l("En tagg får ha högst %(max)d tecken.", max=limit))
            tags.setdefault(name.casefold(), name)
    return list(tags.values())


# --- Rows -----------------------------------------------------------------------------------


def _company_parsers() -> dict[str, Any]:
    parsers: dict[str, Any] = {key: _text_parser(key) for key in TEXT_FIELDS}
    parsers.update(
        {
            "website": parse_website,
            "visiting_postcode": parse_postcode,
            "postal_postcode": parse_postcode,
            "size_class": parse_size_class,
            "employees": parse_int,
            "employees_date": parse_date,
            "women_led": parse_bool,
            "women_owned": parse_bool,
            "ad_block": parse_bool,
            "email": parse_email,
            "legal_form": parse_legal_form,
            "cfar_number": parse_cfar_number,
            "status": parse_status,
            "sni_version": parse_sni_version,
        }
    )
    return parsers


def _text_parser(key: str):
    limit = _max_length(Company, key)
    return lambda value: parse_text(value, limit)


def _contact_parsers() -> dict[str, Any]:
    return {
        "contact_name": lambda value: parse_text(value, _max_length(ContactPerson, "name")),
        "contact_email": parse_email,
        "contact_phone": lambda value: parse_text(value, _max_length(ContactPerson, "phone")),
        "contact_role": lambda value: parse_text(value, 100),
    }


COMPANY_PARSERS = _company_parsers()
CONTACT_PARSERS = _contact_parsers()


def _cells_by_field(cells: list[str], mapping: list[str]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, cell in zip(mapping, cells, strict=False):
        if key and cell:
            values.setdefault(key, []).append(cell)
    return values


def parse_row(number: int, cells: list[str], mapping: list[str],
              sni_version: SniVersion = SniVersion.SNI2007) -> ParsedRow:
    """Convert one data row; each bad value becomes a RowError, the others are kept.

    SNI codes are checked against the row's own SNI version when the file has that column, else `sni_version`.
    """
    row = ParsedRow(number)
    # the codes last, so that the row's version is known when they are checked
    fields = sorted(_cells_by_field(cells, mapping).items(), key=lambda item: item[0] == "sni_codes")
    for key, values in fields:
        try:
            _store(row, key, values, sni_version)
        except FieldProblem as problem:
            shown = mask_personnummer(values[0]) if key == "org_number" else ", ".join(values)
            row.errors.append(RowError(key, problem.kind, problem.message, shown))
    row.name_key = name_key(row.company.get("name"))
    return row


def _store(row: ParsedRow, key: str, values: list[str], sni_version: SniVersion) -> None:
    value = values[0]
    if key == "org_number":
        row.company["org_number"], row.masked_prefix = parse_org_number(value)
        row.sole_trader = looks_like_personnummer(row.company["org_number"] or row.masked_prefix)
        if row.company["org_number"] is None:
            del row.company["org_number"]
    elif key == "sni_codes":
        if not any(error.field == "sni_version" for error in row.errors):  # an unknown version: nothing to check
            row.company["sni_codes"] = parse_sni_codes(values, row.company.get("sni_version") or sni_version)
    elif key == "tags":
        row.company["tags"] = parse_tags(values)
    elif key == "owner_email":
        row.owner_email = parse_email(value).lower()
    elif key in CONTACT_PARSERS:
        row.contact[CONTACT_FIELDS[key]] = CONTACT_PARSERS[key](value)
    elif key in COMPANY_PARSERS:
        parsed = COMPANY_PARSERS[key](value)
        if parsed is not None:  # None: the value says the figure is missing (SCB's size class 0)
            row.company[key] = parsed


def parse_rows(table: Table, mapping: list[str], sni_version: SniVersion = SniVersion.SNI2007) -> list[ParsedRow]:
    return [parse_row(number, cells, mapping, sni_version) for number, cells in table.rows]
