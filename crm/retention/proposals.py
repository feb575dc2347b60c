"""The nightly proposal: what each rule finds due, stored row by row (one INSERT … SELECT per kind), what an
admin sees of it (counts and a small sample), and the approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, literal, select, update

from crm.audit.models import AuditEntry
from crm.auth.models import User
from crm.companies.models import Company, ContactPerson
from crm.events.models import Event, Invitation
from crm.extensions import db
from crm.imports.models import ImportJob
from crm.mail.models import OutboxMessage
from crm.meetings.models import Interaction
from crm.retention import kinds, selection
from crm.retention.models import ProposalStatus, RetentionItem, RetentionProposal
from crm.retention.plan import Rule, rules
from crm.timeutil import format_date, utcnow

SAMPLE_SIZE = 5


class NotApprovable(Exception):
    """The proposal is not the one waiting for approval (approved already, replaced, or done)."""


def make_proposal(now: datetime | None = None) -> RetentionProposal:
    """A new proposal of everything due now; an older one nobody approved is superseded. The caller commits."""
    now = now or utcnow()
    waiting = select(RetentionProposal.id).where(RetentionProposal.status == ProposalStatus.PROPOSED)
    db.session.execute(update(RetentionProposal).where(RetentionProposal.id.in_(waiting))
                       .values(status=ProposalStatus.SUPERSEDED), execution_options={"synchronize_session": False})
    db.session.execute(RetentionItem.__table__.delete().where(
        RetentionItem.proposal_id.in_(select(RetentionProposal.id).where(
            RetentionProposal.status == ProposalStatus.SUPERSEDED))))
    proposal = RetentionProposal(created_at=now, status=ProposalStatus.PROPOSED)
    db.session.add(proposal)
    db.session.flush()
    for rule in rules().values():
        if rule.keep:
            continue
        ids = selection.due(rule.kind.key, selection.cutoff(rule.kind.unit, rule.amount, now)).subquery()
        db.session.execute(insert(RetentionItem).from_select(
            ["proposal_id", "kind", "record_id"],
            select(literal(proposal.id), literal(rule.kind.key), ids.c.id)))
    return proposal


def latest() -> RetentionProposal | None:
    """The proposal the admin page shows: the newest that is waiting or approved, else the newest."""
    open_ = db.session.scalars(select(RetentionProposal).where(
        RetentionProposal.status.in_((ProposalStatus.PROPOSED, ProposalStatus.APPROVED)))
        .order_by(RetentionProposal.created_at.desc(), RetentionProposal.id.desc()).limit(1)).first()
    return open_ or db.session.scalars(select(RetentionProposal).order_by(
        RetentionProposal.created_at.desc(), RetentionProposal.id.desc()).limit(1)).first()


def find(proposal_id: str | None) -> RetentionProposal | None:
    """The proposal a form names (a hidden field's text), if there is one."""
    text = (proposal_id or "").strip()
    return db.session.get(RetentionProposal, int(text)) if text.isdigit() else None


def approve(proposal: RetentionProposal, user: User, now: datetime | None = None) -> None:
    """Mark the waiting proposal approved by `user`; the next run of the job deletes. The caller commits."""
    changed = db.session.execute(
        update(RetentionProposal).where(RetentionProposal.id == proposal.id,
                                        RetentionProposal.status == ProposalStatus.PROPOSED)
        .values(status=ProposalStatus.APPROVED, approved_at=now or utcnow(), approved_by_id=user.id),
        execution_options={"synchronize_session": False},
    ).rowcount
    if not changed:
        raise NotApprovable(proposal.id)
    db.session.refresh(proposal)


# --- what the admin sees --------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSummary:
    rule: Rule
    count: int
    sample: list[str]  # up to SAMPLE_SIZE short descriptions (names, dates); shown to the admin only


def counts(proposal: RetentionProposal) -> dict[str, int]:
    return dict(db.session.execute(
        select(RetentionItem.kind, func.count()).where(RetentionItem.proposal_id == proposal.id)
        .group_by(RetentionItem.kind)).all())


def summary(proposal: RetentionProposal) -> list[KindSummary]:
    by_kind = counts(proposal)
    return [KindSummary(rule, by_kind.get(key, 0), sample(proposal, key) if by_kind.get(key) else [])
            for key, rule in rules().items()]


def sample(proposal: RetentionProposal, key: str) -> list[str]:
    """A few of the rows the proposal would delete, described for the admin."""
    query, describe = _SAMPLES[key]
    first = select(RetentionItem.record_id).where(RetentionItem.proposal_id == proposal.id, RetentionItem.kind == key)
    ids = list(db.session.scalars(first.order_by(RetentionItem.record_id).limit(SAMPLE_SIZE)))
    return [describe(*row) for row in db.session.execute(query(ids)).all()]


def _named(name, day) -> str:
    return f"{name} ({format_date(day)})" if day else name


_SAMPLES = {
    kinds.COMPANIES: (lambda ids: select(Company.name, Company.updated_at).where(Company.id.in_(ids))
                      .order_by(Company.id), _named),
    kinds.CONTACTS: (lambda ids: select(ContactPerson.name, ContactPerson.updated_at)
                     .where(ContactPerson.id.in_(ids)).order_by(ContactPerson.id), _named),
    kinds.EVENT_INVITATIONS: (lambda ids: select(Invitation.name, Event.title, Event.starts_at)
                              .join(Event, Event.id == Invitation.event_id).where(Invitation.id.in_(ids))
                              .order_by(Invitation.id),
                              lambda name, title, day: f"{name}, {title} ({format_date(day)})"),
    kinds.OUTBOX: (lambda ids: select(OutboxMessage.subject, OutboxMessage.created_at)
                   .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id), _named),
    kinds.IMPORT_FILES: (lambda ids: select(ImportJob.filename, ImportJob.created_at)
                         .where(ImportJob.id.in_(ids)).order_by(ImportJob.id), _named),
    kinds.DRAFT_NOTES: (lambda ids: select(Company.name, Interaction.occurred_on)
                        .join(Company, Company.id == Interaction.company_id).where(Interaction.id.in_(ids))
                        .order_by(Interaction.id), _named),
    kinds.FINAL_NOTES: (lambda ids: select(Company.name, Interaction.occurred_on)
                        .join(Company, Company.id == Interaction.company_id).where(Interaction.id.in_(ids))
                        .order_by(Interaction.id), _named),
    kinds.AUDIT_LOG: (lambda ids: select(AuditEntry.entity, AuditEntry.at).where(AuditEntry.id.in_(ids))
                      .order_by(AuditEntry.id), _named),
}
