"""Converting a file's data rows, by a column-to-field mapping, into company and contact values with their errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm.companies.fields import looks_like_personnummer, mask_personnummer
from crm.companies.models import Company, ContactPerson, SniVersion
from crm.imports.reading import Table
from crm.imports.values import (
    FieldProblem,
    column_length,
    parse_bool,
    parse_cfar_number,
    parse_date,
    parse_email,
    parse_int,
    parse_legal_form,
    parse_org_number,
    parse_postcode,
    parse_size_class,
    parse_sni_codes,
    parse_sni_version,
    parse_status,
    parse_tags,
    parse_text,
    parse_website,
)
from crm.text import name_key

# Plain-text company fields: stored as given, within the column's length.
TEXT_FIELDS = (
    "name", "visiting_address", "visiting_city", "postal_address", "postal_city", "district", "switchboard",
    "municipality",
)
CONTACT_FIELDS = {"contact_name": "name", "contact_email": "email", "contact_phone": "phone", "contact_role": "role"}


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
    limit = column_length(Company, key)
    return lambda value: parse_text(value, limit)


def _contact_parsers() -> dict[str, Any]:
    return {
        "contact_name": lambda value: parse_text(value, column_length(ContactPerson, "name")),
        "contact_email": parse_email,
        "contact_phone": lambda value: parse_text(value, column_length(ContactPerson, "phone")),
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
