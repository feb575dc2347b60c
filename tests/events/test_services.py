"""Rules of the event services that the pages rely on."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from crm.events import answers, attendance, invitations, services
from crm.events.models import Answer, Attendance, EventKind, EventStatus
from crm.events.series import Frequency, SeriesRule
from crm.extensions import db
from crm.timeutil import local, stockholm_to_utc, utcnow
from tests.events.helpers import outbox


def _data(start: datetime, end: datetime, **fields) -> services.EventData:
    return services.EventData(title=fields.pop("title", "Frukostmöte"), kind=EventKind.BREAKFAST,
                              starts_at=stockholm_to_utc(start), ends_at=stockholm_to_utc(end), **fields)


def test_a_series_deadline_keeps_its_wall_clock_time_across_dst(app, users):
    rule = SeriesRule(Frequency.WEEKLY, weekday=0, first_day=date(2026, 10, 1), last_day=date(2026, 11, 5),
                      start_time=time(7, 30), end_time=time(9, 0))
    data = _data(datetime(2026, 10, 5, 7, 30), datetime(2026, 10, 5, 9, 0),
                 registration_deadline=stockholm_to_utc(datetime(2026, 10, 2, 12, 0)))

    series = services.create_series(data, rule, users["organizer"])

    days = [local(event.starts_at).date() for event in series.events]
    assert days == [date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19), date(2026, 10, 26), date(2026, 11, 2)]
    for event in series.events:
        deadline = local(event.registration_deadline)
        assert deadline.strftime("%H:%M") == "12:00", event
        assert local(event.starts_at).date() - deadline.date() == timedelta(days=3)


def test_moving_the_rest_keeps_deadlines_on_the_wall_clock(app, users):
    rule = SeriesRule(Frequency.WEEKLY, weekday=0, first_day=date(2026, 10, 19), last_day=date(2026, 11, 2),
                      start_time=time(7, 30), end_time=time(9, 0))
    data = _data(datetime(2026, 10, 19, 7, 30), datetime(2026, 10, 19, 9, 0),
                 registration_deadline=stockholm_to_utc(datetime(2026, 10, 16, 12, 0)))
    events = services.create_series(data, rule, users["organizer"]).events

    moved, sent = services.move_rest_of_series(events[0], time(8, 0), time(9, 30))

    assert len(moved) == 3 and sent == 0
    for event in moved:
        assert local(event.starts_at).strftime("%H:%M") == "08:00"
        # the deadline keeps its day and clock time, on both sides of the DST change
        assert local(event.registration_deadline).strftime("%H:%M") == "12:00"


def test_a_series_time_missing_on_one_day_is_refused(app, users, factories):
    rule = SeriesRule(Frequency.WEEKLY, weekday=6, first_day=date(2026, 3, 22), last_day=date(2026, 4, 5),
                      start_time=time(1, 0), end_time=time(1, 45))
    events = services.create_series(_data(datetime(2026, 3, 22, 1, 0), datetime(2026, 3, 22, 1, 45)), rule,
                                    users["organizer"]).events
    with pytest.raises(services.MissingLocalTime) as caught:
        services.move_rest_of_series(events[0], time(2, 15), time(3, 0))
    assert "2026-03-29" in str(caught.value)


def test_only_visible_changes_send_updates(app, factories):
    event = factories.event()
    created, _ = invitations.invite(event, [factories.contact() for _ in range(3)])
    invitations.uninvite(created[0])
    db.session.flush()
    before = len(outbox())
    same = services.EventData(title=event.title, kind=event.kind, starts_at=event.starts_at, ends_at=event.ends_at,
                              place=event.place, description="Nytt program")

    assert services.update_event(event, same) == 0
    assert len(outbox()) == before
    moved = services.EventData(**{**same.__dict__, "place": "Biblioteket"})
    assert services.update_event(event, moved) == 2


def test_answer_counts_keep_walk_ins_apart(app, factories):
    event = factories.event()
    factories.invitation(event, answer=Answer.YES, attendance=Attendance.ATTENDED)
    factories.invitation(event)
    attendance.add_walk_in(event, "Gäst Utan Inbjudan", "gast@example.se")

    counts = services.answer_counts(event)

    assert (counts.invited, counts.yes, counts.unanswered, counts.walk_ins, counts.attended) == (2, 1, 1, 1, 2)


def test_dietary_counts_only_those_with_a_place(app, factories):
    event = factories.event(asks_dietary=True, capacity=1)
    has_place = factories.invitation(event, answer=Answer.YES)
    waiting = factories.invitation(event, answer=Answer.YES, waitlisted_at=utcnow())
    declined = factories.invitation(event, answer=Answer.NO)
    for invitation in (has_place, waiting, declined):
        services.save_dietary(invitation, ["vegansk"], "")
    db.session.flush()
    assert services.dietary_counts(event) == {"vegansk": 1}


def test_attendance_rules(app, factories):
    future = factories.event(start=datetime(2030, 1, 10, 7, 30))
    invitation = factories.invitation(future, answer=Answer.YES)
    attendance.mark_attendance(invitation, Attendance.ATTENDED)
    assert future.status == EventStatus.PLANNED  # ticked at the door before the start: not yet held
    with pytest.raises(services.AttendanceNotOpen):
        attendance.close_attendance(future)
    cancelled = factories.event(status=EventStatus.CANCELLED)
    with pytest.raises(services.EventIsCancelled):
        attendance.mark_attendance(factories.invitation(cancelled), Attendance.ATTENDED)
    with pytest.raises(services.EventIsCancelled):
        attendance.add_walk_in(cancelled, "Sen Gäst", None)


def test_no_reminders_once_answers_are_closed(app, factories):
    event = factories.event(start=datetime(2030, 1, 10, 7, 30), registration_deadline=utcnow() - timedelta(days=1))
    factories.invitation(event)
    assert answers.remind_unanswered(event) == 0
    assert outbox("rsvp-reminder:") == []


def test_cancelling_the_rest_of_an_already_cancelled_event_is_refused(app, factories):
    event = factories.event(status=EventStatus.CANCELLED)
    with pytest.raises(services.AlreadyCancelled):
        services.cancel_rest_of_series(event)
