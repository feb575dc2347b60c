"""A generated data set for gallring, with every timestamp set against a frozen NOW.

The factories stamp rows with the real time (late 2026); NOW is years later, so what the tests do not
date explicitly is old. What must stay for its activity is dated shortly before NOW, with Core UPDATEs
(an explicit value, so `onupdate` does not move it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update

from crm.audit.models import AuditEntry
from crm.companies.models import Company, CompanyStatus, ContactPerson
from crm.events.models import DietaryNeed
from crm.events.registration_models import Registration
from crm.extensions import db
from crm.followups.models import FollowUpStatus
from crm.imports.models import ImportJob, ImportStatus
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.meetings.models import Interaction
from crm.retention import kinds
from crm.timeutil import local

# 02:50 in Stockholm on a night in 2033: the factories' rows (2026) are over six years old by then.
NOW = datetime(2033, 3, 15, 1, 50, tzinfo=UTC)
BULK = 25  # generated companies and contact persons that are due


@dataclass
class Dataset:
    due: dict[str, set[int]] = field(default_factory=lambda: {key: set() for key in kinds.BY_KEY})
    kept: dict[str, set[int]] = field(default_factory=lambda: {key: set() for key in kinds.BY_KEY})
    names: set[str] = field(default_factory=set)  # names and addresses of what goes
    person_ids: set[int] = field(default_factory=set)  # ids of the contact persons that go
    company: dict[str, Company] = field(default_factory=dict)
    contact: dict[str, ContactPerson] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    dependants: dict[str, tuple[type, int]] = field(default_factory=dict)


def recent(days: int) -> datetime:
    return NOW - timedelta(days=days)


def naive_local(moment: datetime) -> datetime:
    return local(moment).replace(tzinfo=None)


def touch(model, row_id: int, **values) -> None:
    db.session.execute(update(model).where(model.id == row_id).values(**values),
                       execution_options={"synchronize_session": False})


def _outbox(kind: str, status: OutboxStatus, created: datetime, sent: datetime | None, n: int) -> OutboxMessage:
    message = OutboxMessage(dedupe_key=f"test-{n}-{status}", kind=kind, status=status,
                            recipients=f"mottagare{n}@foretag.example", subject=f"Ämne {n}",
                            message_id=f"<{n}@kommun.example>", raw=b"x", created_at=created, sent_at=sent)
    db.session.add(message)
    db.session.flush()
    return message


def build(factories, import_folder: Path) -> Dataset:  # noqa: PLR0915 (one scene, told in order)
    data = Dataset()
    due, kept = data.due, data.kept

    # Companies: inactive and quiet (due), in bulk; one with dependants.
    for n in range(BULK):
        company = factories.company(name=f"Gallringsbolag {n} AB", status=CompanyStatus.DEREGISTERED)
        due[kinds.COMPANIES].add(company.id)
        data.names.add(company.name)
    quiet = factories.company(name="Tyst Verkstad AB", status=CompanyStatus.BANKRUPT, email="info@tyst.example")
    link_person = factories.contact(quiet, name="Lina Länkad", email="lina@tyst.example")
    old_visit = factories.visit(quiet, start=datetime(2026, 3, 2, 10, 0))
    old_follow_up = factories.follow_up(quiet, status=FollowUpStatus.DONE)
    old_draft_of_quiet = factories.interaction(quiet, occurred_on=date(2026, 3, 1))
    due[kinds.COMPANIES].add(quiet.id)
    due[kinds.DRAFT_NOTES].add(old_draft_of_quiet.id)
    data.names |= {quiet.name, "info@tyst.example"}
    data.company["quiet"] = quiet
    data.dependants.update(visit=(type(old_visit), old_visit.id), follow_up=(type(old_follow_up), old_follow_up.id))
    kept[kinds.CONTACTS].add(link_person.id)  # the company link goes with the company, the person stays

    # Companies that stay: active; preserved; with a finalised note; with a recent visit; with an open follow-up.
    active = factories.company(name="Aktiv AB", status=CompanyStatus.ACTIVE)
    preserved = factories.company(name="Bevarad AB", status=CompanyStatus.DORMANT, preserved=True)
    with_final = factories.company(name="Protokollförd AB", status=CompanyStatus.DORMANT)
    in_note = factories.contact(name="Nils Noterad")
    final_note = factories.interaction(with_final, final=True, occurred_on=date(2026, 2, 1), contacts=[in_note])
    visited = factories.company(name="Besökt AB", status=CompanyStatus.DORMANT)
    factories.visit(visited, start=naive_local(recent(200)))
    open_task = factories.company(name="Uppgift AB", status=CompanyStatus.DORMANT)
    factories.follow_up(open_task, status=FollowUpStatus.OPEN)
    kept[kinds.COMPANIES] |= {active.id, preserved.id, with_final.id, visited.id, open_task.id}
    kept[kinds.FINAL_NOTES].add(final_note.id)
    data.company.update(preserved=preserved, with_final=with_final)
    # Changes after the proposal: this one is due now, gets new activity before the deletion.
    changing = factories.company(name="Vaknar AB", status=CompanyStatus.DORMANT)
    due[kinds.COMPANIES].add(changing.id)
    data.company["changing"] = changing

    # Contact persons at no company, quiet: due, in bulk.
    for n in range(BULK):
        person = factories.contact(name=f"Person Gallras {n}", email=f"gallras{n}@privat.example")
        due[kinds.CONTACTS].add(person.id)
        data.names |= {person.name, person.email}
        data.person_ids.add(person.id)
    # One with an old invitation (with dietary needs and a sign-up), a network membership that ended, addresses.
    old_event = factories.event(start=datetime(2026, 12, 4, 7, 30))
    orphan = factories.contact(name="Olle Ensam", email="olle@privat.example", phone="070-1234567")
    orphan_invitation = factories.invitation(old_event, orphan, answer=None)
    db.session.add(DietaryNeed(invitation_id=orphan_invitation.id, categories="gluten", other="Inga nötter"))
    db.session.add(Registration(event_id=old_event.id, name=orphan.name, email=orphan.email, confirm_key="k-olle",
                                invitation_id=orphan_invitation.id, contact_id=orphan.id))
    factories.member(factories.network(), orphan, starts_on=date(2024, 1, 1), ends_on=date(2026, 6, 30))
    due[kinds.CONTACTS].add(orphan.id)
    due[kinds.EVENT_INVITATIONS].add(orphan_invitation.id)
    data.names |= {orphan.name, orphan.email, "070-1234567"}
    data.person_ids.add(orphan.id)
    data.contact["orphan"] = orphan

    # Contact persons that stay: linked to a company; preserved; in a finalised note; in a running network.
    factories.contact(active, name="Anna Anställd")
    kept[kinds.CONTACTS].add(active.contact_links[0].contact_id)
    preserved_person = factories.contact(name="Bo Bevarad", preserved=True)
    member = factories.contact(name="Maja Medlem")
    factories.member(factories.network(), member, starts_on=date(2026, 1, 1))
    kept[kinds.CONTACTS] |= {preserved_person.id, in_note.id, member.id}
    data.contact.update(preserved=preserved_person, in_note=in_note)
    waking = factories.contact(name="Vera Vaknar", email="vera@privat.example")
    due[kinds.CONTACTS].add(waking.id)
    data.contact["waking"] = waking

    # Invitations: an old event's (due, except a preserved person's), a recent event's (kept).
    for n in range(3):
        guest = factories.contact(active, name=f"Gäst {n}")
        invitation = factories.invitation(old_event, guest)
        due[kinds.EVENT_INVITATIONS].add(invitation.id)
        data.names.add(f"Gäst {n}")
    kept[kinds.EVENT_INVITATIONS].add(factories.invitation(old_event, preserved_person).id)
    new_event = factories.event(start=naive_local(recent(60)))
    recent_invitation = factories.invitation(new_event, factories.contact(active, name="Ny Gäst"))
    touch(type(recent_invitation), recent_invitation.id, created_at=recent(90))
    kept[kinds.EVENT_INVITATIONS].add(recent_invitation.id)

    # The outbox: sent or given up long ago (due); pending, claimed or sent lately (kept).
    due[kinds.OUTBOX] |= {_outbox("invitation", OutboxStatus.SENT, recent(400), recent(400), 1).id,
                          _outbox("invitation", OutboxStatus.DEAD, recent(300), None, 2).id}
    kept[kinds.OUTBOX] |= {_outbox("digest", OutboxStatus.PENDING, recent(400), None, 3).id,
                           _outbox("digest", OutboxStatus.CLAIMED, recent(400), None, 4).id,
                           _outbox("digest", OutboxStatus.SENT, recent(20), recent(10), 5).id}
    data.names.add("mottagare1@foretag.example")

    # Imports: a finished one 40 days old (its file goes, the row stays); a queued one; a recent one.
    import_folder.mkdir(parents=True, exist_ok=True)
    for name, status, age, which in (("gamla.xlsx", ImportStatus.DONE, 40, due),
                                     ("koad.csv", ImportStatus.QUEUED, 40, kept),
                                     ("ny.csv", ImportStatus.DONE, 5, kept)):
        stored = f"{name}-stored.{name.rsplit('.', 1)[1]}"
        (import_folder / stored).write_bytes(b"personnummer;namn\n")
        (import_folder / f"{stored}.table.json").write_text("{}")
        job = ImportJob(filename=name, stored_name=stored, status=status, created_at=recent(age), total_rows=10,
                        created_count=7, updated_count=3, mapping={"columns": ["namn"]})
        db.session.add(job)
        db.session.flush()
        which[kinds.IMPORT_FILES].add(job.id)
        data.files.append(import_folder / stored)
    touch(Company, visited.id, import_job_id=min(due[kinds.IMPORT_FILES]))

    # Draft notes: one untouched for a year and more (due), one of last month and one of a preserved company (kept).
    old_draft = factories.interaction(active, occurred_on=date(2026, 1, 10))
    due[kinds.DRAFT_NOTES].add(old_draft.id)
    fresh_draft = factories.interaction(active)
    preserved_draft = factories.interaction(preserved)
    kept[kinds.DRAFT_NOTES] |= {fresh_draft.id, preserved_draft.id}

    # The audit log: entries older than five years (all the factories' own) and one from last week.
    db.session.execute(insert(AuditEntry).values(at=recent(7), actor="Test", action="update", entity="Company",
                                                  entity_id=str(active.id), changes={}))

    db.session.flush()
    # Dated activity: the recent draft, the active company's recent change.
    touch(Interaction, fresh_draft.id, updated_at=recent(30))
    touch(Company, active.id, updated_at=recent(3))
    return data
