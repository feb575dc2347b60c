"""Calendar identity: the UID is set once and never changes; SEQUENCE rises with every change that matters."""

from __future__ import annotations

from datetime import datetime

import pytest

from crm.calendar.identity import CalendarIdentityError
from crm.extensions import db
from crm.timeutil import stockholm_to_utc
from crm.visits import services
from crm.visits.models import VisitKind
from tests.support.rows import fresh
from tests.visits.visit_helpers import visit_form


def _committed(visit):
    db.session.commit()
    return fresh(visit)


@pytest.mark.parametrize(
    "change",
    [
        lambda v, f: setattr(v, "starts_at", stockholm_to_utc(datetime(2026, 6, 15, 8, 0))),
        lambda v, f: setattr(v, "ends_at", stockholm_to_utc(datetime(2026, 6, 15, 11, 0))),
        lambda v, f: setattr(v, "place", "Kommunhuset"),
        lambda v, f: setattr(v, "kind", VisitKind.WELCOME),
        lambda v, f: setattr(v, "company", f.company()),
        lambda v, f: services.complete(v, None),
        lambda v, f: services.cancel(v, "Förhinder"),
    ],
    ids=["start", "end", "place", "kind", "company", "status-done", "status-cancelled"],
)
def test_each_change_that_matters_raises_the_sequence_by_one(app, factories, change):
    visit = _committed(factories.booked_visit())
    uid = visit.uid
    assert visit.sequence == 0
    change(visit, factories)
    visit = _committed(visit)
    assert visit.sequence == 1
    assert visit.uid == uid


def test_other_changes_leave_the_sequence(app, factories):
    visit = _committed(factories.booked_visit())
    visit.purpose = "Nytt syfte"
    visit.counts_towards_target = False
    visit.participants = [factories.user(role="politician")]
    visit.place = visit.place  # the same value again is no change
    visit = _committed(visit)
    assert visit.sequence == 0


def test_the_sequence_rises_in_the_same_transaction_and_rolls_back_with_it(app, factories):
    visit = _committed(factories.booked_visit())
    visit.place = "Kommunhuset"
    db.session.flush()
    assert visit.sequence == 1  # flushed with the change, not in a later transaction
    db.session.rollback()
    assert fresh(visit).sequence == 0 and fresh(visit).place == "Företagets lokaler"


def test_the_uid_is_made_at_creation_and_is_unique(app, factories):
    first, second = factories.visit(), factories.visit()
    assert first.uid and second.uid and first.uid != second.uid
    assert first.uid.endswith("@naringsliv-crm")


def test_the_uid_can_never_change(app, factories):
    visit = _committed(factories.booked_visit())
    visit.uid = "another@naringsliv-crm"
    with pytest.raises(CalendarIdentityError):
        db.session.flush()
    db.session.rollback()


def test_the_sequence_never_falls(app, factories):
    visit = _committed(factories.booked_visit(sequence=4))
    visit.sequence = 3
    with pytest.raises(CalendarIdentityError):
        db.session.flush()
    db.session.rollback()
    assert fresh(visit).sequence == 4


def test_edits_through_the_pages_keep_the_uid_and_raise_the_sequence(client, login_as, factories):
    login_as("staff")
    visit = factories.visit()
    db.session.commit()
    uid = visit.uid
    sequences = [fresh(visit).sequence]

    def post(url, **data):
        assert client.post(url, data=data).status_code == 302
        sequences.append(fresh(visit).sequence)

    begun = "2026-11-03"  # a visit can be marked done only once it has begun
    post(f"/besok/{visit.id}/redigera", **visit_form(day=begun))  # a time is set
    post(f"/besok/{visit.id}/redigera", **visit_form(day=begun, purpose="Bara syftet ändras"))  # nothing that matters
    post(f"/besok/{visit.id}/boka")
    post(f"/besok/{visit.id}/redigera", **visit_form(day=begun, start_time="08:30"))  # moved
    post(f"/besok/{visit.id}/redigera", **visit_form(day=begun, start_time="08:30", place="Kommunhuset"))
    post(f"/besok/{visit.id}/genomfor")
    post(f"/besok/{visit.id}/redigera", summary="Protokollet ändrar inte kalendern")
    assert sequences == [0, 1, 1, 2, 3, 4, 5, 5]
    assert fresh(visit).uid == uid
