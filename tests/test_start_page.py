"""The start page tells each user what is theirs to do."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm.extensions import db
from crm.followups.models import FollowUpStatus
from crm.plan.models import VisitPlan
from crm.timeutil import stockholm_today
from crm.visits.models import VisitStatus


def test_staff_sees_open_and_overdue_follow_ups(client, login_as, factories):
    staff = login_as("staff")
    today = stockholm_today()
    factories.follow_up(assignee=staff, due_date=today - timedelta(days=3))
    factories.follow_up(assignee=staff, due_date=today)
    factories.follow_up(assignee=staff, due_date=today + timedelta(days=9))
    factories.follow_up(assignee=staff, due_date=today - timedelta(days=3), status=FollowUpStatus.DONE)
    factories.follow_up(assignee=factories.user(), due_date=today - timedelta(days=3))
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "3</span> öppna uppföljningar" in html
    assert "1 är försenad" in html and "1 ska vara klar i dag" in html


def test_upcoming_visits_where_the_user_takes_part(client, login_as, factories, users):
    politician = login_as("politician")
    soon = (datetime.now() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    mine = factories.booked_visit(factories.company(name="Mitt Besök AB"), start=soon, participants=[politician])
    factories.booked_visit(factories.company(name="Annans Besök AB"), start=soon, participants=[users["staff"]])
    factories.booked_visit(factories.company(name="Långt Fram AB"), start=soon + timedelta(days=40),
                           participants=[politician])
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert f"/besok/{mine.id}" in html and "Mitt Besök AB" in html
    assert "Annans Besök AB" not in html and "Långt Fram AB" not in html
    assert "öppna uppföljningar" not in html, "politicians are not assigned follow-ups"


def test_the_visit_plan_card_shows_done_against_this_years_target(client, login_as, factories):
    login_as("politician")
    year = stockholm_today().year
    db.session.add(VisitPlan(year=year, target=50))
    company = factories.company()
    for _ in range(13):
        factories.visit(company, status=VisitStatus.DONE, year=year)
    factories.visit(company, status=VisitStatus.DONE, year=year, counts_towards_target=False)
    factories.visit(company, status=VisitStatus.DONE, year=year - 1)
    factories.visit(company, status=VisitStatus.BOOKED, year=year)
    db.session.commit()

    html = client.get("/").get_data(as_text=True)

    assert (f'<span class="card-figure">13 av 50</span> Besöksplan {year}: genomförda besök mot målet') in html


def test_the_visit_plan_card_without_a_target_shows_what_is_done(client, login_as, factories):
    login_as("staff")
    year = stockholm_today().year
    factories.visit(status=VisitStatus.DONE, year=year)
    db.session.commit()

    html = client.get("/").get_data(as_text=True)

    assert f'<span class="card-figure">1</span> Besöksplan {year}: genomförda besök, inget mål är satt' in html
