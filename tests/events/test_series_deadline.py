"""Moving an event, or the rest of a series, keeps the registration deadline's clock time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from crm.events import services
from crm.events.models import EventKind
from crm.events.series import Frequency, SeriesRule
from crm.extensions import db
from crm.timeutil import local, stockholm_to_utc


def _deadline(event) -> str:
    return local(event.registration_deadline).strftime("%Y-%m-%d %H:%M")


def test_moving_an_event_to_another_hour_keeps_the_deadline_at_noon(app, factories):
    event = factories.event(start=datetime(2026, 12, 4, 7, 30),
                            registration_deadline=stockholm_to_utc(datetime(2026, 12, 2, 12, 0)))
    db.session.commit()

    services.move_event(event, date(2026, 12, 11), time(10, 0), time(11, 30))

    assert local(event.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-12-11 10:00"
    assert _deadline(event) == "2026-12-09 12:00"


def test_moving_an_event_across_dst_keeps_the_deadline_at_noon(app, factories):
    event = factories.event(start=datetime(2026, 10, 23, 7, 30),
                            registration_deadline=stockholm_to_utc(datetime(2026, 10, 22, 12, 0)))
    db.session.commit()

    services.move_event(event, date(2026, 10, 30), time(7, 30), time(9, 0))  # winter time from 25 October

    assert _deadline(event) == "2026-10-29 12:00"


def test_a_same_day_deadline_the_new_start_would_pass_moves_to_the_day_before(app, factories):
    event = factories.event(start=datetime(2026, 12, 4, 18, 0),
                            registration_deadline=stockholm_to_utc(datetime(2026, 12, 4, 12, 0)))
    db.session.commit()

    services.move_event(event, date(2026, 12, 4), time(8, 0), time(9, 0))

    assert _deadline(event) == "2026-12-03 12:00"


def test_moving_the_rest_of_a_series_to_a_later_hour_keeps_each_deadline_at_noon(app, users):
    rule = SeriesRule(Frequency.WEEKLY, weekday=0, first_day=date(2026, 10, 19), last_day=date(2026, 11, 2),
                      start_time=time(7, 30), end_time=time(9, 0))
    data = services.EventData(title="Frukostmöte", kind=EventKind.BREAKFAST,
                              starts_at=stockholm_to_utc(datetime(2026, 10, 19, 7, 30)),
                              ends_at=stockholm_to_utc(datetime(2026, 10, 19, 9, 0)),
                              registration_deadline=stockholm_to_utc(datetime(2026, 10, 16, 12, 0)))
    events = services.create_series(data, rule, users["organizer"]).events

    moved, _sent = services.move_rest_of_series(events[0], time(13, 0), time(14, 30))

    for event in moved:
        assert local(event.starts_at).strftime("%H:%M") == "13:00"
        assert _deadline(event).endswith(" 12:00")
        assert local(event.starts_at).date() - local(event.registration_deadline).date() == timedelta(days=3)
