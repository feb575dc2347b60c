"""Rules for the company register: saving companies and contacts, duplicates and merging."""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select, update

from crm.audit.mixins import record
from crm.companies.fields import split_list
from crm.companies.models import (
    Company,
    CompanyContact,
    CompanySni,
    CompanyStatus,
    SniVersion,
    Tag,
)
from crm.extensions import db

COMPANY_FIELDS = (
    "name", "org_number", "legal_form", "size_class", "employees", "employees_date", "visiting_address",
    "visiting_postcode", "visiting_city", "postal_address", "postal_postcode", "postal_city", "district",
    "website", "switchboard", "women_reported_on", "email", "cfar_number", "municipality",
)


def tags_by_name(names: list[str]) -> list[Tag]:
    """The Tag rows for these names, created when missing (matched case-insensitively)."""
    if not names:
        return []
    existing = {
        tag.name.lower(): tag
        for tag in db.session.execute(select(Tag).where(func.lower(Tag.name).in_([n.lower() for n in names]))).scalars()
    }
    result = []
    for name in names:
        tag = existing.get(name.lower())
        if tag is None:
            tag = Tag(name=name[:60])
            db.session.add(tag)
            existing[name.lower()] = tag
        result.append(tag)
    return result


def set_sni_codes(company: Company, codes: list[str], version: SniVersion) -> None:
    current = {(sni.version, sni.code): sni for sni in company.sni_codes}
    wanted = [(version, code) for code in codes]
    company.sni_codes = [
        current.get(key) or CompanySni(code=key[1], version=key[0]) for key in wanted
    ] + [sni for key, sni in current.items() if key[0] != version]
    for position, sni in enumerate(company.sni_codes):
        sni.position = position


def save_company(company: Company, data: dict) -> Company:
    """Apply validated form data (see CompanyForm) to a new or existing company."""
    from crm.companies.forms import tristate_to_bool

    before = _listed_values(company) if company.id is not None else None
    for field in COMPANY_FIELDS:
        value = data.get(field)
        setattr(company, field, value if value not in ("",) else None)
    company.name = data["name"].strip()
    company.status = CompanyStatus(data.get("status") or CompanyStatus.ACTIVE)
    company.ad_block = bool(data.get("ad_block"))
    company.women_led = tristate_to_bool(data.get("women_led", ""))
    company.women_owned = tristate_to_bool(data.get("women_owned", ""))
    owner = data.get("owner_id")
    company.owner_id = int(owner) if owner else None
    set_sni_codes(company, split_list(data.get("sni_codes")), SniVersion(data.get("sni_version") or SniVersion.SNI2007))
    company.tags = tags_by_name(split_list(data.get("tags")))
    db.session.add(company)
    db.session.flush()
    after = _listed_values(company)
    if before is not None and after != before:
        record(db.session.connection(), "update", "Company", company.id,
               {key: [before[key], after[key]] for key in after if after[key] != before[key]})
    return company


def _listed_values(company: Company) -> dict[str, str]:
    """SNI codes and tags as text: they are rows of their own, so the Audited mixin does not see them change."""
    return {"sni_codes": ", ".join(f"{sni.code} ({sni.version.value})" for sni in company.sni_codes),
            "tags": ", ".join(tag.name for tag in company.tags)}


# --- Duplicates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateCandidate:
    first_id: int
    second_id: int
    reason: str
    similarity: float


SIMILARITY_THRESHOLD = 0.9


def find_duplicates(limit: int = 200) -> list[DuplicateCandidate]:
    """Pairs of likely duplicates: the same name key, or near-identical names sharing a first word."""
    rows = db.session.execute(
        select(Company.id, Company.name_key).where(Company.status != CompanyStatus.DEREGISTERED).order_by(Company.id)
    ).all()
    blocks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        if row.name_key:
            blocks[row.name_key.split(" ")[0]].append((row.id, row.name_key))
    pairs: list[DuplicateCandidate] = []
    for members in blocks.values():
        if len(members) < 2 or len(members) > 500:
            continue  # a first word shared by hundreds ("svenska") says nothing
        for i, (first_id, first_key) in enumerate(members):
            for second_id, second_key in members[i + 1:]:
                if first_key == second_key:
                    pairs.append(DuplicateCandidate(first_id, second_id, "same_name", 1.0))
                    continue
                ratio = difflib.SequenceMatcher(None, first_key, second_key).ratio()
                if ratio >= SIMILARITY_THRESHOLD:
                    pairs.append(DuplicateCandidate(first_id, second_id, "similar_name", round(ratio, 2)))
    pairs.sort(key=lambda p: (-p.similarity, p.first_id))
    return pairs[:limit]


# --- Merging --------------------------------------------------------------------------------

# Association tables whose rows would collide on merge; handled with care below.
_SPECIAL_TABLES = {"company_sni", "company_tags", "company_contacts"}


def _company_references():
    """Every (table, column) outside the special tables with a foreign key to companies.id."""
    for table in db.metadata.sorted_tables:
        if table.name in _SPECIAL_TABLES or table.name == "companies":
            continue
        for column in table.columns:
            if any(fk.column.table.name == "companies" for fk in column.foreign_keys):
                yield table, column


def merge_companies(keep: Company, remove: Company) -> dict:
    """Move everything attached to `remove` onto `keep`, fill `keep`'s empty fields, delete `remove`."""
    if keep.id == remove.id:
        raise ValueError("cannot merge a company with itself")
    moved: dict[str, int] = {}

    for field in COMPANY_FIELDS + ("women_led", "women_owned", "owner_id"):
        if getattr(keep, field) in (None, "") and getattr(remove, field) not in (None, ""):
            if field == "org_number":
                continue  # moved below, after the removed row releases the unique number
            setattr(keep, field, getattr(remove, field))
    take_number = keep.org_number is None and remove.org_number is not None
    removed_number = remove.org_number

    for table, column in _company_references():
        result = db.session.execute(update(table).where(column == remove.id).values({column.name: keep.id}))
        if result.rowcount:
            moved[table.name] = result.rowcount

    existing_links = {(link.contact_id, link.role) for link in keep.contact_links}
    for link in list(remove.contact_links):
        if (link.contact_id, link.role) not in existing_links:
            keep.contact_links.append(
                CompanyContact(contact_id=link.contact_id, role=link.role, start_date=link.start_date,
                               end_date=link.end_date)
            )
            moved["company_contacts"] = moved.get("company_contacts", 0) + 1
    keep_codes = {(sni.version, sni.code) for sni in keep.sni_codes}
    for sni in remove.sni_codes:
        if (sni.version, sni.code) not in keep_codes:
            keep.sni_codes.append(CompanySni(code=sni.code, version=sni.version, position=len(keep.sni_codes)))
    keep.tags = list({tag.id: tag for tag in [*keep.tags, *remove.tags]}.values())

    remove_id, remove_name = remove.id, remove.name
    db.session.flush()
    db.session.delete(remove)
    db.session.flush()
    if take_number:
        keep.org_number = removed_number
        db.session.flush()
    record(db.session.connection(), "merge", "Company", keep.id,
           {"merged_id": remove_id, "merged_name": remove_name, "moved": moved})
    return moved

