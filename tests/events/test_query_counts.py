"""The event list, the event page and the attendance page send as many SQL statements for many rows as for few."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.events import services
from crm.events.models import Answer, Attendance, EventSeries, EventStatus
from crm.extensions import db
from crm.timeutil import local, utcnow
from tests.support.queries import page_statements

FEW, MANY = 2, 30
ANSWERS = [Answer.YES, Answer.NO, Answer.MAYBE, None]


def _start(days: int):
    return (local(utcnow()) + timedelta(days=days)).replace(tzinfo=None, hour=7, minute=30, second=0, microsecond=0)


def _events(factories, network, count: int, offset: int) -> None:
    for n in range(count):
        event = factories.event(start=_start(offset + n), network=network, status=EventStatus.INVITED)
        for answer in ANSWERS[: (n % 4) + 1]:
            factories.invitation(event, answer=answer)
    db.session.commit()


@pytest.mark.parametrize("role", ["staff", "organizer"])
def test_the_list_is_constant(client, login_as, factories, count_queries, role):
    login_as(role)
    network = factories.network()
    _events(factories, network, FEW, 1)
    urls = ["/evenemang/", f"/evenemang/?network={network.id}"]
    few = {url: page_statements(client, url) for url in urls}
    _events(factories, network, MANY - FEW, 10)
    assert {url: page_statements(client, url) for url in urls} == few


def test_the_event_page_and_attendance_page_are_constant(client, login_as, factories, count_queries):
    login_as("organizer")

    def event_with(count: int):
        series = EventSeries(title="Frukost", rule="första fredag varje månad")
        db.session.add(series)
        event = factories.event(start=_start(3), series=series, network=factories.network(), asks_dietary=True,
                                capacity=count)
        for n in range(count):
            factories.event(start=_start(40 + n), series=series)
            company = factories.company()
            invitation = factories.invitation(event, factories.contact(company), answer=ANSWERS[n % 4],
                                              attendance=Attendance.ATTENDED if n % 3 == 0 else None,
                                              waitlisted_at=utcnow() if n % 5 == 4 else None)
            services.save_dietary(invitation, ["vegetarisk"], "")
        db.session.commit()
        return event

    small, large = event_with(FEW), event_with(MANY)
    for suffix in ("", "/narvaro", "/narvaro?q=kontakt"):
        assert page_statements(client, f"/evenemang/{small.id}{suffix}") == page_statements(
            client, f"/evenemang/{large.id}{suffix}"
        ), suffix
