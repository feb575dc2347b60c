"""Carrying out an approved proposal: per kind, exactly the proposed rows that are still due, with their
dependants, in one transaction, and one line in the gallringslogg.

Set-based throughout: first the proposal's items that are no longer due (new activity, a "bevaras" mark,
a longer rule) are dropped, then each DELETE names its rows as `IN (SELECT record_id FROM retention_items
…)`. The database's ON DELETE CASCADE removes what hangs on a company or contact person (links, visits,
follow-ups, notes, memberships, known addresses); invitations and sign-ups, which only lose their link
to a contact person, are deleted here. The audit entries about a deleted record go with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import String, cast, delete, select, update

from crm.audit.models import AuditEntry
from crm.companies.models import Company, ContactPerson
from crm.events.models import Invitation
from crm.events.registration_models import Registration
from crm.extensions import db
from crm.imports import files as import_files
from crm.imports.models import ImportJob, ImportStatus
from crm.mail.models import OutboxMessage
from crm.meetings.models import Interaction
from crm.retention import kinds, selection
from crm.retention.models import ProposalStatus, RetentionItem, RetentionLogEntry, RetentionProposal
from crm.retention.plan import Rule, rules
from crm.timeutil import utcnow
from crm.worker import current as current_worker

log = logging.getLogger(__name__)

FILE_GALLRAD = "Filen har gallrats enligt gallringsplanen."


def _run(statement) -> int:
    """Execute a bulk DELETE or UPDATE without loading what it changes into the session; the rows it changed."""
    return db.session.execute(statement, execution_options={"synchronize_session": False}).rowcount or 0


def _items(proposal_id: int, kind: str):
    return select(RetentionItem.record_id).where(RetentionItem.proposal_id == proposal_id,
                                                  RetentionItem.kind == kind)


def _drop_audit(entity: str, ids) -> None:
    _run(delete(AuditEntry).where(
        AuditEntry.entity == entity, AuditEntry.entity_id.in_(select(cast(ids.subquery().c.record_id, String)))))


def _companies(ids, files: list[Path]) -> int:
    _drop_audit("Company", ids)
    return _run(delete(Company).where(Company.id.in_(ids)))


def _contacts(ids, files: list[Path]) -> int:
    invitations = select(Invitation.id).where(Invitation.contact_id.in_(ids))
    _run(delete(Registration).where(
        Registration.contact_id.in_(ids) | Registration.invitation_id.in_(invitations)))
    _run(delete(AuditEntry).where(
        AuditEntry.entity == "Invitation", AuditEntry.entity_id.in_(select(cast(invitations.subquery().c.id, String)))))
    _run(delete(Invitation).where(Invitation.contact_id.in_(ids)))
    _drop_audit("ContactPerson", ids)
    return _run(delete(ContactPerson).where(ContactPerson.id.in_(ids)))


def _invitations(ids, files: list[Path]) -> int:
    _run(delete(Registration).where(Registration.invitation_id.in_(ids)))
    _drop_audit("Invitation", ids)
    return _run(delete(Invitation).where(Invitation.id.in_(ids)))


def _outbox(ids, files: list[Path]) -> int:
    return _run(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))


def _notes(ids, files: list[Path]) -> int:
    _run(update(Interaction).where(Interaction.supersedes_id.in_(ids)).values(supersedes_id=None))
    _drop_audit("Interaction", ids)
    return _run(delete(Interaction).where(Interaction.id.in_(ids)))


def _audit_log(ids, files: list[Path]) -> int:
    return _run(delete(AuditEntry).where(AuditEntry.id.in_(ids)))


def _imports(ids, files: list[Path]) -> int:
    """Keep the job's row (filename, date, counts: the origin of what it created); forget the file and staging."""
    jobs = db.session.scalars(select(ImportJob).where(ImportJob.id.in_(ids))).all()  # few: one per upload
    files.extend(path for job in jobs for path in
                          (import_files.upload_path(job), import_files.table_path(job),
                           import_files.plan_path(job), import_files.progress_path(job)))
    _run(update(ImportJob).where(ImportJob.id.in_(ids), ImportJob.status == ImportStatus.UPLOADED)
                       .values(status=ImportStatus.FAILED, error=FILE_GALLRAD))
    return _run(update(ImportJob).where(ImportJob.id.in_(ids))
                              .values(stored_name="", mapping=None, resume_state=None))


_DELETERS: dict[str, Callable] = {
    kinds.COMPANIES: _companies,
    kinds.CONTACTS: _contacts,
    kinds.EVENT_INVITATIONS: _invitations,
    kinds.OUTBOX: _outbox,
    kinds.IMPORT_FILES: _imports,
    kinds.DRAFT_NOTES: _notes,
    kinds.FINAL_NOTES: _notes,
    kinds.AUDIT_LOG: _audit_log,
}


def execute_kind(proposal: RetentionProposal, rule: Rule, now: datetime, files: list[Path] | None = None) -> int:
    """Delete `rule`'s kind of the proposal, where still due under the rule as it reads now; log it; the caller
    commits, then removes the `files` gathered (an import's upload and staging). The proposal's items of the
    kind are removed afterwards."""
    files = [] if files is None else files
    key = rule.kind.key
    in_proposal = RetentionItem.__table__.c
    mine = (in_proposal.proposal_id == proposal.id) & (in_proposal.kind == key)
    if rule.keep:
        _run(delete(RetentionItem).where(mine))
        count = 0
    else:
        still_due = selection.due(key, selection.cutoff(rule.kind.unit, rule.amount, now))
        _run(delete(RetentionItem).where(mine, in_proposal.record_id.not_in(still_due)))
        count = _DELETERS[key](_items(proposal.id, key), files)
        _run(delete(RetentionItem).where(mine))
    db.session.add(RetentionLogEntry(
        at=now, kind=key, rule=rule.text, count=count, proposal_id=proposal.id, proposed_at=proposal.created_at,
        approved_at=proposal.approved_at, approved_by=proposal.approved_by.name if proposal.approved_by else "",
    ))
    return count


def execute(proposal: RetentionProposal, now: datetime | None = None) -> bool:
    """Carry out an approved proposal, one committed transaction per kind; True when every kind is done.

    Stops between kinds when the worker may no longer act (the next night goes on with the rest)."""
    now = now or utcnow()
    worker = current_worker()
    proposed = set(db.session.scalars(select(RetentionItem.kind).where(
        RetentionItem.proposal_id == proposal.id).distinct()))
    for key, rule in rules().items():
        if key not in proposed:
            continue
        if not worker.may_act():
            return False
        files: list[Path] = []
        try:
            execute_kind(proposal, rule, now, files)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        _unlink(files)
    proposal.status = ProposalStatus.DONE
    proposal.executed_at = now
    db.session.commit()
    return True


def _unlink(files: list[Path]) -> None:
    """After the commit: the database no longer points at them."""
    for path in files:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("Could not remove %s", path)
