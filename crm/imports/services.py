"""Company import: store the upload and plan its rows against the register; nothing is written here.

The register is prefetched in a few `IN` queries, so planning a 20,000-row file takes seconds.
Writing the plan is `crm.imports.writer`; running a queued job is `crm.imports.jobs`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, bindparam, func, select
from sqlalchemy.types import NullType

from crm.audit.models import AuditEntry
from crm.auth.models import Role, User
from crm.companies.fields import mask_personnummer
from crm.companies.models import (
    Company,
    CompanyContact,
    CompanySni,
    CompanyStatus,
    ContactPerson,
    SniVersion,
    Tag,
)
from crm.extensions import db
from crm.imports.files import import_folder, load_table, save_table
from crm.imports.models import ImportJob, ImportStatus
from crm.imports.parsing import ParsedRow, RowError, parse_rows
from crm.imports.reading import Table
from crm.text import name_key

log = logging.getLogger(__name__)

LOOKUP_CHUNK = 1000  # values per IN (...) when prefetching
COMPANY_VALUE_KEYS = (
    "org_number", "name", "legal_form", "size_class", "employees", "employees_date", "visiting_address",
    "visiting_postcode", "visiting_city", "postal_address", "postal_postcode", "postal_city", "district",
    "website", "switchboard", "women_led", "women_owned", "status", "owner_id", "email", "ad_block", "cfar_number",
    "municipality",
)
CONTACT_VALUE_KEYS = ("name", "email", "phone")

companies_table = Company.__table__
sni_table = CompanySni.__table__
contacts_table = ContactPerson.__table__
links_table = CompanyContact.__table__
tags_table = Tag.__table__
audit_table = AuditEntry.__table__


# --- Jobs -----------------------------------------------------------------------------------


def create_job(
    filename: str,
    data: bytes,
    kind: str,
    table: Table,
    created_by_id: int | None,
    mapping: list[str] | None = None,
) -> ImportJob:
    """Store the upload under a random name and record the job with a guessed column mapping."""
    from crm.imports.mapping import guess_mapping

    stored_name = f"{secrets.token_hex(16)}.{kind}"
    (import_folder() / stored_name).write_bytes(data)
    save_table(import_folder() / f"{stored_name}.table.json", table)
    job = ImportJob(
        filename=Path(filename.replace("\\", "/")).name[:255] or "fil",  # for display only, never a path
        stored_name=stored_name,
        created_by_id=created_by_id,
        total_rows=len(table.rows),
    )
    set_mapping(job, mapping if mapping is not None else guess_mapping(table.headers), SniVersion.SNI2007)
    db.session.add(job)
    db.session.flush()
    return job


def set_mapping(job: ImportJob, columns: list[str], sni_version: SniVersion) -> None:
    job.mapping = {"columns": list(columns), "sni_version": sni_version.value}


def job_mapping(job: ImportJob) -> tuple[list[str], SniVersion]:
    mapping = job.mapping or {}
    return list(mapping.get("columns") or []), SniVersion(mapping.get("sni_version") or SniVersion.SNI2007)


def is_editable(job: ImportJob) -> bool:
    """A job can be mapped, previewed and started until it runs; a failed one can be retried."""
    return job.status in (ImportStatus.UPLOADED, ImportStatus.FAILED)


def recent_jobs(limit: int = 10):
    return select(ImportJob).order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit)


# --- Planning: match each row against the register -------------------------------------------


@dataclass(eq=False)
class PlannedRow:
    parsed: ParsedRow
    existing: dict[str, Any] | None = None  # the matched company's stored columns
    matched_by: str | None = None  # "org_number" or "name"
    owner_id: int | None = None

    @property
    def number(self) -> int:
        return self.parsed.number

    @property
    def errors(self) -> list[RowError]:
        return self.parsed.errors

    @property
    def is_valid(self) -> bool:
        return not self.parsed.errors

    @property
    def company_id(self) -> int | None:
        return self.existing["id"] if self.existing else None

    @property
    def name(self) -> str:
        return self.parsed.company.get("name") or (self.existing or {}).get("name") or ""


@dataclass(eq=False)
class ImportPlan:
    table: Table
    mapping: list[str]
    sni_version: SniVersion
    rows: list[PlannedRow]
    register: Register
    new_tags: list[str] = field(default_factory=list)
    contact_names: dict[str, str] = field(default_factory=dict)  # e-mail -> the first name the file gives it

    @property
    def valid_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.is_valid]

    @property
    def error_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if not row.is_valid]

    @property
    def total_count(self) -> int:
        return len(self.rows)

    @property
    def valid_count(self) -> int:
        return sum(1 for row in self.rows if row.is_valid)

    @property
    def error_count(self) -> int:
        return self.total_count - self.valid_count

    @property
    def sole_traders(self) -> list[PlannedRow]:
        """Rows whose number is a personnummer (enskild näringsidkare): personal data, shown masked."""
        return [row for row in self.rows if row.parsed.sole_trader]

    @property
    def updates(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.is_valid and row.matched_by]

    @property
    def create_count(self) -> int:
        return sum(1 for row in self.rows if row.is_valid and not row.matched_by)

    @property
    def update_count(self) -> int:
        return len(self.updates)


def _chunks(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _in(column, values: list[Any]):
    """`column IN (...)` with the values written into the statement rather than bound.

    psycopg prepares a statement it has run five times, and PostgreSQL may then plan
    `IN ($1, ..., $1000)` generically, comparing every row with the whole list: a second per
    batch instead of milliseconds. Inline values are planned as constants. They are validated
    keys (numbers, folded names, e-mail addresses, ids) quoted by SQLAlchemy's literal rendering.
    """
    value_type = String() if isinstance(column.type, NullType) else column.type
    return column.in_(bindparam("wanted", values, expanding=True, literal_execute=True, type_=value_type))


def _rows_where(table, column, values: Iterable[Any], columns=None, where=None) -> list[dict[str, Any]]:
    """Every row whose `column` is in `values` (and meets `where`), fetched LOOKUP_CHUNK values at a time."""
    found: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(set(values)), LOOKUP_CHUNK):
        query = select(*(columns or [table])).where(_in(column, chunk))
        found.extend(_dicts(query if where is None else query.where(where)))
    return found


def _dicts(query) -> list[dict[str, Any]]:
    """The query's rows as plain dicts (much cheaper than RowMapping for thousands of rows)."""
    result = db.session.execute(query)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


class Register:
    """What the register already holds for the values in a file, prefetched in a few queries."""

    def __init__(self, parsed: list[ParsedRow]):
        org_numbers = {row.company["org_number"] for row in parsed if row.company.get("org_number")}
        by_org = _rows_where(companies_table, companies_table.c.org_number, org_numbers)
        found = {company["org_number"] for company in by_org}
        # A row with a number that is not in the register may still be a stored company without one.
        keys_without_number = {row.name_key for row in parsed if not row.company.get("org_number")} - {""}
        keys_unmatched = {
            row.name_key for row in parsed if row.company.get("org_number") and row.company["org_number"] not in found
        }
        by_key = _rows_where(companies_table, companies_table.c.name_key, keys_without_number)
        by_key += _rows_where(
            companies_table,
            companies_table.c.name_key,
            keys_unmatched - keys_without_number - {""},
            where=companies_table.c.org_number.is_(None),
        )
        self.companies_by_org: dict[str, dict[str, Any]] = {}
        self.companies_by_key: dict[str, list[dict[str, Any]]] = {}
        seen: set[int] = set()
        for company in sorted(by_org + by_key, key=lambda company: company["id"]):
            if company["id"] in seen:
                continue
            seen.add(company["id"])
            if company["org_number"]:
                self.companies_by_org[company["org_number"]] = company
            self.companies_by_key.setdefault(company["name_key"], []).append(company)
        self.owners = self._owners({row.owner_email for row in parsed if row.owner_email})
        self.contacts = self._contacts({row.contact["email"].lower() for row in parsed if row.contact.get("email")})
        self.tags = {
            tag.name.casefold(): (tag.id, tag.name)
            for tag in db.session.execute(select(Tag.id, Tag.name).order_by(Tag.id))
        }

    @staticmethod
    def _owners(emails: set[str]) -> dict[str, int]:
        email = func.lower(User.email)
        query = select(User.id, email.label("email")).where(
            _in(email, sorted(emails)), User.active.is_(True), User.role.in_([Role.STAFF, Role.ADMIN])
        )
        return {row.email: row.id for row in db.session.execute(query)} if emails else {}

    @staticmethod
    def _contacts(emails: set[str]) -> dict[str, dict[str, Any]]:
        email = func.lower(contacts_table.c.email)
        columns = [contacts_table.c.id, contacts_table.c.name, contacts_table.c.phone, email.label("key")]
        found: dict[str, dict[str, Any]] = {}
        for contact in sorted(_rows_where(contacts_table, email, emails, columns), key=lambda c: c["id"]):
            found.setdefault(contact["key"], contact)
        return found


def _match(row: ParsedRow, register: Register) -> tuple[dict[str, Any] | None, str | None]:
    """The company a row means: by organisationsnummer, else by name (a company without a number,
    or for a masked personnummer one whose number has that birth date). Raises on an ambiguous name."""
    org_number = row.company.get("org_number")
    if org_number and org_number in register.companies_by_org:
        return register.companies_by_org[org_number], "org_number"
    candidates = register.companies_by_key.get(row.name_key, []) if row.name_key else []
    if org_number:
        candidates = [company for company in candidates if not company["org_number"]]
    elif row.masked_prefix:
        candidates = [
            company
            for company in candidates
            if not company["org_number"] or company["org_number"].startswith(row.masked_prefix)
        ]
    if len(candidates) > 1:
        raise _Ambiguous()
    return (candidates[0], "name") if candidates else (None, None)


class _Ambiguous(Exception):
    pass


def _error(row: ParsedRow, key: str, kind: str, message: Any, value: str = "") -> None:
    row.errors.append(RowError(key, kind, message, value))


class _Planner:
    """Walks the parsed rows once, matching each and recording what makes it unfit to import."""

    def __init__(self, parsed: list[ParsedRow]):
        self.register = Register(parsed)
        self.org_rows: dict[str, int] = {}
        self.company_rows: dict[int, int] = {}
        self.new_name_rows: dict[str, int] = {}
        self.contact_names: dict[str, str] = {}
        for row in parsed:
            if row.contact.get("email") and row.contact.get("name"):
                self.contact_names.setdefault(row.contact["email"].lower(), row.contact["name"])

    def plan(self, row: ParsedRow) -> PlannedRow:
        planned = PlannedRow(row)
        self._check_duplicate_org_number(row)
        try:
            planned.existing, planned.matched_by = _match(row, self.register)
        except _Ambiguous:
            _error(row, "name", "ambiguous_name",
                   _l("Flera företag i registret har det här namnet. Ange organisationsnummer."),
                   row.company.get("name", ""))
        self._check_same_company(planned)
        if planned.existing is None and not row.company.get("name") and not _has_error(row, "name"):
            _error(row, "name", "name_missing", _l("Företagsnamn saknas."))
        if row.owner_email:
            planned.owner_id = self.register.owners.get(row.owner_email)
            if planned.owner_id is None:
                _error(row, "owner_email", "owner", _l("Ingen aktiv handläggare har den e-postadressen."),
                       row.owner_email)
        self._check_contact(row)
        return planned

    def _check_duplicate_org_number(self, row: ParsedRow) -> None:
        org_number = row.company.get("org_number")
        if not org_number:
            return
        if org_number in self.org_rows:
            _error(row, "org_number", "duplicate_org_number",
                   _l("Organisationsnumret finns redan på rad %(row)d i filen.", row=self.org_rows[org_number]),
                   mask_personnummer(org_number))
        else:
            self.org_rows[org_number] = row.number

    def _check_same_company(self, planned: PlannedRow) -> None:
        row = planned.parsed
        if planned.company_id is not None:
            first = self.company_rows.setdefault(planned.company_id, row.number)
        elif not row.company.get("org_number") and row.company.get("name"):
            first = self.new_name_rows.setdefault(row.name_key, row.number)
        else:
            return
        if first != row.number and not _has_error(row, "org_number"):
            _error(row, "name", "duplicate_company", _l("Samma företag som på rad %(row)d.", row=first),
                   planned.name)

    def _check_contact(self, row: ParsedRow) -> None:
        if not row.contact or row.contact.get("name") or _has_error(row, "contact_name"):
            return
        email = (row.contact.get("email") or "").lower()
        if not email or (email not in self.register.contacts and email not in self.contact_names):
            _error(row, "contact_name", "contact_name_missing", _l("Kontaktpersonen saknar namn."))


def _has_error(row: ParsedRow, key: str) -> bool:
    return any(error.field == key for error in row.errors)


def plan_rows(table: Table, mapping: list[str], sni_version: SniVersion = SniVersion.SNI2007) -> ImportPlan:
    """Parse and match every row; nothing is written."""
    parsed = parse_rows(table, mapping, sni_version)
    planner = _Planner(parsed)
    rows = [planner.plan(row) for row in parsed]
    known = planner.register.tags
    new_tags: dict[str, str] = {}
    for row in rows:
        if row.is_valid:
            for tag in row.parsed.company.get("tags", []):
                if tag.casefold() not in known:
                    new_tags.setdefault(tag.casefold(), tag)
    return ImportPlan(table, mapping, sni_version, rows, planner.register, list(new_tags.values()),
                      planner.contact_names)


def plan_job(job: ImportJob) -> ImportPlan:
    columns, sni_version = job_mapping(job)
    return plan_rows(load_table(job), columns, sni_version)



def _company_insert_params(row: PlannedRow) -> dict[str, Any]:
    values = row.parsed.company
    params = {key: values.get(key) for key in COMPANY_VALUE_KEYS}
    params["status"] = values.get("status") or CompanyStatus.ACTIVE
    params["ad_block"] = bool(values.get("ad_block"))
    params["owner_id"] = row.owner_id
    params["name_key"] = row.parsed.name_key
    return params


def _company_changes(row: PlannedRow) -> dict[str, Any]:
    """The mapped, non-empty values that differ from what the matched company has."""
    old = row.existing or {}
    wanted = {key: value for key, value in row.parsed.company.items() if key in COMPANY_VALUE_KEYS}
    if row.owner_id is not None:
        wanted["owner_id"] = row.owner_id
    if old.get("org_number"):
        wanted.pop("org_number", None)  # a stored number is never replaced; a match by name only fills one in
    changes = {key: value for key, value in wanted.items() if old.get(key) != value}
    if "name" in changes:
        changes["name_key"] = name_key(changes["name"])
    return changes
