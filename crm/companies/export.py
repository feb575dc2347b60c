"""The company list as a file: CSV for Swedish Excel (UTF-8 with BOM, semicolons) and .xlsx.

Rows are read as plain columns, BATCH companies at a time, in a session of the export's own. A CSV is
sent while it is read: the request's session is closed when the view returns, before the first row
is streamed, so nothing the rows need may hang on it (ORM objects read with it die with it). Memory
holds the matching ids (the filtered list's order) and one batch, however large the register.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.companies.columns import COMPANY_COLUMNS
from crm.companies.fields import mask_personnummer
from crm.companies.models import SIZE_CLASSES, Company, CompanySni, Tag, company_tags
from crm.dbtypes import swedish
from crm.extensions import db

EXPORT_KEYS = tuple(column.key for column in COMPANY_COLUMNS)
BATCH = 1000

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

companies_table = Company.__table__
# The company columns a row shows as they are stored (or empty).
PLAIN_KEYS = (
    "cfar_number", "name", "legal_form", "visiting_address", "visiting_postcode", "visiting_city", "postal_address",
    "postal_postcode", "postal_city", "municipality", "district", "website", "switchboard", "email",
)


def safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV/formula injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _bool(value: bool | None) -> str:
    return "" if value is None else ("ja" if value else "nej")


def company_row(company: dict[str, Any], sni: list[tuple[str, str]], tags: list[str]) -> list[str]:
    """One company's stored columns as export cells, in COMPANY_COLUMNS order.

    A sole trader's personnummer is masked; the size class shows as its label ("10–19 anställda").
    """
    values = {key: company[key] or "" for key in PLAIN_KEYS}
    values.update({
        "org_number": mask_personnummer(company["org_number"]),
        "sni_codes": ", ".join(code for code, _version in sni),
        "sni_version": sni[0][1] if sni else "",
        "tags": ", ".join(tags),
        "size_class": SIZE_CLASSES.get(company["size_class"] or "", company["size_class"] or ""),
        "employees": "" if company["employees"] is None else str(company["employees"]),
        "employees_date": company["employees_date"].isoformat() if company["employees_date"] else "",
        "women_led": _bool(company["women_led"]),
        "women_owned": _bool(company["women_owned"]),
        "ad_block": _bool(company["ad_block"]),
        "status": str(company["status"]),
        "owner_email": company["owner_email"] or "",
    })
    return [safe_cell(values[key]) for key in EXPORT_KEYS]


def headers() -> list[str]:
    return [column.header for column in COMPANY_COLUMNS]


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _rows_for(session: Session, ids: list[int]) -> Iterator[list[str]]:
    """The export rows of these companies, in the order of `ids`: three statements per batch."""
    query = (
        select(*companies_table.c, User.email.label("owner_email"))
        .outerjoin(User, User.id == companies_table.c.owner_id)
        .where(companies_table.c.id.in_(ids))
    )
    companies = {row["id"]: row for row in session.execute(query).mappings()}
    sni: dict[int, list[tuple[str, str]]] = {}
    for company_id, code, version in session.execute(
        select(CompanySni.company_id, CompanySni.code, CompanySni.version)
        .where(CompanySni.company_id.in_(ids)).order_by(CompanySni.company_id, CompanySni.position, CompanySni.id)
    ):
        sni.setdefault(company_id, []).append((code, version.value))
    tags: dict[int, list[str]] = {}
    for company_id, name in session.execute(
        select(company_tags.c.company_id, Tag.name).join(Tag, Tag.id == company_tags.c.tag_id)
        .where(company_tags.c.company_id.in_(ids)).order_by(swedish(Tag.name))
    ):
        tags.setdefault(company_id, []).append(name)
    for company_id in ids:
        if company_id in companies:  # deleted since the ids were read
            yield company_row(companies[company_id], sni.get(company_id, []), tags.get(company_id, []))


def company_rows(query: Select) -> Iterator[list[str]]:
    """Export rows of the companies `query` selects, in its order, read in a session of their own.

    The engine is looked up now, in the request; the rows are read when iterated, which for a CSV
    is after the view has returned and outside any app context.
    """
    return _read_rows(db.engine, query.with_only_columns(Company.id))


def _read_rows(engine: Engine, ids_query: Select) -> Iterator[list[str]]:
    with Session(engine) as session:
        ids = list(session.scalars(ids_query))
        for chunk in _batches(ids, BATCH):
            yield from _rows_for(session, chunk)


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def csv_chunks(rows: Iterable[list[str]]) -> Iterator[bytes]:
    """Stream the CSV: a BOM so Excel reads UTF-8, the header, then the rows a batch per chunk."""
    yield "\ufeff".encode() + _csv_line(headers()).encode("utf-8")
    lines: list[str] = []
    for cells in rows:
        lines.append(_csv_line(cells))
        if len(lines) == BATCH:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


def xlsx_bytes(rows: Iterable[list[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Företag")
    sheet.append(headers())
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
