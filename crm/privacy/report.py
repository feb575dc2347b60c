"""The registerutdrag (GDPR art. 15): every piece of data the CRM holds about one person, in sections of plain
values that the HTML page, the PDF and the JSON file all show the same way.

A section is a table: its columns (field, Swedish heading) and its rows (dicts of plain values: strings, numbers,
booleans, ISO dates). The notes where the person is only mentioned (found by search) are reviewed first: the
handläggare chooses which go in (`chosen`, the keys of `report_notes.Mention`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from crm.audit.models import AuditEntry
from crm.auth.models import User
from crm.companies.models import Company, CompanyContact, ContactPerson
from crm.extensions import db
from crm.imports.models import ImportJob
from crm.privacy.texts import DEFAULT_TEXTS, privacy_text
from crm.retention.plan import described_plan
from crm.timeutil import local, utcnow


def plain(value: Any) -> Any:
    """A value as the registerutdrag shows it: a label for a choice, ISO dates, Stockholm times to the minute."""
    if value is None or isinstance(value, (bool, int, float, str)) and not isinstance(value, Enum):
        return value
    if isinstance(value, Enum):
        return getattr(value, "label", value.value)
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class Section:
    key: str  # the JSON key
    title: str
    columns: list[tuple[str, str]]  # (field, Swedish heading)
    rows: list[dict[str, Any]] = field(default_factory=list)
    empty: str = ""  # what the page says when there are no rows

    def add(self, **values: Any) -> None:
        self.rows.append({name: plain(values.get(name)) for name, _heading in self.columns})


@dataclass
class Report:
    subject: str  # "contact" or "company"
    subject_id: int
    name: str
    erased: bool
    generated_at: datetime
    sections: list[Section]
    information: list[tuple[str, str, str]]  # (key, heading, text): what art. 15 says the person must be told
    retention: list[dict[str, Any]]
    mentions: list = field(default_factory=list)  # every note found by search (report_notes.Mention)
    chosen: list = field(default_factory=list)  # the ones chosen for the PDF and JSON

    def as_json(self) -> dict[str, Any]:
        return {
            "registerutdrag": {
                "subject": self.subject,
                "id": self.subject_id,
                "name": self.name,
                "erased": self.erased,
                "generated_at": plain(self.generated_at),
            },
            **{section.key: section.rows for section in self.sections},
            "mentions": [mention.as_json() for mention in self.chosen],
            "information": {key: text for key, _heading, text in self.information},
            "retention": self.retention,
        }

    def json_text(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2)


def information() -> tuple[list[tuple[str, str, str]], list[dict[str, Any]]]:
    """The texts art. 15 requires (purposes, legal basis, recipients, rights, IMY, controller) and the gallring plan."""
    texts = [(key, str(label), privacy_text(key)) for key, (label, _default) in DEFAULT_TEXTS.items()]
    retention = [{"kind": line.kind, "label": line.label, "text": line.text, "automatic": line.automatic}
                 for line in described_plan()]
    return texts, retention


# --- The contact person's own record -------------------------------------------------------------------------

PERSON_FIELDS = [
    ("id", _l("Id")), ("name", _l("Namn")), ("email", _l("E-postadress")), ("phone", _l("Telefon")),
    ("opt_out_networks", _l("Vill inte ha utskick om nätverk")),
    ("opt_out_breakfasts", _l("Vill inte ha inbjudningar till frukostmöten")),
    ("opt_out_procurement", _l("Vill inte ha information om upphandlingar")), ("objection", _l("Har invänt")),
    ("objection_on", _l("Invände den")), ("objection_scope", _l("Invändningen gäller")),
    ("objection_note", _l("Anteckning om invändningen")), ("preserved", _l("Bevaras")), ("erased_at", _l("Raderad")),
    ("created_at", _l("Registrerad")), ("updated_at", _l("Senast ändrad")),
]


def person_section(contact: ContactPerson) -> Section:
    section = Section("person", _("Uppgifterna om dig"), [("label", _("Uppgift")), ("value", _("Värde"))])
    for name, heading in PERSON_FIELDS:
        section.rows.append({"field": name, "label": str(heading), "value": plain(getattr(contact, name))})
    return section


def company_links_section(contact: ContactPerson) -> Section:
    section = Section("companies", _("Företag du är kopplad till"),
                      [("company", _("Företag")), ("org_number", _("Organisationsnummer")), ("role", _("Roll")),
                       ("start_date", _("Från")), ("end_date", _("Till"))],
                      empty=_("Inte kopplad till något företag."))
    for link in sorted(contact.company_links, key=lambda link: link.company.name):
        section.add(company=link.company.name, org_number=link.company.org_number, role=link.role,
                    start_date=link.start_date, end_date=link.end_date)
    return section


COMPANY_FIELDS = [
    ("id", _l("Id")), ("name", _l("Namn")), ("org_number", _l("Organisationsnummer (personnummer)")),
    ("legal_form", _l("Juridisk form")), ("size_class", _l("Storleksklass")), ("employees", _l("Anställda")),
    ("employees_date", _l("Anställda, uppgiftens datum")), ("visiting_address", _l("Besöksadress")),
    ("visiting_postcode", _l("Postnummer (besök)")), ("visiting_city", _l("Ort (besök)")),
    ("postal_address", _l("Postadress")), ("postal_postcode", _l("Postnummer")), ("postal_city", _l("Postort")),
    ("district", _l("Kommundel")), ("website", _l("Webbplats")), ("switchboard", _l("Växel")),
    ("email", _l("E-postadress")), ("ad_block", _l("Reklamspärr")), ("cfar_number", _l("CFAR-nummer")),
    ("municipality", _l("Kommun")), ("women_led", _l("Kvinnligt ledd")), ("women_owned", _l("Kvinnligt ägd")),
    ("women_reported_on", _l("Uppgift om kvinnligt ledd/ägd, datum")), ("status", _l("Status")),
    ("preserved", _l("Bevaras")), ("created_at", _l("Registrerad")), ("updated_at", _l("Senast ändrad")),
]


def company_section(company: Company) -> Section:
    section = Section("company", _("Uppgifterna om din firma"), [("label", _("Uppgift")), ("value", _("Värde"))])
    for name, heading in COMPANY_FIELDS:
        section.rows.append({"field": name, "label": str(heading), "value": plain(getattr(company, name))})
    section.rows.append({"field": "owner", "label": _("Ansvarig handläggare"),
                         "value": company.owner.name if company.owner else None})
    section.rows.append({"field": "sni_codes", "label": _("SNI-koder"),
                         "value": ", ".join(sni.code for sni in company.sni_codes)})
    section.rows.append({"field": "tags", "label": _("Taggar"), "value": ", ".join(tag.name for tag in company.tags)})
    return section


def company_contacts_section(company: Company) -> Section:
    section = Section("company_contacts", _("Kontaktpersoner hos firman"),
                      [("name", _("Namn")), ("role", _("Roll")), ("start_date", _("Från")), ("end_date", _("Till"))],
                      empty=_("Inga kontaktpersoner."))
    for link in sorted(company.contact_links, key=lambda link: link.contact.name):
        section.add(name=link.contact.name, role=link.role, start_date=link.start_date, end_date=link.end_date)
    return section


# --- Audit entries, the opt-out dates they hold, and where the data came from -----------------------------------

def audit_entries(pairs: list[tuple[str, list[int]]]) -> list[AuditEntry]:
    """The audit entries about these records ((entity, ids) pairs), oldest first, in one query."""
    conditions = [and_(AuditEntry.entity == entity, AuditEntry.entity_id.in_([str(i) for i in ids]))
                  for entity, ids in pairs if ids]
    if not conditions:
        return []
    return list(db.session.scalars(select(AuditEntry).where(or_(*conditions)).order_by(AuditEntry.at,
                                                                                      AuditEntry.id)))


ACTION_LABELS = {"create": _l("skapad"), "update": _l("ändrad"), "delete": _l("borttagen"),
                 "merge": _l("sammanslagen")}
ENTITY_LABELS = {"ContactPerson": _l("Kontaktperson"), "CompanyContact": _l("Koppling till företag"),
                 "NetworkMembership": _l("Medlemskap i nätverk"), "Company": _l("Företag"),
                 "AccessRequest": _l("Begäran om registerutdrag")}


def audit_section(entries: list[AuditEntry]) -> Section:
    section = Section("audit", _("Loggade ändringar"),
                      [("at", _("När")), ("actor", _("Vem")), ("action", _("Vad")), ("record", _("Post")),
                       ("changes", _("Ändringar"))],
                      empty=_("Inga loggade ändringar."))
    for entry in entries:
        section.add(at=entry.at, actor=entry.actor, action=str(ACTION_LABELS.get(entry.action, entry.action)),
                    record=f"{ENTITY_LABELS.get(entry.entity, entry.entity)} {entry.entity_id}",
                    changes=_changes_text(entry.changes))
    return section


def _changes_text(changes: dict | None) -> str:
    if not changes:
        return ""
    parts = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{name}: {_shown(value[0])} → {_shown(value[1])}")
        else:
            parts.append(f"{name}: {_shown(value)}")
    return "; ".join(parts)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if value is True:
        return _("ja")
    if value is False:
        return _("nej")
    return str(value)


def set_dates(entries: list[AuditEntry], entity: str, entity_id: int, names: tuple[str, ...]) -> dict[str, Any]:
    """For each boolean column: when the entry that last turned it on was written (None if it is off or never was)."""
    dates: dict[str, Any] = dict.fromkeys(names)
    for entry in entries:
        if entry.entity != entity or entry.entity_id != str(entity_id) or not entry.changes:
            continue
        for name in names:
            if name not in entry.changes:
                continue
            value = entry.changes[name]
            new = value[1] if isinstance(value, list) else value
            dates[name] = entry.at if new else None
    return dates


def origin_section(record: ContactPerson | Company, entries: list[AuditEntry]) -> Section:
    """The import that created the record (file and date), or who entered it and when (its create entry)."""
    section = Section("origin", _("Var uppgifterna kommer från"),
                      [("source", _("Källa")), ("file", _("Fil")), ("by", _("Av")), ("at", _("När"))],
                      empty=_("Det finns ingen uppgift om var uppgifterna kommer från."))
    job = db.session.get(ImportJob, record.import_job_id) if record.import_job_id else None
    if job is not None:
        importer = db.session.get(User, job.created_by_id) if job.created_by_id else None
        section.add(source=_("Import från fil"), file=job.filename, by=importer.name if importer else None,
                    at=job.finished_at or job.created_at)
        return section
    entity = type(record).__name__
    created = next((entry for entry in entries
                    if entry.entity == entity and entry.entity_id == str(record.id) and entry.action == "create"), None)
    if created is not None:
        section.add(source=_("Inmatad i systemet"), by=created.actor, at=created.at)
    else:
        section.add(source=_("Registrerad"), at=record.created_at)
    return section


def now() -> datetime:
    return utcnow()


def load_contact(contact_id: int) -> ContactPerson | None:
    return db.session.get(ContactPerson, contact_id, options=[
        selectinload(ContactPerson.company_links).selectinload(CompanyContact.company)])


def load_company(company_id: int) -> Company | None:
    return db.session.get(Company, company_id, options=[
        selectinload(Company.contact_links).selectinload(CompanyContact.contact),
        selectinload(Company.sni_codes), selectinload(Company.tags), selectinload(Company.owner)])
