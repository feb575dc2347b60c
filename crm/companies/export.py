"""The company list as a file: CSV for Swedish Excel (UTF-8 with BOM, semicolons) and .xlsx."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from openpyxl import Workbook

from crm.companies.columns import COMPANY_COLUMNS
from crm.companies.models import Company

EXPORT_KEYS = tuple(column.key for column in COMPANY_COLUMNS)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV/formula injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _bool(value: bool | None) -> str:
    return "" if value is None else ("ja" if value else "nej")


def company_row(company: Company) -> list[str]:
    """One company as export cells, in COMPANY_COLUMNS order; a sole trader's personnummer is masked."""
    sni_codes = [sni for sni in company.sni_codes]
    values = {
        "org_number": company.org_number_masked,
        "name": company.name,
        "legal_form": company.legal_form or "",
        "sni_codes": ", ".join(sni.code for sni in sni_codes),
        "sni_version": sni_codes[0].version.value if sni_codes else "",
        "size_class": company.size_class or "",
        "employees": "" if company.employees is None else str(company.employees),
        "employees_date": company.employees_date.isoformat() if company.employees_date else "",
        "visiting_address": company.visiting_address or "",
        "visiting_postcode": company.visiting_postcode or "",
        "visiting_city": company.visiting_city or "",
        "postal_address": company.postal_address or "",
        "postal_postcode": company.postal_postcode or "",
        "postal_city": company.postal_city or "",
        "district": company.district or "",
        "website": company.website or "",
        "switchboard": company.switchboard or "",
        "tags": ", ".join(tag.name for tag in company.tags),
        "women_led": _bool(company.women_led),
        "women_owned": _bool(company.women_owned),
        "status": company.status.value,
        "owner_email": company.owner.email if company.owner else "",
    }
    return [safe_cell(values[key]) for key in EXPORT_KEYS]


def headers() -> list[str]:
    return [column.header for column in COMPANY_COLUMNS]


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def csv_chunks(companies: Iterable[Company]) -> Iterator[bytes]:
    """Stream the CSV: a BOM so Excel reads UTF-8, then one line per company."""
    yield "\ufeff".encode() + _csv_line(headers()).encode("utf-8")
    for company in companies:
        yield _csv_line(company_row(company)).encode("utf-8")


def xlsx_bytes(companies: Iterable[Company]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Företag")
    sheet.append(headers())
    for company in companies:
        sheet.append(company_row(company))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
