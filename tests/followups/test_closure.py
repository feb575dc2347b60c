"""A visit is fully closed when it is done, none of its follow-ups is open, and the company has had feedback
on each: the Python rule and the SQL condition agree."""

from __future__ import annotations

from datetime import date

import pytest
from flask import render_template
from sqlalchemy import select

from crm.extensions import db
from crm.followups.closure import done_but_not_closed, is_fully_closed, loose_ends
from crm.followups.models import FollowUpStatus
from crm.visits.models import Visit, VisitStatus
from tests.followups.followup_helpers import visit

FED_BACK = date(2026, 11, 10)
OPEN, IN_PROGRESS, DONE, NOT_DONE = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.DONE,
                                     FollowUpStatus.NOT_DONE)


def _not_closed_ids() -> set[int]:
    return set(db.session.execute(select(Visit.id).where(done_but_not_closed())).scalars())


@pytest.mark.parametrize(
    "follow_ups, closed",
    [
        ([], True),  # nothing was raised: nothing is owed
        ([(DONE, FED_BACK)], True),
        ([(NOT_DONE, FED_BACK)], True),  # the company was told it could not be done
        ([(DONE, FED_BACK), (NOT_DONE, FED_BACK)], True),
        ([(OPEN, None)], False),
        ([(IN_PROGRESS, None)], False),
        ([(OPEN, FED_BACK)], False),  # feedback on the way, but still open
        ([(DONE, None)], False),  # done, but the company has not heard
        ([(NOT_DONE, None)], False),
        ([(DONE, FED_BACK), (DONE, None)], False),
        ([(DONE, FED_BACK), (IN_PROGRESS, FED_BACK)], False),
    ],
)
def test_done_visit_closure(factories, follow_ups, closed):
    done = visit(factories.company(), status=VisitStatus.DONE)
    for status, feedback_on in follow_ups:
        factories.follow_up(visit=done, status=status, feedback_on=feedback_on)
    db.session.commit()
    db.session.expire_all()
    assert is_fully_closed(done) is closed
    assert (done.id not in _not_closed_ids()) is closed
    assert len(loose_ends(done.follow_ups)) == sum(1 for s, f in follow_ups if s in (OPEN, IN_PROGRESS) or f is None)


@pytest.mark.parametrize("status", [VisitStatus.PROPOSED, VisitStatus.BOOKED, VisitStatus.CANCELLED])
def test_a_visit_not_done_is_never_fully_closed_nor_counted_as_loose(factories, status):
    pending = visit(factories.company(), status=status)
    factories.follow_up(visit=pending, status=OPEN)
    db.session.commit()
    assert not is_fully_closed(pending) and pending.id not in _not_closed_ids()


def test_follow_ups_of_other_visits_and_of_the_company_do_not_count(factories):
    company = factories.company()
    done = visit(company)
    factories.follow_up(visit=done, status=DONE, feedback_on=FED_BACK)
    factories.follow_up(visit=visit(company), status=OPEN)
    factories.follow_up(company, status=OPEN)
    db.session.commit()
    db.session.expire_all()
    assert is_fully_closed(done) and done.id not in _not_closed_ids()


def test_feedback_closes_the_visit(factories):
    done = visit(factories.company())
    follow_up = factories.follow_up(visit=done, status=DONE)
    db.session.commit()
    assert done.id in _not_closed_ids()
    follow_up.feedback_on = FED_BACK
    follow_up.feedback_how = "telefon"
    db.session.commit()
    db.session.expire_all()
    assert done.id not in _not_closed_ids() and is_fully_closed(done)


def test_the_visit_page_says_when_the_visit_is_fully_closed(app, factories, users):
    done = visit(factories.company())
    factories.follow_up(visit=done, status=DONE, feedback_on=FED_BACK, description="Klar och återkopplad")
    db.session.commit()
    with app.test_request_context():
        html = render_template("visits/_followups.html", visit=done, current_user=users["staff"])
    assert "Besöket är helt avslutat." in html and "Klar och återkopplad" in html
