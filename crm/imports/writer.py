"""Writing a plan's valid rows: SQLAlchemy Core executemany statements, one chunk of rows at a time.

The caller (`crm.imports.jobs`) commits after each chunk, together with `saved_state()`: what the
rest of the import needs to go on in another process (the counts so far, the tags it created, and the
contacts it created or met that later rows name). `ImportWriter(plan, start, state)` picks up there.

Audit: every company, contact person, company link and tag the import creates or changes gets
an entry of the same shape the `Audited` mixin writes (create: the values; update: old and new
per changed field; a company's SNI codes and tags ride along in its entry), written in bulk in
the same transaction as the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update

from crm.audit.mixins import current_actor, plain_value
from crm.companies.models import SniVersion, company_tags
from crm.extensions import db
from crm.imports.lookups import (
    LOOKUP_CHUNK,
    audit_table,
    chunks,
    companies_table,
    contacts_table,
    dicts,
    inline_in,
    links_table,
    rows_where,
    sni_table,
    tags_table,
)
from crm.imports.planning import PlannedRow
from crm.imports.staging import WritePlan
from crm.text import fold
from crm.timeutil import utcnow


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


class ImportWriter:
    """Writes a plan's valid rows from `start` on, a chunk per `write`, on the session's connection; the
    caller commits. `state` is what `saved_state()` gave when the rows before `start` were committed."""

    def __init__(self, plan: WritePlan, start: int = 0, state: dict[str, Any] | None = None,
                 job_id: int | None = None):
        self.plan = plan
        self.job_id = job_id  # set as import_job_id on the companies and contacts it creates (their origin)
        self.start = start
        self.begun = False
        self.result = ImportResult(**state["result"]) if state else ImportResult(skipped=plan.error_count)
        self.user_id, self.actor = current_actor()
        self.audit: list[dict[str, Any]] = []
        self.now = utcnow()
        rest = plan.valid_rows[start:]
        matched = [row.company_id for row in rest if row.company_id is not None]
        self.tag_ids = {key: tag_id for key, (tag_id, _name) in plan.register.tags.items()}
        self.tag_names = {tag_id: name for tag_id, name in plan.register.tags.values()}
        self.new_tag_keys: set[str] = set()
        for key, tag_id, name in (state or {}).get("tags", []):
            self.tag_ids[key] = tag_id
            self.tag_names[tag_id] = name
            self.new_tag_keys.add(key)
        self.sni = _existing_sni(matched)
        self.tag_pairs = _existing_tag_pairs(matched)
        self.links = _existing_links(matched)
        # lower-case e-mail -> id of a contact this import has created or met (the first row naming it wins)
        self.contacts: dict[str, int] = dict((state or {}).get("contacts", {}))
        self.updated_contacts: set[int] = set()
        self.last_use: dict[str, int] = {}  # lower-case e-mail -> index of the last valid row naming it
        for index, row in enumerate(plan.valid_rows):
            if email := (row.parsed.contact.get("email") or "").lower():
                self.last_use[email] = index

    def write(self, rows: list[PlannedRow]) -> None:
        """Write the next chunk; a fresh import's first chunk also creates the tags the register lacks."""
        if self.start == 0 and not self.begun:
            self._create_tags()
        self.begun = True
        if rows:
            self._write_chunk(rows)
        elif self.audit:
            db.session.execute(insert(audit_table), self.audit)
            self.audit = []

    def saved_state(self, done: int) -> dict[str, Any]:
        """What the rows from `done` on need, JSON-ready: only contacts that a later row names are kept."""
        return {
            "result": self.result.as_dict(),
            "tags": [[key, self.tag_ids[key], self.tag_names[self.tag_ids[key]]] for key in sorted(self.new_tag_keys)],
            "contacts": {email: contact_id for email, contact_id in self.contacts.items()
                         if self.last_use.get(email, -1) >= done},
        }

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
            self.new_tag_keys.add(params["name"].casefold())
            self._record("create", "Tag", tag_id, {"name": params["name"]})
        self.result.tags_created = len(new)

    def _write_companies(self, chunk: list[PlannedRow], changes: dict[int, dict[str, Any]]) -> set[int]:
        """Insert the new companies and update the matched ones; returns the new ids."""
        creates = [row for row in chunk if row.existing is None]
        updates = [row for row in chunk if row.existing is not None]
        created: set[int] = set()
        if creates:
            params = [{**row.insert_params(), "import_job_id": self.job_id} for row in creates]
            for row, values, company_id in zip(
                creates, params, _insert_with_ids(companies_table, params), strict=True
            ):
                row.existing = {"id": company_id}
                created.add(company_id)
                changes[company_id] = _audit_values(values, exclude={"id", "name_key"})
        updated = []
        for row in updates:
            values = row.changes()
            old = row.existing or {}
            changes[row.company_id] = {
                key: [plain_value(old.get(key)), plain_value(value)]
                for key, value in values.items() if key != "name_key"
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
        return {"name": name, "name_key": fold(name), "email": email, "phone": contact.get("phone"),
                "import_job_id": self.job_id}

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
    rows = rows_where(sni_table, sni_table.c.company_id, company_ids)
    for sni in sorted(rows, key=lambda sni: (sni["position"], sni["id"])):
        version = SniVersion(sni["version"]).value
        found.setdefault(sni["company_id"], {}).setdefault(version, []).append(sni["code"])
    return found


def _existing_tag_pairs(company_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for pair in rows_where(company_tags, company_tags.c.company_id, company_ids):
        found.setdefault(pair["company_id"], set()).add(pair["tag_id"])
    return found


def _existing_links(company_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """{company id: its contact links with the contact's folded name} for the matched companies."""
    columns = [links_table.c.id, links_table.c.company_id, links_table.c.contact_id, links_table.c.role,
               contacts_table.c.name]
    found: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunks(sorted(set(company_ids)), LOOKUP_CHUNK):
        query = (
            select(*columns)
            .join(contacts_table, contacts_table.c.id == links_table.c.contact_id)
            .where(inline_in(links_table.c.company_id, chunk))
        )
        for link in dicts(query):
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


def _update_by_id(table, params: list[dict[str, Any]]) -> None:
    """UPDATE ... WHERE id = :b_id as one executemany per set of columns changed."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in params:
        groups.setdefault(tuple(sorted(values)), []).append(values)
    for group in groups.values():
        db.session.execute(update(table).where(table.c.id == bindparam("b_id")), group)



def _audit_values(values: dict[str, Any], exclude: set[str]) -> dict[str, Any]:
    return {key: plain_value(value) for key, value in values.items() if key not in exclude}

