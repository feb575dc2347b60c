"""Two "ja" for the last place arriving at once: exactly one gets it, the other is first on the waiting list.

Each answer runs in a thread of its own with its own app context, so its own database session and
connection, as two web workers would; a barrier releases them together. Repeated a few rounds so the
two really overlap. Runs on SQLite and PostgreSQL alike (`--db`).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from crm.events.answers import respond
from crm.events.models import Answer, Event, Invitation
from crm.events.tokens import token_for
from crm.extensions import db
from tests.feeds.helpers import local_days_from_now

ROUNDS = 4


def run_together(work) -> list:
    """Run work(0) and work(1) at the same moment in two threads; re-raise what either raised."""
    barrier = threading.Barrier(2)
    results: list = [None, None]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an answer never finished"
    if errors:
        raise errors[0]
    return results


def last_place(factories) -> tuple[Event, list[Invitation]]:
    """An event with capacity 2, one place taken, and two invitees who have not answered."""
    event = factories.event(start=local_days_from_now(12), capacity=2)
    holder, *pair = (factories.invitation(event) for _ in range(3))
    db.session.commit()
    respond(holder, Answer.YES)
    db.session.commit()
    assert db.session.get(Event, event.id).places_taken == 1
    return event, pair


def outcome(event_id: int) -> tuple[int, int, int]:
    """(places taken, invitations with a place, invitations waiting) as the database has them now."""
    db.session.expire_all()
    rows = db.session.scalars(select(Invitation).where(Invitation.event_id == event_id)).all()
    return (db.session.get(Event, event_id).places_taken, sum(row.has_place for row in rows),
            sum(row.waitlisted_at is not None for row in rows))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_answers_at_once_through_the_service(app, factories, round_):
    event, pair = last_place(factories)
    ids = [invitation.id for invitation in pair]

    def answer_yes(index: int):
        with app.app_context():
            try:
                invitation = db.session.get(Invitation, ids[index])
                result = respond(invitation, Answer.YES)
                db.session.commit()
                return result
            finally:
                db.session.remove()

    results = run_together(answer_yes)

    assert sorted((r.has_place, r.waitlisted) for r in results) == [(False, True), (True, False)]
    assert outcome(event.id) == (2, 2, 1)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_answers_at_once_through_the_page(app, factories, round_):
    event, pair = last_place(factories)
    urls = [f"/svar/{token_for(invitation)}" for invitation in pair]
    clients = [app.test_client(), app.test_client()]

    statuses = run_together(lambda i: clients[i].post(urls[i], data={"answer": "ja"}).status_code)

    assert statuses == [302, 302]
    assert outcome(event.id) == (2, 2, 1)
    pages = [clients[i].get(urls[i]).get_data(as_text=True) for i in range(2)]
    assert sum("Tack! Du är anmäld." in html for html in pages) == 1
    assert sum("Du står på väntelistan som nummer 1." in html for html in pages) == 1
