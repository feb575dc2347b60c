"""Gallring against a generated data set, with time frozen at dataset.NOW: the proposal, the approval, the
deletion of exactly what was proposed and still due (with its dependants), and a log without personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.companies.models import Company, CompanyContact, ContactPerson
from crm.events.models import DietaryNeed, Invitation
from crm.events.registration_models import Registration
from crm.extensions import db
from crm.imports.models import ImportJob
from crm.mail.models import OutboxMessage
from crm.meetings.models import Interaction
from crm.networks.models import NetworkMembership
from crm.retention import execution, kinds, proposals, selection, services, tasks
from crm.retention.models import ProposalStatus, RetentionItem, RetentionLogEntry, RetentionProposal
from crm.retention.plan import rules
from tests.retention.dataset import NOW, build, recent, touch

MODELS = {
    kinds.COMPANIES: Company, kinds.CONTACTS: ContactPerson, kinds.EVENT_INVITATIONS: Invitation,
    kinds.OUTBOX: OutboxMessage, kinds.IMPORT_FILES: ImportJob, kinds.DRAFT_NOTES: Interaction,
    kinds.FINAL_NOTES: Interaction, kinds.AUDIT_LOG: AuditEntry,
}


@pytest.fixture
def import_folder(app, tmp_path):
    folder = tmp_path / "imports"
    app.config["IMPORT_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def data(factories, import_folder):
    built = build(factories, import_folder)
    db.session.commit()
    return built


def proposed(proposal) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {key: set() for key in kinds.BY_KEY}
    for kind, record_id in db.session.execute(
            select(RetentionItem.kind, RetentionItem.record_id).where(RetentionItem.proposal_id == proposal.id)):
        out[kind].add(record_id)
    return out


def existing(model, ids) -> set[int]:
    return set(db.session.scalars(select(model.id).where(model.id.in_(ids)))) if ids else set()


def old_audit_ids() -> set[int]:
    before = selection.cutoff(kinds.Unit.YEARS, kinds.kind(kinds.AUDIT_LOG).default_amount, NOW)
    return set(db.session.scalars(select(AuditEntry.id).where(AuditEntry.at < before)))


def test_the_proposal_holds_exactly_what_each_rule_finds_due(data):
    audit_due = old_audit_ids()
    proposal = proposals.make_proposal(NOW)
    db.session.commit()

    found = proposed(proposal)
    for key in (kinds.COMPANIES, kinds.CONTACTS, kinds.EVENT_INVITATIONS, kinds.OUTBOX, kinds.IMPORT_FILES,
                kinds.DRAFT_NOTES):
        assert found[key] == data.due[key], key
        assert not found[key] & data.kept[key], key
    assert found[kinds.FINAL_NOTES] == set()  # bevaras by default
    assert found[kinds.AUDIT_LOG] == audit_due and audit_due
    assert proposals.counts(proposal)[kinds.COMPANIES] == len(data.due[kinds.COMPANIES])
    summary = {line.rule.kind.key: line for line in proposals.summary(proposal)}
    assert summary[kinds.CONTACTS].count == len(data.due[kinds.CONTACTS])
    assert len(summary[kinds.CONTACTS].sample) == proposals.SAMPLE_SIZE
    assert summary[kinds.FINAL_NOTES].count == 0


def test_nothing_is_deleted_before_approval(data):
    first = proposals.make_proposal(NOW)
    db.session.commit()
    tasks.run_gallring(NOW + timedelta(days=1))  # the next night: no approval yet
    db.session.commit()

    for key, ids in data.due.items():
        if key != kinds.IMPORT_FILES:
            assert existing(MODELS[key], ids) == ids, key
    assert all(path.exists() for path in data.files)
    db.session.refresh(first)
    assert first.status == ProposalStatus.SUPERSEDED
    assert db.session.scalar(select(func.count()).select_from(RetentionItem).where(
        RetentionItem.proposal_id == first.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(RetentionLogEntry)) == 0
    newest = proposals.latest()
    assert newest.id != first.id and newest.status == ProposalStatus.PROPOSED


def _approve_and_run(factories, data, before_run=None):
    admin = factories.user("admin", name="Agda Administratör")
    proposal = proposals.make_proposal(NOW)
    db.session.commit()
    items = proposed(proposal)
    proposals.approve(proposal, admin, NOW + timedelta(hours=8))
    db.session.commit()
    if before_run:
        before_run()
        db.session.commit()
    tasks.run_gallring(NOW + timedelta(days=1))
    db.session.commit()
    db.session.expire_all()
    return proposal, items


def test_after_approval_exactly_the_proposed_rows_go_with_their_dependants(factories, data, import_folder):
    quiet, orphan = data.company["quiet"].id, data.contact["orphan"].id
    preserved_company, preserved_person = data.company["preserved"].id, data.contact["preserved"].id
    in_note = data.contact["in_note"].id
    link_person = db.session.scalar(select(CompanyContact.contact_id).where(CompanyContact.company_id == quiet))
    audit_kept = set(db.session.scalars(select(AuditEntry.id))) - old_audit_ids()
    dependants = {name: (model, row_id) for name, (model, row_id) in data.dependants.items()}

    proposal, items = _approve_and_run(factories, data)

    for key, ids in items.items():
        if key == kinds.IMPORT_FILES:
            continue
        assert existing(MODELS[key], ids) == set(), key
    for key, ids in data.kept.items():
        assert existing(MODELS[key], ids) == ids, key
    # Dependants of the company and of the contact person.
    for model, row_id in dependants.values():
        assert db.session.get(model, row_id) is None
    assert db.session.scalar(select(func.count()).select_from(CompanyContact)
                             .where(CompanyContact.company_id == quiet)) == 0
    assert db.session.get(ContactPerson, link_person) is not None  # the person at the company stays
    assert db.session.scalar(select(func.count()).select_from(NetworkMembership)
                             .where(NetworkMembership.contact_id == orphan)) == 0
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert db.session.scalar(select(func.count()).select_from(DietaryNeed)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "ContactPerson", AuditEntry.entity_id == str(orphan))) == 0
    # The newest audit entries (after the cutoff) stay.
    assert existing(AuditEntry, audit_kept) == audit_kept
    # Import: the file and staged data go, the row (filename, date, counts) stays.
    (gone_job,) = items[kinds.IMPORT_FILES]
    job = db.session.get(ImportJob, gone_job)
    assert (job.filename, job.created_count, job.updated_count, job.stored_name, job.mapping) == (
        "gamla.xlsx", 7, 3, "", None)
    assert not data.files[0].exists() and not (import_folder / f"{data.files[0].name}.table.json").exists()
    assert data.files[1].exists() and data.files[2].exists()
    # Bevaras: preserved records and finalised notes untouched.
    assert db.session.get(Company, preserved_company).preserved
    assert db.session.get(ContactPerson, preserved_person) is not None
    assert db.session.get(ContactPerson, in_note) is not None
    assert existing(Interaction, data.kept[kinds.FINAL_NOTES]) == data.kept[kinds.FINAL_NOTES]

    done = db.session.get(RetentionProposal, proposal.id)
    assert done.status == ProposalStatus.DONE and done.executed_at is not None
    lines = {entry.kind: entry for entry in db.session.scalars(select(RetentionLogEntry))}
    assert lines[kinds.COMPANIES].count == len(data.due[kinds.COMPANIES])
    assert lines[kinds.CONTACTS].count == len(data.due[kinds.CONTACTS])
    assert lines[kinds.OUTBOX].count == 2
    assert lines[kinds.IMPORT_FILES].count == 1
    assert lines[kinds.COMPANIES].rule == "Gallras 5 år efter senaste aktivitet"
    assert lines[kinds.CONTACTS].approved_by == "Agda Administratör"
    assert lines[kinds.CONTACTS].proposal_id == proposal.id
    assert kinds.FINAL_NOTES not in lines
    # A new proposal is waiting, with nothing of what just went.
    newest = proposals.latest()
    assert newest.status == ProposalStatus.PROPOSED
    assert not proposed(newest)[kinds.COMPANIES] & items[kinds.COMPANIES]


def test_a_row_with_new_activity_after_the_proposal_is_not_deleted(factories, data):
    changing, waking = data.company["changing"].id, data.contact["waking"]

    def new_activity():
        touch(Company, changing, updated_at=NOW + timedelta(hours=2))
        factories.invitation(factories.event(), waking)  # invited again: new activity
        touch(Invitation, db.session.scalar(select(Invitation.id).where(Invitation.contact_id == waking.id)),
              created_at=NOW + timedelta(hours=3))
    waking_id = waking.id

    proposal, items = _approve_and_run(factories, data, new_activity)

    assert changing in items[kinds.COMPANIES] and waking_id in items[kinds.CONTACTS]
    assert db.session.get(Company, changing) is not None
    assert db.session.get(ContactPerson, waking_id) is not None
    lines = {entry.kind: entry for entry in db.session.scalars(select(RetentionLogEntry))}
    assert lines[kinds.COMPANIES].count == len(data.due[kinds.COMPANIES]) - 1
    assert lines[kinds.CONTACTS].count == len(data.due[kinds.CONTACTS]) - 1


def test_a_record_marked_bevaras_after_the_proposal_is_not_deleted(factories, data):
    quiet, orphan = data.company["quiet"].id, data.contact["orphan"].id

    def mark():
        touch(Company, quiet, preserved=True)
        touch(ContactPerson, orphan, preserved=True)

    _approve_and_run(factories, data, mark)
    assert db.session.get(Company, quiet) is not None
    assert db.session.get(ContactPerson, orphan) is not None


def test_finalised_notes_go_only_when_the_plan_says_so(factories, data):
    services.save_plan({kinds.FINAL_NOTES: (False, 5)})
    db.session.commit()
    final_ids = data.kept[kinds.FINAL_NOTES]
    with_final = data.company["with_final"].id
    proposal, items = _approve_and_run(factories, data)
    assert items[kinds.FINAL_NOTES] == final_ids
    assert existing(Interaction, final_ids) == set()
    # Its company and the person in it are no longer held back by the note: they are due the next night.
    assert with_final in proposed(proposals.latest())[kinds.COMPANIES]


def test_the_log_holds_no_personal_data(factories, data):
    person_ids = {str(row_id) for row_id in data.person_ids}
    proposal, _ = _approve_and_run(factories, data)

    entries = db.session.scalars(select(RetentionLogEntry)).all()
    assert {entry.kind for entry in entries} >= {kinds.COMPANIES, kinds.CONTACTS, kinds.OUTBOX}
    texts = {key: rule.text for key, rule in rules().items()}
    for entry in entries:
        # Every column is one of: the kind's key, the rule as the plan reads, a count, the proposal and its times,
        # the approving admin's name. Nothing else can hold a name, an address or a person's id.
        assert entry.kind in kinds.BY_KEY
        assert entry.rule == texts[entry.kind]
        assert entry.approved_by == "Agda Administratör"
        assert entry.proposal_id == proposal.id
        assert isinstance(entry.count, int)
        values = " ".join(str(getattr(entry, column.key)) for column in RetentionLogEntry.__table__.columns)
        for name in data.names:
            assert name not in values

    csv_text = services.log_csv().decode("utf-8-sig")
    for name in data.names:
        assert name not in csv_text
    rows = [line.split(";") for line in csv_text.strip().splitlines()[1:]]
    assert len(rows) == len(entries)
    labels = {str(kind.label) for kind in kinds.KINDS}
    for cells in rows:
        # time; kind; rule; count; proposal; proposed; approved; approver
        assert len(cells) == 8
        assert cells[1] in labels and cells[2] in texts.values() and cells[4] == str(proposal.id)
        assert cells[7] == "Agda Administratör"
        assert not person_ids & {cells[1], cells[2], cells[7]}


def test_dietary_needs_purge_is_logged_as_automatic(factories):
    event = factories.event()
    invitation = factories.invitation(event)
    db.session.add(DietaryNeed(invitation_id=invitation.id, categories="laktos"))
    db.session.commit()
    assert tasks.purge_dietary_needs(NOW) == 1
    db.session.commit()
    (entry,) = db.session.scalars(select(RetentionLogEntry))
    assert (entry.kind, entry.count, entry.approved_by) == (kinds.DIETARY_NEEDS, 1, "automatiskt")
    assert entry.rule == "Gallras 24 timmar efter evenemanget"


def test_a_proposal_is_approved_once(factories, data):
    admin = factories.user("admin")
    proposal = proposals.make_proposal(NOW)
    db.session.commit()
    proposals.approve(proposal, admin, NOW)
    db.session.commit()
    with pytest.raises(proposals.NotApprovable):
        proposals.approve(proposal, admin, NOW)


def test_an_approved_proposal_waits_when_the_worker_may_not_act(factories, data, monkeypatch):
    admin = factories.user("admin")
    proposal = proposals.make_proposal(NOW)
    db.session.commit()
    proposals.approve(proposal, admin, NOW)
    db.session.commit()
    monkeypatch.setattr(execution, "current_worker", lambda: type("W", (), {"may_act": lambda self: False})())
    tasks.run_gallring(NOW + timedelta(days=1))
    db.session.commit()
    assert db.session.get(RetentionProposal, proposal.id).status == ProposalStatus.APPROVED
    assert existing(Company, data.due[kinds.COMPANIES]) == data.due[kinds.COMPANIES]


def test_cutoff_counts_calendar_months_and_years():
    moment = NOW.replace(year=2032, month=3, day=31)
    assert selection.cutoff(kinds.Unit.MONTHS, 1, moment).date().isoformat() == "2032-02-29"
    assert selection.cutoff(kinds.Unit.YEARS, 3, moment).date().isoformat() == "2029-03-31"
    assert selection.cutoff(kinds.Unit.DAYS, 90, moment) == moment - timedelta(days=90)
    assert recent(1) < NOW


def test_proposing_and_deleting_send_the_same_statements_whatever_the_number_of_rows(factories, data,
                                                                                     count_queries):
    """Set-based: one INSERT … SELECT per kind to propose, a fixed handful of statements per kind to delete."""
    admin = factories.user("admin")
    db.session.commit()
    with count_queries() as proposing:
        proposal = proposals.make_proposal(NOW)
        db.session.commit()
    inserts = [s for s in proposing.statements if s.lstrip().upper().startswith("INSERT INTO RETENTION_ITEMS")]
    assert len(inserts) == len(kinds.KINDS) - 1  # finalised notes: bevaras
    assert proposing.count <= len(kinds.KINDS) + 8
    proposed_rows = sum(proposals.counts(proposal).values())
    proposals.approve(proposal, admin, NOW)
    db.session.commit()
    with count_queries() as deleting:
        execution.execute(db.session.get(RetentionProposal, proposal.id), NOW + timedelta(days=1))
    # per kind: drop the no longer due, delete (with a few dependants), drop the items, log; the imports read
    # their few jobs for the file names
    assert deleting.count <= 12 * len(kinds.KINDS)
    assert proposed_rows > 2 * deleting.count  # a statement per row would be many more
