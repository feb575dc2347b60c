"""The nightly gallring as the scheduler runs it: a recorded run that proposes, and carries out what was approved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from crm.companies.models import CompanyStatus, ContactPerson
from crm.extensions import db
from crm.retention import proposals
from crm.retention.models import ProposalStatus, RetentionLogEntry, RetentionProposal
from crm.scheduler import jobs, runs
from crm.scheduler.models import SchedulerRun
from crm.timeutil import utcnow


@pytest.fixture
def bound(app):
    runs.bind(app)
    try:
        yield app
    finally:
        runs.unbind()


def test_the_scheduled_run_proposes_then_deletes_what_was_approved(bound, factories):
    admin = factories.user("admin", name="Greta Godkännare")
    gone = factories.contact(name="Sven Glömd", email="sven@privat.example")
    factories.company(name="Nedlagt AB", status=CompanyStatus.DEREGISTERED)
    long_ago = utcnow() - timedelta(days=6 * 366)
    db.session.execute(update(ContactPerson).values(created_at=long_ago, updated_at=long_ago))
    db.session.commit()
    gone_id = gone.id

    jobs.gallring()
    db.session.rollback()
    (proposal,) = db.session.scalars(select(RetentionProposal)).all()
    assert proposal.status == ProposalStatus.PROPOSED
    assert proposals.counts(proposal) == {"contacts": 1}  # the company changed lately: not due
    assert db.session.get(ContactPerson, gone_id) is not None

    proposals.approve(proposal, admin)
    db.session.commit()
    token = runs.scheduled_for_var.set(utcnow() + timedelta(seconds=1))  # the next tick
    try:
        jobs.gallring()
    finally:
        runs.scheduled_for_var.reset(token)
    db.session.rollback()
    assert db.session.get(ContactPerson, gone_id) is None
    (line,) = db.session.scalars(select(RetentionLogEntry)).all()
    assert (line.kind, line.count, line.approved_by) == ("contacts", 1, "Greta Godkännare")
    recorded = db.session.scalars(select(SchedulerRun).where(SchedulerRun.job_id == jobs.GALLRING)).all()
    assert len(recorded) == 2 and all(run.finished_at and not run.error for run in recorded)
    assert db.session.get(RetentionProposal, proposal.id).status == ProposalStatus.DONE
