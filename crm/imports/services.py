"""Company import: store the upload, plan the rows against the register, write them all or nothing.

The write is one transaction of SQLAlchemy Core executemany statements in batches, with the
register prefetched in a few `IN` queries, so a 20,000-row file takes seconds. Progress goes to a
small JSON file beside the upload, because on SQLite the import holds the only write lock.

Audit: every company, contact person, company link and tag the import creates or changes gets
an entry of the same shape the `Audited` mixin writes (create: the values; update: old and new
per changed field; a company's SNI codes and tags ride along in its entry), written in bulk in
the same transaction; plus one summary entry, action "import" on the ImportJob, with the counts.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, bindparam, delete, func, insert, select, update
from sqlalchemy.types import NullType

from crm.audit.mixins import current_actor, system_actor
from crm.audit.models import AuditEntry
from crm.auth.models import Role, User
from crm.companies.models import (
    Company,
    CompanyContact,
    CompanySni,
    CompanyStatus,
    ContactPerson,
    SniVersion,
    Tag,
    company_tags,
)
from crm.extensions import db
from crm.imports.models import ImportJob, ImportStatus
from crm.imports.parsing import ParsedRow, RowError, Table, parse_rows, read_table
from crm.text import fold, name_key
from crm.timeutil import utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 1000  # rows per executemany and per progress step
LOOKUP_CHUNK = 1000  # values per IN (...) when prefetching
COMPANY_VALUE_KEYS = (
    "org_number", "name", "legal_form", "size_class", "employees", "employees_date", "visiting_address",
    "visiting_postcode", "visiting_city", "postal_address", "postal_postcode", "postal_city", "district",
    "website", "switchboard", "women_led", "women_owned", "status", "owner_id",
)
CONTACT_VALUE_KEYS = ("name", "email", "phone")

companies_table = Company.__table__
sni_table = CompanySni.__table__
contacts_table = ContactPerson.__table__
links_table = CompanyContact.__table__
tags_table = Tag.__table__
audit_table = AuditEntry.__table__


class ImportRefused(Exception):
    """The file has rows with errors and the user did not ask to skip them."""

    def __init__(self, error_rows: int):
        super().__init__(f"{error_rows} rows with errors")
        self.error_rows = error_rows


class ImportNotStartable(Exception):
    """The job is already running or done."""


# --- Files ----------------------------------------------------------------------------------


def import_folder() -> Path:
    """Where uploads live: IMPORT_FOLDER if configured, else the instance folder's imports/."""
    folder = Path(current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_path(job: ImportJob) -> Path:
    return import_folder() / job.stored_name


def progress_path(job: ImportJob) -> Path:
    return import_folder() / f"{job.stored_name}.progress.json"


def _table_path(job: ImportJob) -> Path:
    return import_folder() / f"{job.stored_name}.table.json"


def _kind(job: ImportJob) -> str:
    return job.stored_name.rsplit(".", 1)[-1]


def _save_table(path: Path, table: Table) -> None:
    """Keep the parsed rows beside the upload: reading a large .xlsx again on every page takes seconds."""
    content = {"headers": table.headers, "rows": table.rows, "encoding": table.encoding, "delimiter": table.delimiter}
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")


def load_table(job: ImportJob) -> Table:
    """The job's rows: from the parsed copy saved at upload, else read from the file again."""
    try:
        content = json.loads(_table_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return read_table(upload_path(job).read_bytes(), _kind(job))
    rows = [(number, cells) for number, cells in content["rows"]]
    return Table(content["headers"], rows, content["encoding"], content["delimiter"])


def _remove_files(job: ImportJob) -> None:
    """The upload held personal data; once the register has it, neither the file nor its copy is kept."""
    upload_path(job).unlink(missing_ok=True)
    _table_path(job).unlink(missing_ok=True)


def has_file(job: ImportJob) -> bool:
    return upload_path(job).is_file()


class ProgressFile:
    """A small JSON file the status page reads; replaced atomically so a reader never sees half of it."""

    def __init__(self, path: Path):
        self.path = path

    def write(self, phase: str, done: int = 0, total: int = 0) -> None:
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(json.dumps({"phase": phase, "done": done, "total": total}), encoding="utf-8")
        os.replace(temporary, self.path)

    def read(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def read_progress(job: ImportJob) -> dict[str, Any] | None:
    return ProgressFile(progress_path(job)).read()


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
    from crm.imports.parsing import guess_mapping

    stored_name = f"{secrets.token_hex(16)}.{kind}"
    (import_folder() / stored_name).write_bytes(data)
    _save_table(import_folder() / f"{stored_name}.table.json", table)
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


def claim_job(job_id: int) -> bool:
    """Mark the job running if nobody else has; the caller commits."""
    result = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status.in_([ImportStatus.UPLOADED, ImportStatus.FAILED]))
        .values(status=ImportStatus.RUNNING, error=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


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
                   org_number)
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
    parsed = parse_rows(table, mapping)
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


# --- Writing --------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    links_created: int = 0
    tags_created: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _plain(value: Any) -> Any:
    """A value as JSON can hold it (as the audit mixin stores values)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


class _Writer:
    """Writes a plan's valid rows in batches on the session's connection; the caller commits."""

    def __init__(self, plan: ImportPlan, progress: Callable[[int, int], None]):
        self.plan = plan
        self.progress = progress
        self.result = ImportResult(skipped=plan.error_count)
        self.user_id, self.actor = current_actor()
        self.audit: list[dict[str, Any]] = []
        self.now = utcnow()
        matched = [row.company_id for row in plan.valid_rows if row.company_id is not None]
        self.tag_ids = {key: tag_id for key, (tag_id, _name) in plan.register.tags.items()}
        self.tag_names = {tag_id: name for tag_id, name in plan.register.tags.values()}
        self.sni = _existing_sni(matched)
        self.tag_pairs = _existing_tag_pairs(matched)
        self.links = _existing_links(matched)
        self.contacts: dict[str, int] = {}  # lower-case e-mail -> id of a contact this import has seen
        self.updated_contacts: set[int] = set()

    def run(self) -> ImportResult:
        rows = self.plan.valid_rows
        self._create_tags()
        self.progress(0, len(rows))
        done = 0
        for chunk in _chunks(rows, BATCH_SIZE):
            self._write_chunk(chunk)
            done += len(chunk)
            self.progress(done, len(rows))
        return self.result

    def _write_chunk(self, chunk: list[PlannedRow]) -> None:
        self.now = utcnow()
        changes: dict[int, dict[str, Any]] = {}  # company id -> its audit entry's changes
        created = self._write_companies(chunk, changes)
        self._write_sni(chunk, changes, created)
        self._write_tags(chunk, changes, created)
        for row in chunk:
            company_id = row.company_id
            if company_id in created:
                self._record("create", "Company", company_id, changes[company_id])
            elif changes.get(company_id):
                self._record("update", "Company", company_id, changes[company_id])
            else:
                self.result.unchanged += 1
        self._write_contacts(chunk)
        if self.audit:
            db.session.execute(insert(audit_table), self.audit)
            self.audit = []

    def _record(self, action: str, entity: str, entity_id: int, changes: dict[str, Any] | None) -> None:
        self.audit.append(
            {"at": self.now, "user_id": self.user_id, "actor": self.actor, "action": action, "entity": entity,
             "entity_id": str(entity_id), "changes": changes}
        )

    def _create_tags(self) -> None:
        new = [{"name": name} for name in self.plan.new_tags]
        if not new:
            return
        for params, tag_id in zip(new, _insert_with_ids(tags_table, new), strict=True):
            self.tag_ids[params["name"].casefold()] = tag_id
            self.tag_names[tag_id] = params["name"]
            self._record("create", "Tag", tag_id, {"name": params["name"]})
        self.result.tags_created = len(new)

    def _write_companies(self, chunk: list[PlannedRow], changes: dict[int, dict[str, Any]]) -> set[int]:
        """Insert the new companies and update the matched ones; returns the new ids."""
        creates = [row for row in chunk if row.existing is None]
        updates = [row for row in chunk if row.existing is not None]
        created: set[int] = set()
        if creates:
            params = [_company_insert_params(row) for row in creates]
            for row, values, company_id in zip(
                creates, params, _insert_with_ids(companies_table, params), strict=True
            ):
                row.existing = {"id": company_id}
                created.add(company_id)
                changes[company_id] = _audit_values(values, exclude={"id", "name_key"})
        updated = []
        for row in updates:
            values = _company_changes(row)
            old = row.existing or {}
            changes[row.company_id] = {
                key: [_plain(old.get(key)), _plain(value)] for key, value in values.items() if key != "name_key"
            }
            if values:
                updated.append({"b_id": row.company_id, **values})
        _update_by_id(companies_table, updated)
        self.result.created += len(creates)
        self.result.updated += len(updates)
        return created

    def _write_sni(self, chunk: list[PlannedRow], changes: dict[int, dict[str, Any]], created: set[int]) -> None:
        """Replace a company's codes of the row's SNI version when the file's list differs."""
        removals, additions = [], []
        for row in chunk:
            codes = row.parsed.company.get("sni_codes")
            if not codes:
                continue
            version = row.parsed.company.get("sni_version") or self.plan.sni_version
            old = self.sni.get(row.company_id, {}).get(version.value, [])
            if old == codes:
                continue
            if old:
                removals.append({"b_company_id": row.company_id, "b_version": version.value})
            additions.extend(
                {"company_id": row.company_id, "code": code, "version": version, "position": position}
                for position, code in enumerate(codes)
            )
            _note(changes, row.company_id, row.company_id in created, "sni_codes", ", ".join(old), ", ".join(codes))
        if removals:
            condition = (sni_table.c.company_id == bindparam("b_company_id")) & (
                sni_table.c.version == bindparam("b_version")
            )
            db.session.execute(delete(sni_table).where(condition), removals)
        if additions:
            db.session.execute(insert(sni_table), additions)

    def _write_tags(self, chunk: list[PlannedRow], changes: dict[int, dict[str, Any]], created: set[int]) -> None:
        """Add the row's tags to the company (tags it has stay)."""
        pairs = []
        for row in chunk:
            names = row.parsed.company.get("tags")
            if not names:
                continue
            present = self.tag_pairs.setdefault(row.company_id, set())
            before = ", ".join(sorted(self.tag_names[tag_id] for tag_id in present))
            new = [tag_id for tag_id in dict.fromkeys(self.tag_ids[name.casefold()] for name in names)
                   if tag_id not in present]
            if not new:
                continue
            present.update(new)
            pairs.extend({"company_id": row.company_id, "tag_id": tag_id} for tag_id in new)
            after = ", ".join(sorted(self.tag_names[tag_id] for tag_id in present))
            _note(changes, row.company_id, row.company_id in created, "tags", before, after)
        if pairs:
            db.session.execute(insert(company_tags), pairs)

    def _write_contacts(self, chunk: list[PlannedRow]) -> None:
        """Find or create each row's contact person, then link it to the row's company."""
        pending: list[dict[str, Any]] = []
        pending_by_email: dict[str, dict[str, Any]] = {}
        targets: list[tuple[PlannedRow, dict[str, Any]]] = []
        contact_updates: list[dict[str, Any]] = []
        for row in chunk:
            contact = row.parsed.contact
            if not contact:
                continue
            email = (contact.get("email") or "").lower()
            known = self._known_contact(row, contact, contact_updates)
            target = {"id": known} if known is not None else pending_by_email.get(email)
            if target is None:
                target = self._contact_insert_params(contact)
                pending.append(target)
                if email:
                    pending_by_email[email] = target
            targets.append((row, target))
        if pending:
            for params, contact_id in zip(pending, _insert_with_ids(contacts_table, pending), strict=True):
                if params["email"]:
                    self.contacts[params["email"].lower()] = contact_id
                self._record("create", "ContactPerson", contact_id,
                             _audit_values(params, exclude={"id", "name_key"}))
            self.result.contacts_created += len(pending)
        _update_by_id(contacts_table, contact_updates)
        self._write_links([(row, target["id"]) for row, target in targets])

    def _contact_insert_params(self, contact: dict[str, Any]) -> dict[str, Any]:
        email = contact.get("email")
        name = contact.get("name") or self.plan.contact_names.get((email or "").lower()) or email or ""
        return {"name": name, "name_key": fold(name), "email": email, "phone": contact.get("phone")}

    def _known_contact(self, row: PlannedRow, contact: dict[str, Any], updates: list[dict[str, Any]]) -> int | None:
        """The id of a stored contact this row names: by e-mail, else by name among the company's contacts."""
        email = (contact.get("email") or "").lower()
        if email and email in self.contacts:
            return self.contacts[email]
        stored = self.plan.register.contacts.get(email) if email else None
        if stored is not None:
            self.contacts[email] = stored["id"]
            self._update_contact(stored, contact, updates)
            return stored["id"]
        if not email and contact.get("name"):
            wanted = fold(contact["name"])
            for link in self.links.get(row.company_id, []):
                if link["folded_name"] == wanted:
                    return link["contact_id"]
        return None

    def _update_contact(self, stored: dict[str, Any], contact: dict[str, Any], updates: list[dict[str, Any]]) -> None:
        """Replace a stored contact's name and phone with the file's (the first row naming it wins)."""
        if stored["id"] in self.updated_contacts:
            return
        self.updated_contacts.add(stored["id"])
        values = {key: contact[key] for key in ("name", "phone") if contact.get(key) and contact[key] != stored[key]}
        if not values:
            return
        self._record("update", "ContactPerson", stored["id"],
                     {key: [stored[key], value] for key, value in values.items()})
        if "name" in values:
            values["name_key"] = fold(values["name"])
        updates.append({"b_id": stored["id"], **values})
        self.result.contacts_updated += 1

    def _write_links(self, targets: list[tuple[PlannedRow, int]]) -> None:
        """Link each contact to its company with the row's role, or set the role of a link that exists."""
        inserts, role_updates = [], []
        for row, contact_id in targets:
            role = row.parsed.contact.get("role")
            links = self.links.setdefault(row.company_id, [])
            link = next((link for link in links if link["contact_id"] == contact_id), None)
            if link is None:
                link = {"id": None, "company_id": row.company_id, "contact_id": contact_id, "role": role,
                        "folded_name": fold(row.parsed.contact.get("name"))}
                links.append(link)
                inserts.append(link)
            elif role and role != link["role"]:
                if link["id"] is not None:
                    role_updates.append({"b_id": link["id"], "role": role})
                    self._record("update", "CompanyContact", link["id"], {"role": [link["role"], role]})
                link["role"] = role
        if inserts:
            params = [{"company_id": link["company_id"], "contact_id": link["contact_id"], "role": link["role"]}
                      for link in inserts]
            for link, values, link_id in zip(
                inserts, params, _insert_with_ids(links_table, params), strict=True
            ):
                link["id"] = link_id
                self._record("create", "CompanyContact", link_id,
                             {**_audit_values(values, exclude={"id"}), "start_date": None, "end_date": None})
            self.result.links_created += len(inserts)
        _update_by_id(links_table, role_updates)


def _note(changes: dict[int, dict[str, Any]], company_id: int, created: bool, key: str, old: str, new: str) -> None:
    """Add a change of SNI codes or tags to the company's audit entry."""
    changes[company_id][key] = new if created else [old or None, new]


def _existing_sni(company_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """{company id: {version: codes in order}} for the matched companies."""
    found: dict[int, dict[str, list[str]]] = {}
    rows = _rows_where(sni_table, sni_table.c.company_id, company_ids)
    for sni in sorted(rows, key=lambda sni: (sni["position"], sni["id"])):
        version = SniVersion(sni["version"]).value
        found.setdefault(sni["company_id"], {}).setdefault(version, []).append(sni["code"])
    return found


def _existing_tag_pairs(company_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for pair in _rows_where(company_tags, company_tags.c.company_id, company_ids):
        found.setdefault(pair["company_id"], set()).add(pair["tag_id"])
    return found


def _existing_links(company_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """{company id: its contact links with the contact's folded name} for the matched companies."""
    columns = [links_table.c.id, links_table.c.company_id, links_table.c.contact_id, links_table.c.role,
               contacts_table.c.name]
    found: dict[int, list[dict[str, Any]]] = {}
    for chunk in _chunks(sorted(set(company_ids)), LOOKUP_CHUNK):
        query = (
            select(*columns)
            .join(contacts_table, contacts_table.c.id == links_table.c.contact_id)
            .where(_in(links_table.c.company_id, chunk))
        )
        for link in _dicts(query):
            found.setdefault(link["company_id"], []).append({**link, "folded_name": fold(link["name"])})
    return found


def _insert_with_ids(table, params: list[dict[str, Any]]) -> list[int]:
    """Insert many rows in one executemany, with ids taken beforehand; returns the ids in the order given.

    RETURNING with rows in parameter order would make SQLAlchemy insert one row at a time on
    SQLite; ids allocated up front keep the insert a plain batched executemany on both databases.
    """
    ids = _allocate_ids(table, len(params))
    for values, new_id in zip(params, ids, strict=True):
        values["id"] = new_id
    if params:
        db.session.execute(insert(table), params)
    return ids


def _allocate_ids(table, count: int) -> list[int]:
    """`count` unused ids: from the table's sequence on PostgreSQL; on SQLite the ones after the highest,
    which nobody else can take while this transaction holds the database's only write lock."""
    if not count:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = db.session.execute(select(func.pg_get_serial_sequence(table.name, "id"))).scalar_one()
        series = func.generate_series(1, count)
        return list(db.session.execute(select(func.nextval(sequence)).select_from(series)).scalars())
    highest = db.session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(highest + 1, highest + count + 1))


def _take_write_lock(job: ImportJob) -> None:
    """Start the write transaction with a harmless write, so SQLite's write lock is ours from here on."""
    db.session.execute(
        update(ImportJob).where(ImportJob.id == job.id).values(error=None).execution_options(synchronize_session=False)
    )


def _update_by_id(table, params: list[dict[str, Any]]) -> None:
    """UPDATE ... WHERE id = :b_id as one executemany per set of columns changed."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in params:
        groups.setdefault(tuple(sorted(values)), []).append(values)
    for group in groups.values():
        db.session.execute(update(table).where(table.c.id == bindparam("b_id")), group)


def _company_insert_params(row: PlannedRow) -> dict[str, Any]:
    values = row.parsed.company
    params = {key: values.get(key) for key in COMPANY_VALUE_KEYS}
    params["status"] = values.get("status") or CompanyStatus.ACTIVE
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


def _audit_values(values: dict[str, Any], exclude: set[str]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in values.items() if key not in exclude}


# --- Running --------------------------------------------------------------------------------


def _finish(job: ImportJob, result: ImportResult, user_id: int | None, actor: str) -> None:
    job.status = ImportStatus.DONE
    job.created_count = result.created
    job.updated_count = result.updated
    job.finished_at = utcnow()
    job.error = None
    db.session.execute(
        insert(audit_table).values(
            at=utcnow(), user_id=user_id, actor=actor, action="import", entity="ImportJob", entity_id=str(job.id),
            changes={"file": job.filename, "rows": job.total_rows, **result.as_dict()},
        )
    )


def _failure_message(error: Exception) -> str:
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "sv")):
        if isinstance(error, ImportRefused):
            return str(_l("Filen har rader med fel (%(num)d). Inget har sparats.", num=error.error_rows))
        return str(_l("Importen avbröts av ett fel (%(kind)s). Inget har sparats.", kind=type(error).__name__))


def _mark_failed(job_id: int, error: Exception) -> None:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return
    job.status = ImportStatus.FAILED
    job.error = _failure_message(error)
    job.finished_at = utcnow()
    db.session.commit()


def execute_job(job_id: int, skip_errors: bool = False) -> ImportResult:
    """Import a claimed (running) job in one transaction: every valid row or, on any failure, nothing.

    The job's final status and counts are the transaction's last write, so "klar" and the data
    become visible in the same commit; a failure is recorded afterwards, in a transaction of its own.
    """
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status != ImportStatus.RUNNING:
        raise ImportNotStartable(job_id)
    progress = ProgressFile(progress_path(job))
    try:
        progress.write("checking", 0, job.total_rows)
        plan = plan_job(job)
        if plan.error_count and not skip_errors:
            raise ImportRefused(plan.error_count)
        user_id, actor = current_actor()
        _take_write_lock(job)
        result = _Writer(plan, lambda done, total: progress.write("writing", done, total)).run()
        _finish(job, result, user_id, actor)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        try:
            _mark_failed(job_id, error)
        except Exception:
            db.session.rollback()
            log.exception("Could not mark import job %s as failed", job_id)
        raise
    finally:
        progress.remove()
    _remove_files(job)
    _count_register()
    return result


def _count_register() -> None:
    """Count the register for the visit plan again now that the import is in; the scheduled job would otherwise."""
    from crm.visits.plan import refresh_plan_figures

    try:
        refresh_plan_figures(utcnow())
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("Could not count the register after an import")


def run_import(job_id: int, skip_errors: bool = False) -> ImportResult:
    """Claim and import a job here and now (the CLI and tests); raises if it is running or done."""
    if not claim_job(job_id):
        db.session.rollback()
        raise ImportNotStartable(job_id)
    db.session.commit()
    return execute_job(job_id, skip_errors)


# --- Background threads ---------------------------------------------------------------------

_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


def start_import(job_id: int, skip_errors: bool, actor: tuple[int | None, str]) -> threading.Thread:
    """Run a claimed job in a daemon thread with its own app context and session."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=_run_in_background, args=(app, job_id, skip_errors, actor), name=f"crm-import-{job_id}", daemon=True
    )
    with _threads_lock:
        _threads[job_id] = thread
    thread.start()
    return thread


def _run_in_background(app: Flask, job_id: int, skip_errors: bool, actor: tuple[int | None, str]) -> None:
    try:
        with app.app_context():
            system_actor.set(actor)
            try:
                execute_job(job_id, skip_errors)
            except ImportRefused:
                log.info("Import job %s refused: rows with errors", job_id)
            except Exception:
                log.exception("Import job %s failed", job_id)
            finally:
                db.session.remove()
    finally:
        with _threads_lock:
            _threads.pop(job_id, None)


def wait_for_import(job_id: int, timeout: float | None = None) -> bool:
    """Block until a background import has finished (for tests and shutdown); True when it has."""
    with _threads_lock:
        thread = _threads.get(job_id)
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()
