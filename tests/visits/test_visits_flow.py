"""The status flow föreslagen → bokad → genomförd | inställd, in the services and over HTTP."""

from __future__ import annotations

from datetime import datetime

import pytest

from crm.extensions import db
from crm.timeutil import stockholm_to_utc, stockholm_today
from crm.visits import services
from crm.visits.models import VisitKind, VisitStatus
from tests.support.rows import fresh
from tests.visits.visit_helpers import visit_form

PROPOSED, BOOKED, DONE, CANCELLED = VisitStatus.PROPOSED, VisitStatus.BOOKED, VisitStatus.DONE, VisitStatus.CANCELLED


def _data(**fields) -> services.VisitData:
    fields.setdefault("kind", VisitKind.POLITICIAN)
    return services.VisitData(**fields)


# --- Services --------------------------------------------------------------------------------


def test_a_visit_is_proposed_then_booked_then_done(app, factories, users):
    company = factories.company()
    visit = services.create_visit(company, _data(), users["staff"])
    assert visit.status == PROPOSED and visit.year == stockholm_today().year
    visit.starts_at = stockholm_to_utc(datetime(2026, 2, 3, 9, 0))
    visit.ends_at = stockholm_to_utc(datetime(2026, 2, 3, 10, 0))
    services.book(visit)
    assert visit.status == BOOKED
    services.complete(visit, users["staff"])
    assert visit.status == DONE and visit.completed_at is not None and visit.completed_by == users["staff"]


@pytest.mark.parametrize("start", [PROPOSED, BOOKED])
def test_proposed_and_booked_visits_can_be_cancelled_with_a_reason(app, factories, start):
    visit = factories.visit(status=start, start=datetime(2026, 12, 1, 9, 0))
    with pytest.raises(services.ReasonRequired):
        services.cancel(visit, "   ")
    assert visit.status == start
    services.cancel(visit, "Företaget fick förhinder")
    assert visit.status == CANCELLED and visit.cancel_reason == "Företaget fick förhinder"


@pytest.mark.parametrize(
    "start, action",
    [
        (PROPOSED, lambda visit: services.complete(visit, None)),  # must be booked first
        (BOOKED, services.book),  # already booked
        (DONE, services.book),
        (DONE, lambda visit: services.complete(visit, None)),
        (DONE, lambda visit: services.cancel(visit, "För sent")),
        (CANCELLED, services.book),
        (CANCELLED, lambda visit: services.complete(visit, None)),
        (CANCELLED, lambda visit: services.cancel(visit, "Igen")),
    ],
)
def test_illegal_transitions_raise_and_change_nothing(app, factories, start, action):
    visit = factories.visit(status=start, start=datetime(2026, 12, 1, 9, 0))
    db.session.commit()
    with pytest.raises(services.IllegalTransition) as caught:
        action(visit)
    assert visit.status == start
    with app.test_request_context():
        assert "kan inte bli" in str(caught.value)


def test_booking_needs_start_and_end(app, factories):
    visit = factories.visit()
    with pytest.raises(services.TimesRequired):
        services.book(visit)
    assert visit.status == PROPOSED


def test_a_booked_visit_keeps_its_times_but_may_move(app, factories):
    visit = factories.booked_visit()
    with pytest.raises(services.TimesRequired):
        services.update_visit(visit, _data())
    later = stockholm_to_utc(datetime(2026, 6, 16, 13, 0))
    services.update_visit(visit, _data(starts_at=later, ends_at=stockholm_to_utc(datetime(2026, 6, 16, 14, 0))))
    assert visit.starts_at == later and visit.status == BOOKED


def test_the_end_must_come_after_the_start(app, factories):
    visit = factories.visit()
    start = stockholm_to_utc(datetime(2026, 12, 1, 10, 0))
    with pytest.raises(services.EndNotAfterStart):
        services.update_visit(visit, _data(starts_at=start, ends_at=start))


@pytest.mark.parametrize("final", [DONE, CANCELLED])
def test_done_and_cancelled_visits_are_final(app, factories, final):
    visit = factories.visit(status=final, start=datetime(2026, 5, 1, 9, 0))
    with pytest.raises(services.VisitClosed):
        services.update_visit(visit, _data(kind=VisitKind.OFFICIAL))


def test_only_a_done_visit_has_an_editable_protocol(app, factories):
    booked = factories.booked_visit()
    with pytest.raises(services.ProtocolNotOpen):
        services.save_protocol(booked, services.ProtocolData(summary="För tidigt"))
    done = factories.visit(status=DONE, start=datetime(2026, 5, 1, 9, 0))
    services.save_protocol(done, services.ProtocolData(summary="Bra besök", feedback_preference="E-post till VD"))
    services.save_protocol(done, services.ProtocolData(summary="Bra besök, rättat"))
    assert done.summary == "Bra besök, rättat"


def test_company_participants_must_belong_to_the_company(app, factories, users):
    company = factories.company()
    own = factories.contact(company)
    stranger = factories.contact(factories.company())
    visit = services.create_visit(company, _data(contact_ids=[own.id]), users["staff"])
    assert visit.contacts == [own]
    with pytest.raises(services.ContactNotAtCompany):
        services.update_visit(visit, _data(contact_ids=[own.id, stranger.id]))


def test_the_year_defaults_to_the_start_and_may_be_set(app, factories, users):
    company = factories.company()
    start = stockholm_to_utc(datetime(2027, 1, 10, 9, 0))
    end = stockholm_to_utc(datetime(2027, 1, 10, 10, 0))
    assert services.create_visit(company, _data(starts_at=start, ends_at=end), users["staff"]).year == 2027
    assert services.create_visit(company, _data(starts_at=start, ends_at=end, year=2026), users["staff"]).year == 2026


# --- Over HTTP -------------------------------------------------------------------------------


def test_staff_propose_book_complete_and_write_the_protocol(client, login_as, factories, users):
    login_as("staff")
    company = factories.company(name="Järna Mekaniska AB")
    contact = factories.contact(company, name="Vera VD")
    topic = factories.topic(name="Rekrytering av svetsare")
    db.session.commit()

    response = client.post(
        f"/besok/nytt?company_id={company.id}",
        data=visit_form(politicians=[str(users["politician"].id)], officials=[str(users["staff"].id)],
                        contacts=[str(contact.id)], topics=[str(topic.id)], day="2026-11-03"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    visit_id = int(response.headers["Location"].rsplit("/", 1)[1])
    from crm.visits.models import Visit

    visit = db.session.get(Visit, visit_id)
    assert visit.status == PROPOSED and visit.contacts == [contact] and visit.topics == [topic]
    assert {user.id for user in visit.participants} == {users["politician"].id, users["staff"].id}
    assert visit.starts_at == stockholm_to_utc(datetime(2026, 11, 3, 9, 0))

    assert client.post(f"/besok/{visit_id}/boka").status_code == 302
    assert fresh(visit).status == BOOKED
    response = client.post(f"/besok/{visit_id}/genomfor")
    assert response.headers["Location"] == f"/besok/{visit_id}/redigera"
    assert fresh(visit).status == DONE

    page = client.get(f"/besok/{visit_id}/redigera").get_data(as_text=True)
    assert "Spara protokollet" in page and 'name="start_time"' not in page
    response = client.post(f"/besok/{visit_id}/redigera", data={
        "summary": "Vill växa i Järna.", "satisfied_with": "Bra kontakt med kommunen.",
        "less_satisfied_with": "Bygglov tar tid.", "feedback_preference": "E-post till Vera",
        "topics": [str(topic.id)],
    })
    assert response.status_code == 302
    visit = fresh(visit)
    assert (visit.summary, visit.less_satisfied_with) == ("Vill växa i Järna.", "Bygglov tar tid.")
    detail = client.get(f"/besok/{visit_id}").get_data(as_text=True)
    assert "Bygglov tar tid." in detail and "Genomfört" in detail


def test_save_and_book_in_one_step(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    db.session.commit()
    response = client.post(f"/besok/nytt?company_id={company.id}",
                           data=visit_form(save=None, save_and_book="Spara och boka"))
    assert response.status_code == 302
    from crm.visits.models import Visit

    visit = db.session.execute(db.select(Visit)).scalar_one()
    assert visit.status == BOOKED


def test_booking_a_visit_without_times_sends_staff_to_the_form(client, login_as, factories):
    login_as("staff")
    visit = factories.visit()
    db.session.commit()
    response = client.post(f"/besok/{visit.id}/boka", follow_redirects=True)
    assert "Ett bokat besök behöver datum, starttid och sluttid." in response.get_data(as_text=True)
    assert response.request.path == f"/besok/{visit.id}/redigera"
    assert fresh(visit).status == PROPOSED


@pytest.mark.parametrize(
    "status, url",
    [
        (PROPOSED, "genomfor"),
        (BOOKED, "boka"),
        (DONE, "boka"),
        (DONE, "genomfor"),
        (CANCELLED, "boka"),
        (CANCELLED, "genomfor"),
    ],
)
def test_illegal_transitions_over_http_are_refused_with_a_message(client, login_as, factories, status, url):
    login_as("staff")
    visit = factories.visit(status=status, start=datetime(2026, 12, 1, 9, 0))
    db.session.commit()
    response = client.post(f"/besok/{visit.id}/{url}", follow_redirects=True)
    assert response.status_code == 200
    assert "kan inte bli" in response.get_data(as_text=True)
    assert fresh(visit).status == status


@pytest.mark.parametrize("status", [DONE, CANCELLED])
def test_a_final_visit_cannot_be_cancelled_over_http(client, login_as, factories, status):
    login_as("staff")
    visit = factories.visit(status=status, start=datetime(2026, 5, 1, 9, 0))
    db.session.commit()
    response = client.post(f"/besok/{visit.id}/stall-in", data={"reason": "x"}, follow_redirects=True)
    assert "kan inte bli inställt" in response.get_data(as_text=True)
    assert fresh(visit).status == status


def test_cancelling_asks_for_a_reason_next_to_the_field(client, login_as, factories):
    login_as("staff")
    visit = factories.booked_visit()
    db.session.commit()
    response = client.post(f"/besok/{visit.id}/stall-in", data={"reason": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="reason-error"' in html and "Skriv varför besöket ställs in." in html
    assert fresh(visit).status == BOOKED
    response = client.post(f"/besok/{visit.id}/stall-in", data={"reason": "VD förhindrad"})
    assert response.status_code == 302
    assert fresh(visit).status == CANCELLED and fresh(visit).cancel_reason == "VD förhindrad"


def test_a_cancelled_visit_cannot_be_edited(client, login_as, factories):
    login_as("staff")
    visit = factories.visit(status=CANCELLED)
    db.session.commit()
    response = client.post(f"/besok/{visit.id}/redigera", data=visit_form(), follow_redirects=True)
    assert "kan inte längre ändras" in response.get_data(as_text=True)


def test_new_without_a_company_lets_staff_find_one(client, login_as, factories):
    login_as("staff")
    company = factories.company(name="Södra Portens Bageri AB")
    db.session.commit()
    html = client.get("/besok/nytt?q=sodra portens").get_data(as_text=True)
    assert f'href="/besok/nytt?company_id={company.id}"' in html


def test_the_company_page_links_to_booking_a_visit(client, login_as, factories):
    login_as("staff")
    company = factories.company()
    db.session.commit()
    assert f'href="/besok/nytt?company_id={company.id}"' in client.get(f"/foretag/{company.id}").get_data(as_text=True)
