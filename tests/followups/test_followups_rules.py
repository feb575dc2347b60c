"""The follow-up rules: status and closed_at, the reason for "ej åtgärdad", due date and feedback dates,
"Mina uppföljningar" by urgency, and the unit-wide list's filters. "Today" is passed in, never patched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.followups import services as followups
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import ListFilters, SourceKind, Urgency
from tests.followups.followup_helpers import WEDNESDAY_W47, visit
from tests.followups.followup_helpers import follow_up_data as data

TODAY = WEDNESDAY_W47
NOON = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 19, 11, 0, tzinfo=UTC)


@pytest.fixture
def source(factories):
    return followups.Source(company=factories.company())


@pytest.fixture
def staff(factories):
    return factories.user(role="staff")


# --- Status and closed_at ---------------------------------------------------------------------


def test_a_new_follow_up_is_open_with_no_closed_at(source, staff):
    follow_up = followups.create_follow_up(source, data(assignee_id=staff.id), staff, TODAY, now=NOON)
    assert follow_up.status == FollowUpStatus.OPEN and follow_up.closed_at is None
    assert follow_up.company is source.company and follow_up.created_by is staff
    assert follow_up.assignee_id == staff.id and follow_up.is_open


@pytest.mark.parametrize("status", [FollowUpStatus.DONE, FollowUpStatus.NOT_DONE])
def test_closing_sets_closed_at(source, staff, status):
    follow_up = followups.create_follow_up(source, data(), staff, TODAY, now=NOON)
    followups.update_follow_up(follow_up, data(status=status, not_done_reason="Marken är redan såld"), TODAY,
                               now=LATER)
    assert follow_up.status == status and follow_up.closed_at == LATER and not follow_up.is_open


def test_created_closed_gets_closed_at_at_once(source, staff):
    follow_up = followups.create_follow_up(source, data(status=FollowUpStatus.DONE), staff, TODAY, now=NOON)
    assert follow_up.closed_at == NOON


@pytest.mark.parametrize("status", [FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS])
def test_reopening_clears_closed_at(source, staff, status):
    follow_up = followups.create_follow_up(source, data(status=FollowUpStatus.DONE), staff, TODAY, now=NOON)
    followups.update_follow_up(follow_up, data(status=status), TODAY, now=LATER)
    assert follow_up.status == status and follow_up.closed_at is None and follow_up.is_open


def test_moving_between_closed_statuses_keeps_the_first_closed_at(source, staff):
    follow_up = followups.create_follow_up(source, data(status=FollowUpStatus.DONE), staff, TODAY, now=NOON)
    followups.set_status(follow_up, FollowUpStatus.NOT_DONE, "Kommunen äger inte marken", now=LATER)
    assert follow_up.closed_at == NOON and follow_up.not_done_reason == "Kommunen äger inte marken"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_not_done_requires_a_reason(source, staff, reason):
    follow_up = followups.create_follow_up(source, data(), staff, TODAY, now=NOON)
    with pytest.raises(followups.ReasonRequired):
        followups.set_status(follow_up, FollowUpStatus.NOT_DONE, reason, now=LATER)
    assert follow_up.status == FollowUpStatus.OPEN and follow_up.closed_at is None
    with pytest.raises(followups.ReasonRequired):
        followups.create_follow_up(source, data(status=FollowUpStatus.NOT_DONE, not_done_reason=reason or ""),
                                   staff, TODAY)


def test_the_reason_belongs_to_not_done_only(source, staff):
    follow_up = followups.create_follow_up(
        source, data(status=FollowUpStatus.NOT_DONE, not_done_reason=" Ingen mark ledig "), staff, TODAY
    )
    assert follow_up.not_done_reason == "Ingen mark ledig"
    followups.set_status(follow_up, FollowUpStatus.DONE, "Ingen mark ledig")
    assert follow_up.not_done_reason is None


# --- Dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due, allowed",
    [(None, True), (TODAY, True), (TODAY + timedelta(days=1), True), (TODAY - timedelta(days=1), False)],
)
def test_a_new_follow_up_cannot_be_due_in_the_past(source, staff, due, allowed):
    if allowed:
        assert followups.create_follow_up(source, data(due_date=due), staff, TODAY).due_date == due
    else:
        with pytest.raises(followups.DueDateInPast):
            followups.create_follow_up(source, data(due_date=due), staff, TODAY)


def test_an_overdue_follow_up_keeps_its_due_date_but_cannot_get_another_past_one(source, staff):
    follow_up = followups.create_follow_up(source, data(due_date=date(2026, 11, 10)), staff, date(2026, 11, 9))
    followups.update_follow_up(follow_up, data(due_date=date(2026, 11, 10), status=FollowUpStatus.IN_PROGRESS),
                               TODAY)
    assert follow_up.due_date == date(2026, 11, 10) and follow_up.status == FollowUpStatus.IN_PROGRESS
    with pytest.raises(followups.DueDateInPast):
        followups.update_follow_up(follow_up, data(due_date=date(2026, 11, 11)), TODAY)
    followups.update_follow_up(follow_up, data(due_date=TODAY + timedelta(days=7)), TODAY)
    assert follow_up.due_date == date(2026, 11, 25)


def test_feedback_dates(source, staff):
    with pytest.raises(followups.FeedbackInFuture):
        followups.create_follow_up(source, data(feedback_on=TODAY + timedelta(days=1)), staff, TODAY)
    with pytest.raises(followups.FeedbackDateMissing):
        followups.create_follow_up(source, data(feedback_how="telefon"), staff, TODAY)
    follow_up = followups.create_follow_up(
        source, data(feedback_on=TODAY, feedback_how=" telefon "), staff, TODAY
    )
    assert follow_up.feedback_on == TODAY and follow_up.feedback_how == "telefon"


def test_sources_give_the_company(factories, staff):
    company = factories.company()
    on_visit = visit(company)
    meeting = factories.interaction(company, author=staff)
    db.session.commit()
    for ids, expected in [
        ({"visit_id": on_visit.id}, SourceKind.VISIT),
        ({"interaction_id": meeting.id}, SourceKind.MEETING),
        ({"company_id": company.id}, SourceKind.COMPANY),
    ]:
        found = followups.find_source(**ids)
        follow_up = followups.create_follow_up(found, data(), staff, TODAY)
        assert follow_up.company_id == company.id and followups.source_of(follow_up) == expected
    assert followups.find_source(visit_id=on_visit.id + 1000) is None
    assert followups.find_source() is None


# --- "Mina uppföljningar" --------------------------------------------------------------------


@pytest.mark.parametrize(
    "due, expected",
    [
        (None, Urgency.NO_DUE_DATE),
        (date(2026, 11, 1), Urgency.OVERDUE),
        (date(2026, 11, 17), Urgency.OVERDUE),
        (date(2026, 11, 18), Urgency.TODAY),
        (date(2026, 11, 19), Urgency.THIS_WEEK),
        (date(2026, 11, 22), Urgency.THIS_WEEK),  # Sunday of week 47
        (date(2026, 11, 23), Urgency.LATER),  # Monday of week 48
    ],
)
def test_urgency(due, expected):
    assert followups.urgency(due, TODAY) == expected


def test_on_a_sunday_this_week_is_only_today():
    sunday = date(2026, 11, 22)
    assert followups.urgency(date(2026, 11, 23), sunday) == Urgency.LATER


def test_mine_puts_overdue_first_with_the_days_overdue(factories):
    me, other = factories.user(role="staff"), factories.user(role="staff")
    company = factories.company()

    def mine(due, **fields):
        return factories.follow_up(company, assignee=me, due_date=due, **fields)

    later = mine(date(2026, 12, 1))
    none = mine(None)
    week = mine(date(2026, 11, 22))
    today = mine(TODAY, status=FollowUpStatus.IN_PROGRESS)
    late_2 = mine(date(2026, 11, 16))
    late_8 = mine(date(2026, 11, 10))
    soon = mine(date(2026, 11, 19))
    done = mine(date(2026, 11, 1), status=FollowUpStatus.DONE)
    factories.follow_up(company, assignee=other, due_date=date(2026, 11, 1))
    db.session.commit()

    result = followups.my_follow_ups(me, TODAY)
    assert [(group.urgency, [f.id for f in group.follow_ups]) for group in result.groups] == [
        (Urgency.OVERDUE, [late_8.id, late_2.id]),
        (Urgency.TODAY, [today.id]),
        (Urgency.THIS_WEEK, [soon.id, week.id]),
        (Urgency.LATER, [later.id]),
        (Urgency.NO_DUE_DATE, [none.id]),
    ]
    assert [followups.days_overdue(f, TODAY) for f in result.groups[0].follow_ups] == [8, 2]
    assert followups.days_overdue(today, TODAY) == 0 and followups.days_overdue(done, TODAY) == 0
    assert result.open_count == 7 and result.overdue_count == 2
    assert [f.id for f in result.closed] == [done.id]


def test_mine_lists_the_most_recently_closed_first_and_only_some(factories):
    me = factories.user(role="staff")
    company = factories.company()
    closed = [
        factories.follow_up(company, assignee=me, status=FollowUpStatus.DONE,
                            closed_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n))
        for n in range(followups.CLOSED_SHOWN + 3)
    ]
    db.session.commit()
    result = followups.my_follow_ups(me, TODAY)
    assert result.open_count == 0
    assert [f.id for f in result.closed] == [f.id for f in reversed(closed)][: followups.CLOSED_SHOWN]


# --- The unit-wide list's filters --------------------------------------------------------------


@pytest.fixture
def unit(factories):
    """Follow-ups of every kind: by source, status, assignee, topic, due date and feedback."""
    anna, bo = factories.user(role="staff", name="Anna"), factories.user(role="staff", name="Bo")
    topic, other_topic = factories.topic(name="Lokaler"), factories.topic(name="Kompetens")
    company = factories.company()
    rows = {
        "visit_late": factories.follow_up(visit=visit(company), assignee=anna, topic=topic,
                                          due_date=date(2026, 11, 1)),
        "meeting_open": factories.follow_up(interaction=factories.interaction(company), assignee=bo,
                                            topic=other_topic, due_date=date(2026, 12, 1)),
        "company_progress": factories.follow_up(company, assignee=anna, status=FollowUpStatus.IN_PROGRESS,
                                                feedback_on=date(2026, 11, 2), feedback_how="telefon"),
        "done_late": factories.follow_up(company, assignee=bo, status=FollowUpStatus.DONE,
                                         due_date=date(2026, 11, 1), feedback_on=date(2026, 11, 3)),
        "not_done": factories.follow_up(visit=visit(company), assignee=anna, status=FollowUpStatus.NOT_DONE),
    }
    db.session.commit()
    return {"rows": rows, "anna": anna, "bo": bo, "topic": topic}


def _names(unit, filters: ListFilters) -> set[str]:
    ids = set(db.session.execute(followups.list_query(filters, TODAY)).scalars().unique())
    return {name for name, row in unit["rows"].items() if row in ids}


def test_filters(unit):
    assert _names(unit, ListFilters()) == {"visit_late", "meeting_open", "company_progress"}  # open by default
    assert _names(unit, ListFilters(status="alla")) == set(unit["rows"])
    assert _names(unit, ListFilters(status="klar")) == {"done_late"}
    assert _names(unit, ListFilters(status="ej_atgardad")) == {"not_done"}
    assert _names(unit, ListFilters(status="alla", assignee_id=unit["bo"].id)) == {"meeting_open", "done_late"}
    assert _names(unit, ListFilters(topic_id=unit["topic"].id)) == {"visit_late"}
    assert _names(unit, ListFilters(status="alla", overdue_only=True)) == {"visit_late"}  # a closed one is not late
    assert _names(unit, ListFilters(status="alla", source=SourceKind.VISIT)) == {"visit_late", "not_done"}
    assert _names(unit, ListFilters(status="alla", source=SourceKind.MEETING)) == {"meeting_open"}
    assert _names(unit, ListFilters(status="alla", source=SourceKind.COMPANY)) == {"company_progress", "done_late"}
    assert _names(unit, ListFilters(status="alla", without_feedback=True)) == {
        "visit_late", "meeting_open", "not_done"
    }
    assert _names(unit, ListFilters(assignee_id=unit["anna"].id, without_feedback=True)) == {"visit_late"}


def test_the_list_is_earliest_due_first_and_undated_last(unit):
    found = list(db.session.execute(followups.list_query(ListFilters(status="alla"), TODAY)).scalars())
    dues = [f.due_date for f in found]
    assert dues[:3] == [date(2026, 11, 1), date(2026, 11, 1), date(2026, 12, 1)] and dues[3:] == [None, None]
    assert all(isinstance(f, FollowUp) for f in found)


def test_a_refused_follow_up_leaves_nothing_behind(factories, staff):
    on_visit = visit(factories.company())
    db.session.commit()
    with pytest.raises(followups.DueDateInPast):
        followups.create_follow_up(followups.Source(company=on_visit.company, visit=on_visit),
                                   data(due_date=TODAY - timedelta(days=1)), staff, TODAY)
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(FollowUp)).scalar_one() == 0
