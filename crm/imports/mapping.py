"""Matching a file's column headers to the register's fields, by export header or alias."""

from __future__ import annotations

from crm.companies.columns import ALL_COLUMNS, COLUMNS_BY_KEY, Column
from crm.imports.parsing import CONTACT_FIELDS
from crm.text import fold

# Fields that take several source columns (SCB's Ng1..Ng5, a tag column per cluster); their values join.
MULTI_VALUE_FIELDS = frozenset({"sni_codes", "tags"})
# A generic column ("Postnr") that loses its visiting-address field to a more specific one
# ("BesöksPostNr") is the postal address's, as in SCB's files.
FALLBACK_FIELDS = {
    "visiting_address": "postal_address",
    "visiting_postcode": "postal_postcode",
    "visiting_city": "postal_city",
}
# A file with a column about contact persons besides an e-mail column (name, phone, role) is a list of people:
# its "E-post" is theirs. Without one, as in SCB's register files, "E-post" is the company's own address.
PERSON_FIELDS = frozenset(CONTACT_FIELDS) - {"contact_email"}


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
