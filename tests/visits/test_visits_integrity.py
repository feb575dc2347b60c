"""The visit target's integrity: a visit counts as genomförd only once it has begun, and who marked it so is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.timeutil import STOCKHOLM, as_utc, local, utcnow
from crm.visits import services
from crm.visits.models import Visit, VisitStatus
from tests.support.rows import fresh
from tests.visits.visit_helpers import visit_form

BOOKED, DONE = VisitStatus.BOOKED, VisitStatus.DONE


def _in_two_weeks() -> datetime:
    """A Stockholm wall-clock time two weeks ahead, at 09:00: the visit of the issue."""
    return (datetime.now(STOCKHOLM) + timedelta(days=14)).replace(tzinfo=None, hour=9, minute=0, second=0,
                                                                  microsecond=0)


def _yesterday() -> datetime:
    return (datetime.now(STOCKHOLM) - timedelta(days=1)).replace(tzinfo=None, hour=9, minute=0, second=0,
                                                                 microsecond=0)


# --- The rule, in the service ----------------------------------------------------------------


def test_a_visit_that_has_not_begun_cannot_be_marked_done(app, factories, users):
    start = _in_two_weeks()
    visit = factories.booked_visit(start=start)
    with pytest.raises(services.NotStartedYet) as refused:
        services.complete(visit, users["staff"])
    assert visit.status == BOOKED and visit.completed_at is None and visit.completed_by is None
    with app.test_request_context():
        assert str(refused.value) == (
            f"Besöket kan markeras som genomfört först när det har börjat ({start:%Y-%m-%d} 09:00)."
        )


def test_the_start_is_read_on_the_stockholm_clock(app, factories, users):
    """09:00 in Stockholm on 14 December is 08:00 UTC: a minute before it is too early, the minute itself is not."""
    visit = factories.booked_visit(start=datetime(2026, 12, 14, 9, 0))
    with pytest.raises(services.NotStartedYet):
        services.complete(visit, users["staff"], now=datetime(2026, 12, 14, 7, 59, tzinfo=UTC))
    services.complete(visit, users["staff"], now=datetime(2026, 12, 14, 8, 0, tzinfo=UTC))
    assert visit.status == DONE
    assert visit.completed_at == datetime(2026, 12, 14, 8, 0, tzinfo=UTC)


def test_marking_done_keeps_who_and_when(app, factories, users):
    visit = factories.booked_visit(start=_yesterday())
    before = utcnow()
    services.complete(visit, users["staff"])
    db.session.commit()
    visit = fresh(visit)
    assert visit.status == DONE and visit.completed_by_id == users["staff"].id
    assert before <= as_utc(visit.completed_at) <= utcnow()


def test_the_audit_log_records_who_marked_the_visit_done(client, login_as, factories, users):
    staff = login_as("staff")
    visit = factories.booked_visit(start=_yesterday())
    db.session.commit()
    assert client.post(f"/besok/{visit.id}/genomfor").status_code == 302
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.entity == "Visit", AuditEntry.entity_id == str(visit.id),
                                 AuditEntry.action == "update")
    ).scalar_one()
    assert (entry.user_id, entry.actor) == (staff.id, staff.name)
    assert entry.changes["status"] == ["bokad", "genomford"]
    assert entry.changes["completed_by_id"] == [None, staff.id]
    assert entry.changes["completed_at"][0] is None
    assert entry.changes["completed_at"][1] == as_utc(fresh(visit).completed_at).isoformat()


# --- Every path that can set genomförd -------------------------------------------------------


def test_the_mark_done_button_refuses_a_visit_two_weeks_ahead(client, login_as, factories):
    login_as("staff")
    start = _in_two_weeks()
    visit = factories.booked_visit(start=start)
    db.session.commit()
    response = client.post(f"/besok/{visit.id}/genomfor", follow_redirects=True)
    assert response.request.path == f"/besok/{visit.id}"
    assert f"Besöket kan markeras som genomfört först när det har börjat ({start:%Y-%m-%d} 09:00)." in (
        response.get_data(as_text=True)
    )
    visit = fresh(visit)
    assert visit.status == BOOKED and visit.completed_at is None and visit.completed_by_id is None


def test_the_visit_page_offers_marking_done_only_once_the_visit_has_begun(client, login_as, factories):
    login_as("staff")
    ahead = factories.booked_visit(start=_in_two_weeks())
    begun = factories.booked_visit(start=_yesterday())
    db.session.commit()
    page = client.get(f"/besok/{ahead.id}").get_data(as_text=True)
    assert "Markera som genomfört" not in page
    assert "Kan markeras som genomfört när besöket har börjat." in page
    assert "Markera som genomfört" in client.get(f"/besok/{begun.id}").get_data(as_text=True)


def test_the_edit_and_protocol_forms_cannot_mark_a_visit_done(client, login_as, factories):
    """The edit form has no status; the protocol form opens only for a done visit: neither makes one done."""
    login_as("staff")
    start = _in_two_weeks()
    visit = factories.booked_visit(start=start)
    db.session.commit()
    response = client.post(
        f"/besok/{visit.id}/redigera",
        data=visit_form(day=f"{start:%Y-%m-%d}", status="genomford", summary="Bra besök", save="Spara"),
    )
    assert response.status_code == 302
    assert fresh(visit).status == BOOKED and fresh(visit).summary == ""


def test_the_visit_page_says_who_marked_it_done_and_when(client, login_as, factories, users):
    staff = login_as("staff")
    visit = factories.booked_visit(start=_yesterday())
    db.session.commit()
    client.post(f"/besok/{visit.id}/genomfor")
    done = fresh(visit)
    when = local(done.completed_at).strftime("%Y-%m-%d %H:%M")
    line = f"Markerad som genomförd av {staff.name} {when}"
    assert line in client.get(f"/besok/{visit.id}").get_data(as_text=True)
    client.post("/logga-ut")
    login_as("politician")  # a politician sees a done visit's basic facts, this among them
    assert line in client.get(f"/besok/{visit.id}").get_data(as_text=True)


# --- Demo data -------------------------------------------------------------------------------


def test_demo_data_has_no_done_visit_that_has_not_begun(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    done = db.session.execute(select(Visit).where(Visit.status == DONE)).scalars().all()
    assert done
    now = utcnow()
    for visit in done:
        assert as_utc(visit.starts_at) <= now, visit.starts_at
        assert visit.completed_by_id is not None
        assert as_utc(visit.starts_at) <= as_utc(visit.completed_at) <= now
