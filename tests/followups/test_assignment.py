"""The mail to a new assignee: queued with the change (and gone with a rollback), never to oneself."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.followups import services as followups
from crm.followups.models import FollowUp, FollowUpStatus
from crm.mail.delivery import deliver_due
from crm.mail.links import absolute_url
from tests.conftest import login
from tests.followups.followup_helpers import follow_up_data as data
from tests.followups.followup_helpers import form_data
from tests.reminders.helpers import outbox, parts

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 8, 15, tzinfo=UTC)
LATER = datetime(2026, 11, 23, 9, 40, tzinfo=UTC)


@pytest.fixture
def anna(factories):
    return factories.user(role="staff", name="Anna Andersson")


@pytest.fixture
def bo(factories):
    return factories.user(role="staff", name="Bo Berg")


@pytest.fixture
def source(factories):
    return followups.Source(company=factories.company(name="Lagerhallen i Söder AB"))


def test_a_new_follow_up_for_someone_else_is_mailed_to_them(source, anna, bo, smtp):
    long_text = "Ta reda på när bygglovet för lagerhallen vid hamnen kan vara klart och återkoppla till VD"
    follow_up = followups.create_follow_up(
        source, data(assignee_id=bo.id, due_date=date(2026, 11, 27), description=long_text), anna, TODAY, now=NOW
    )
    db.session.commit()

    [row] = outbox()
    assert row.dedupe_key == f"followup-assigned:{follow_up.id}:{bo.id}:20261123T081500000000Z"
    assert (row.kind, row.recipients, row.user_id) == ("followup-assigned", bo.email, bo.id)
    assert deliver_due(NOW).sent == 1
    message = smtp.messages[0].message
    assert message["Subject"] == "Ny uppföljning till dig: Ta reda på när bygglovet för lagerhallen vid hamnen kan…"
    text, html = parts(message).values()
    assert "Anna Andersson har gett dig en uppföljning för Lagerhallen i Söder AB." in text
    assert long_text in text, "the whole description in the body"
    assert "Sista dag: 2026-11-27" in text
    link = absolute_url("followups.detail", follow_up_id=follow_up.id)
    assert link in text and f'<a href="{link}">' in html
    assert f'<a href="{absolute_url("followups.mine")}">' in html


def test_no_mail_for_ones_own_follow_up_or_none_without_assignee(source, anna):
    followups.create_follow_up(source, data(assignee_id=anna.id), anna, TODAY, now=NOW)
    followups.create_follow_up(source, data(assignee_id=None), anna, TODAY, now=NOW)
    db.session.commit()
    assert outbox() == []


def test_rolled_back_change_leaves_no_mail(source, anna, bo):
    followups.create_follow_up(source, data(assignee_id=bo.id), anna, TODAY, now=NOW)
    db.session.rollback()
    assert outbox() == []
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_reassignment_mails_the_new_assignee_only(factories, source, anna, bo):
    cilla = factories.user(role="staff", name="Cilla Carlsson")
    follow_up = followups.create_follow_up(source, data(assignee_id=anna.id), anna, TODAY, now=NOW)
    db.session.commit()
    assert outbox() == []

    followups.update_follow_up(follow_up, data(assignee_id=bo.id), TODAY, now=NOW, actor=anna)
    db.session.commit()
    followups.update_follow_up(follow_up, data(assignee_id=bo.id, description="Ändrad text"), TODAY, now=LATER,
                               actor=anna)
    db.session.commit()
    assert [row.recipients for row in outbox()] == [bo.email], "an edit that keeps the assignee mails nobody"

    followups.update_follow_up(follow_up, data(assignee_id=cilla.id), TODAY, now=LATER, actor=anna)
    db.session.commit()
    assert [row.recipients for row in outbox()] == [bo.email, cilla.email]
    assert outbox()[1].dedupe_key == f"followup-assigned:{follow_up.id}:{cilla.id}:20261123T094000000000Z"


def test_taking_over_a_follow_up_oneself_mails_nobody(source, anna, bo):
    follow_up = followups.create_follow_up(source, data(assignee_id=anna.id), anna, TODAY, now=NOW)
    followups.update_follow_up(follow_up, data(assignee_id=bo.id), TODAY, now=LATER, actor=bo)
    db.session.commit()
    assert outbox() == []


@pytest.mark.parametrize("fields", [{"active": False}, {"assignment_mails_enabled": False}],
                         ids=["deactivated", "turned-off"])
def test_no_mail_to_a_deactivated_assignee_or_one_who_turned_it_off(factories, source, anna, fields):
    other = factories.user(role="staff", **fields)
    followups.create_follow_up(source, data(assignee_id=other.id), anna, TODAY, now=NOW)
    db.session.commit()
    assert outbox() == []


def test_no_mail_for_a_follow_up_given_already_closed(source, anna, bo):
    followups.create_follow_up(source, data(assignee_id=bo.id, status=FollowUpStatus.DONE), anna, TODAY, now=NOW)
    db.session.commit()
    assert outbox() == []


def test_the_pages_pass_who_is_acting(app, client, factories, users):
    me, colleague = users["staff"], factories.user(role="staff", name="Kollegan")
    company = factories.company()
    db.session.commit()
    login(client, me)

    response = client.post(f"/uppfoljningar/ny?company_id={company.id}", data=form_data(assignee_id=str(me.id)))
    assert response.status_code == 302
    assert outbox() == [], "raised for oneself"
    follow_up = db.session.scalars(select(FollowUp)).one()

    response = client.post(f"/uppfoljningar/{follow_up.id}/redigera", data=form_data(assignee_id=str(colleague.id)))
    assert response.status_code == 302
    assert [row.recipients for row in outbox()] == [colleague.email]

    response = client.post(f"/uppfoljningar/ny?company_id={company.id}",
                           data=form_data(assignee_id=str(colleague.id)))
    assert response.status_code == 302
    assert [row.recipients for row in outbox()] == [colleague.email, colleague.email]

    theirs = app.test_client()
    login(theirs, colleague)
    response = theirs.post(f"/uppfoljningar/{follow_up.id}/redigera", data=form_data(assignee_id=str(colleague.id)))
    assert response.status_code == 302
    assert len(outbox()) == 2, "editing one's own follow-up mails nobody"
    response = theirs.post(f"/uppfoljningar/{follow_up.id}/redigera", data=form_data(assignee_id=str(me.id)))
    assert response.status_code == 302
    assert [row.recipients for row in outbox()] == [colleague.email, colleague.email, me.email]
