"""Raising, editing and reading follow-ups through the pages, "Mina uppföljningar" and the unit-wide list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.timeutil import stockholm_today
from tests.followups.followup_helpers import form_data, visit
from tests.support.forms import error_next_to
from tests.support.rows import fresh


def follow_up_count() -> int:
    return db.session.execute(select(func.count()).select_from(FollowUp)).scalar_one()


@pytest.fixture
def company(factories):
    created = factories.company(name="Hamnens Verkstad AB")
    db.session.commit()
    return created


def test_new_form_defaults_to_me_and_offers_active_staff_and_topics(client, login_as, factories, company):
    me = login_as("staff")
    factories.user(role="organizer", name="Olle Organisatör")
    factories.user(role="staff", name="Inaktiv Ingrid", active=False)
    factories.topic(name="Lokaler i hamnen")
    factories.topic(name="Gammalt ämne", active=False)
    db.session.commit()
    html = client.get(f"/uppfoljningar/ny?company_id={company.id}").get_data(as_text=True)
    assert "Ny uppföljning" in html and "Hamnens Verkstad AB" in html
    assert f'<option selected value="{me.id}">' in html
    assert "Olle Organisatör" not in html and "Inaktiv Ingrid" not in html
    assert "Lokaler i hamnen" in html and "Gammalt ämne" not in html
    assert 'list="feedback-ways"' in html and '<datalist id="feedback-ways">' in html
    assert 'name="visible_to_politicians"' not in html  # only a visit's follow-ups can be shown to politicians
    on_visit = visit(company)
    db.session.commit()
    html = client.get(f"/uppfoljningar/ny?visit_id={on_visit.id}").get_data(as_text=True)
    checkbox = html.split('id="visible_to_politicians"', 1)[0].rsplit("<input", 1)[1]
    assert 'name="visible_to_politicians"' in html and "checked" not in checkbox
    assert f'href="/besok/{on_visit.id}">Tillbaka till besöket' in html


@pytest.mark.parametrize("source", ["visit", "interaction", "company"])
def test_raise_from_each_source(client, login_as, factories, company, source):
    me = login_as("staff")
    topic = factories.topic(name="Infrastruktur")
    raised_from = {
        "visit": lambda: visit(company),
        "interaction": lambda: factories.interaction(company, author=me),
        "company": lambda: company,
    }[source]()
    db.session.commit()
    due = stockholm_today() + timedelta(days=7)
    response = client.post(
        f"/uppfoljningar/ny?{source}_id={raised_from.id}",
        data=form_data(assignee_id=str(me.id), topic_id=str(topic.id), due_date=due.isoformat(),
                       visible_to_politicians="y"),
    )
    assert response.status_code == 302
    follow_up = db.session.execute(select(FollowUp)).scalar_one()
    assert response.headers["Location"] == f"/uppfoljningar/{follow_up.id}"
    assert follow_up.company_id == company.id and follow_up.assignee_id == me.id and follow_up.created_by_id == me.id
    assert follow_up.topic_id == topic.id and follow_up.due_date == due and follow_up.visible_to_politicians
    assert follow_up.visit_id == (raised_from.id if source == "visit" else None)
    assert follow_up.interaction_id == (raised_from.id if source == "interaction" else None)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Uppföljningen är sparad." in page and "Återkoppla om detaljplanen" in page
    assert due.isoformat() in page and f"v. {due.isocalendar().week}" in page


def test_without_a_source_the_form_sends_you_to_the_companies(client, login_as):
    login_as("staff")
    response = client.get("/uppfoljningar/ny")
    assert response.status_code == 302 and response.headers["Location"] == "/foretag/"
    assert client.get("/uppfoljningar/ny?visit_id=999999").status_code == 404
    assert client.get("/uppfoljningar/ny?company_id=999999").status_code == 404


def test_errors_are_shown_next_to_the_fields(client, login_as, company):
    me = login_as("staff")
    yesterday = stockholm_today() - timedelta(days=1)
    response = client.post(
        f"/uppfoljningar/ny?company_id={company.id}",
        data=form_data(description="", assignee_id="", due_date=yesterday.isoformat(), status="ej_atgardad",
                       feedback_how="telefon"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and follow_up_count() == 0
    assert "Beskriv vad som ska göras." in error_next_to(html, "description")
    assert "Välj vem som ansvarar." in error_next_to(html, "assignee_id")
    assert "Sista dag kan inte ha passerat" in error_next_to(html, "due_date")
    assert "Skriv varför uppföljningen inte blev åtgärdad." in error_next_to(html, "not_done_reason")
    assert "Fyll i när företaget fick återkoppling." in error_next_to(html, "feedback_how")
    assert "Något behöver rättas" in html
    response = client.post(
        f"/uppfoljningar/ny?company_id={company.id}",
        data=form_data(assignee_id=str(me.id), feedback_on="2026-13-40"),
    )
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in error_next_to(response.get_data(as_text=True), "feedback_on")
    assert follow_up_count() == 0


def test_edit_closes_and_reopens(client, login_as, factories, company):
    me = login_as("staff")
    follow_up = factories.follow_up(company, assignee=me, description="Kolla fiberutbyggnaden")
    db.session.commit()
    form = client.get(f"/uppfoljningar/{follow_up.id}/redigera").get_data(as_text=True)
    assert "Ändra uppföljning" in form and "Kolla fiberutbyggnaden" in form

    today = stockholm_today().isoformat()
    response = client.post(
        f"/uppfoljningar/{follow_up.id}/redigera",
        data=form_data(description="Kolla fiberutbyggnaden", assignee_id=str(me.id), status="klar",
                       feedback_on=today, feedback_how="e-post"),
    )
    assert response.status_code == 302
    closed = fresh(follow_up)
    assert closed.status == FollowUpStatus.DONE and closed.closed_at is not None
    assert closed.feedback_how == "e-post" and str(closed.feedback_on) == today
    page = client.get(f"/uppfoljningar/{follow_up.id}").get_data(as_text=True)
    assert "Klar" in page and "stängd" in page and f"Återkoppling {today} (e-post)" in page

    client.post(f"/uppfoljningar/{follow_up.id}/redigera",
                data=form_data(description="Kolla fiberutbyggnaden", assignee_id=str(me.id), status="pagar"))
    reopened = fresh(follow_up)
    assert reopened.status == FollowUpStatus.IN_PROGRESS and reopened.closed_at is None


def test_closing_the_last_loose_end_says_the_visit_is_fully_closed(client, login_as, factories, company):
    me = login_as("staff")
    on_visit = visit(company)
    follow_up = factories.follow_up(visit=on_visit, assignee=me, description="Svara om parkeringen")
    db.session.commit()
    today = stockholm_today().isoformat()
    client.post(f"/uppfoljningar/{follow_up.id}/redigera",
                data=form_data(description="Svara om parkeringen", assignee_id=str(me.id), status="klar"))
    assert "helt avslutat" not in client.get(f"/uppfoljningar/{follow_up.id}").get_data(as_text=True)
    client.post(f"/uppfoljningar/{follow_up.id}/redigera",
                data=form_data(description="Svara om parkeringen", assignee_id=str(me.id), status="klar",
                               feedback_on=today, feedback_how="telefon"))
    assert "Besöket är nu helt avslutat" in client.get(f"/uppfoljningar/{follow_up.id}").get_data(as_text=True)


def test_an_overdue_follow_up_can_be_saved_with_its_old_due_date(client, login_as, factories, company):
    me = login_as("staff")
    late = stockholm_today() - timedelta(days=5)
    follow_up = factories.follow_up(company, assignee=me, due_date=late)
    db.session.commit()
    response = client.post(f"/uppfoljningar/{follow_up.id}/redigera",
                           data=form_data(assignee_id=str(me.id), due_date=late.isoformat(), status="pagar"))
    assert response.status_code == 302 and fresh(follow_up).status == FollowUpStatus.IN_PROGRESS


def test_a_deactivated_assignee_stays_selectable_on_edit(client, login_as, factories, company):
    login_as("staff")
    gone = factories.user(role="staff", name="Slutat Sven", active=False)
    follow_up = factories.follow_up(company, assignee=gone)
    db.session.commit()
    html = client.get(f"/uppfoljningar/{follow_up.id}/redigera").get_data(as_text=True)
    assert f'<option selected value="{gone.id}">Slutat Sven</option>' in html


def test_mine_shows_overdue_first_with_days_and_closed_ones_folded(client, login_as, factories, company):
    me = login_as("staff")
    today = stockholm_today()
    factories.follow_up(company, assignee=me, due_date=today + timedelta(days=30), description="Senare sak")
    factories.follow_up(company, assignee=me, description="Odaterad sak")
    factories.follow_up(company, assignee=me, due_date=today, description="Dagens sak")
    factories.follow_up(company, assignee=me, due_date=today - timedelta(days=3), description="Sen sak")
    factories.follow_up(company, assignee=me, status=FollowUpStatus.DONE, description="Avklarad sak")
    factories.follow_up(company, assignee=factories.user(), description="Någon annans sak")
    db.session.commit()
    html = client.get("/uppfoljningar/mina").get_data(as_text=True)
    order = [html.index(text) for text in ("Sen sak", "Dagens sak", "Senare sak", "Odaterad sak", "Avklarad sak")]
    assert order == sorted(order)
    assert "Försenad 3 dagar" in html and "4 öppna, 1 försenad" in html
    assert html.index("<details") < html.index("Avklarad sak")
    assert "Någon annans sak" not in html
    assert "Försenade" in html and "Ska vara klara i dag" in html and "Utan sista dag" in html


def test_mine_when_nothing_is_open(client, login_as):
    login_as("staff")
    html = client.get("/uppfoljningar/mina").get_data(as_text=True).split("<main", 1)[1]
    assert "Du har inga öppna uppföljningar." in html and "<details" not in html


def test_the_list_filters_through_the_url(client, login_as, factories, company):
    login_as("admin")
    anna = factories.user(role="staff", name="Anna Andersson")
    topic = factories.topic(name="Upphandling")
    today = stockholm_today()
    factories.follow_up(visit=visit(company), assignee=anna, topic=topic, due_date=today - timedelta(days=2),
                        description="Besökets sena sak")
    factories.follow_up(company, description="Företagets sak utan ansvarig")
    factories.follow_up(company, status=FollowUpStatus.DONE, description="Stängd sak")
    db.session.commit()

    everything = client.get("/uppfoljningar/").get_data(as_text=True)
    assert "2 uppföljningar" in everything and "Stängd sak" not in everything
    assert "Försenad 2 dagar" in everything and "Anna Andersson" in everything
    assert "Stängd sak" in client.get("/uppfoljningar/?status=alla").get_data(as_text=True)
    for query, shown in [
        (f"assignee={anna.id}", "Besökets sena sak"),
        (f"topic={topic.id}", "Besökets sena sak"),
        ("overdue=y", "Besökets sena sak"),
        ("source=besok", "Besökets sena sak"),
        ("source=foretag", "Företagets sak utan ansvarig"),
    ]:
        html = client.get(f"/uppfoljningar/?{query}").get_data(as_text=True)
        assert "1 uppföljning<" in html and shown in html, query
    assert "0 uppföljningar" in client.get("/uppfoljningar/?source=mote").get_data(as_text=True)
    junk = client.get("/uppfoljningar/?status=nonsens&source=x")
    assert junk.status_code == 200 and "2 uppföljningar" in junk.get_data(as_text=True)


def test_the_list_pages(client, login_as, factories, company, app):
    login_as("staff")
    app.config["ITEMS_PER_PAGE"] = 2
    for n in range(3):
        factories.follow_up(company, description=f"Sak nummer {n}")
    db.session.commit()
    first = client.get("/uppfoljningar/").get_data(as_text=True)
    assert "Sida 1 av 2" in first and 'rel="next"' in first
    assert "Sak nummer 2" in client.get("/uppfoljningar/?page=2").get_data(as_text=True)


def test_links_to_raise_a_follow_up(client, login_as, factories, company):
    me = login_as("staff")
    meeting = factories.interaction(company, author=me)
    db.session.commit()
    assert f'href="/uppfoljningar/ny?company_id={company.id}"' in client.get(f"/foretag/{company.id}").get_data(
        as_text=True
    )
    assert f'href="/uppfoljningar/ny?interaction_id={meeting.id}"' in client.get(f"/moten/{meeting.id}").get_data(
        as_text=True
    )


def test_navigation(client, login_as):
    login_as("staff")
    html = client.get("/uppfoljningar/mina").get_data(as_text=True)
    assert 'href="/uppfoljningar/mina" aria-current="page">Uppföljningar</a>' in html
    assert 'href="/uppfoljningar/politiker"' not in html
