"""Who sees and does what: staff write, organizers see none, politicians see only follow-ups marked visible
to them of visits they take part in, and only description, status and feedback."""

from __future__ import annotations

from datetime import date

import pytest
from flask import render_template

from crm.extensions import db
from crm.followups.models import FollowUpStatus
from tests.followups.followup_helpers import form_data, visit

SECRET = "Intern bedömning: företaget ljuger om antalet anställda"
REASON = "Marken är redan lovad till annan intressent"


@pytest.fixture
def setting(factories, users):
    """One company, a visit the politician took part in and one they did not, follow-ups of each kind."""
    company = factories.company(name="Besöksföretaget AB")
    staff = users["staff"]
    theirs = visit(company, participants=[users["politician"], staff])
    others = visit(company, participants=[staff])
    rows = {
        "shown": factories.follow_up(visit=theirs, assignee=staff, visible_to_politicians=True,
                                     description="Synlig uppföljning om bredband", feedback_on=date(2026, 11, 5),
                                     feedback_how="telefon"),
        "shown_not_done": factories.follow_up(visit=theirs, assignee=staff, visible_to_politicians=True,
                                              status=FollowUpStatus.NOT_DONE, not_done_reason=REASON,
                                              description="Synlig men ej åtgärdad om mark"),
        "hidden": factories.follow_up(visit=theirs, assignee=staff, description=SECRET),
        "other_visit": factories.follow_up(visit=others, assignee=staff, visible_to_politicians=True,
                                           description="Synlig men från annat besök"),
        "company": factories.follow_up(company, assignee=staff, visible_to_politicians=True,
                                       description="Synlig men från företagssidan"),
    }
    db.session.commit()
    return {"company": company, "theirs": theirs, "others": others, "rows": rows}


def test_politician_list_shows_visible_ones_of_their_visits_only(client, login_as, setting):
    login_as("politician")
    html = client.get("/uppfoljningar/politiker").get_data(as_text=True)
    assert "Synlig uppföljning om bredband" in html and "Synlig men ej åtgärdad om mark" in html
    assert "Återkoppling 2026-11-05 (telefon)" in html and "Ej åtgärdad" in html and "Besöksföretaget AB" in html
    for absent in (SECRET, "Synlig men från annat besök", "Synlig men från företagssidan", REASON):
        assert absent not in html
    assert 'href="/uppfoljningar/' not in html.split("<main", 1)[1].replace('href="/uppfoljningar/politiker"', "")


def test_politician_cannot_open_or_write_follow_ups(client, login_as, setting):
    login_as("politician")
    shown = setting["rows"]["shown"]
    for method, url in [
        ("GET", f"/uppfoljningar/{shown.id}"),
        ("GET", "/uppfoljningar/mina"),
        ("GET", "/uppfoljningar/"),
        ("GET", f"/uppfoljningar/ny?visit_id={setting['theirs'].id}"),
        ("POST", f"/uppfoljningar/ny?visit_id={setting['theirs'].id}"),
        ("POST", f"/uppfoljningar/{shown.id}/redigera"),
    ]:
        assert client.open(url, method=method, data=form_data()).status_code == 403, url


def test_politician_navigation(client, login_as):
    login_as("politician")
    html = client.get("/uppfoljningar/politiker").get_data(as_text=True)
    assert 'href="/uppfoljningar/politiker" aria-current="page">Uppföljningar av besök</a>' in html
    assert 'href="/uppfoljningar/mina"' not in html


def test_politician_timeline_shows_only_visible_ones_of_their_visits(client, login_as, setting):
    login_as("politician")
    html = client.get(f"/foretag/{setting['company'].id}").get_data(as_text=True)
    timeline = html.split('class="timeline"', 1)[1]
    assert "Synlig uppföljning om bredband" in timeline and "Återkoppling 2026-11-05 (telefon)" in timeline
    for absent in (SECRET, "Synlig men från annat besök", "Synlig men från företagssidan", REASON, "Ansvarig:"):
        assert absent not in html
    assert "/uppfoljningar/" not in timeline and "Ny uppföljning" not in html


def test_staff_timeline_shows_every_follow_up_of_the_company(client, login_as, setting, factories):
    login_as("staff")
    factories.follow_up(factories.company(), description="Annat företags uppföljning")
    db.session.commit()
    timeline = client.get(f"/foretag/{setting['company'].id}").get_data(as_text=True).split('class="timeline"', 1)[1]
    for row in setting["rows"].values():
        assert row.description in timeline and f'href="/uppfoljningar/{row.id}"' in timeline
    assert "Annat företags uppföljning" not in timeline and "Ansvarig:" in timeline


def test_organizer_has_no_follow_ups(client, login_as, setting, users):
    login_as("organizer")
    hidden = setting["rows"]["hidden"]
    for url in (f"/uppfoljningar/{hidden.id}", "/uppfoljningar/", "/uppfoljningar/mina"):
        assert client.get(url).status_code == 403, url
    company_page = client.get(f"/foretag/{setting['company'].id}")
    assert company_page.status_code == 200
    html = company_page.get_data(as_text=True)
    assert "Besöksföretaget AB" in html and "Ny uppföljning" not in html and "/uppfoljningar/" not in html
    for row in setting["rows"].values():
        assert row.description not in html
    assert 'href="/uppfoljningar/mina"' not in client.get("/").get_data(as_text=True)
    for method, url in [
        ("GET", f"/uppfoljningar/ny?company_id={setting['company'].id}"),
        ("POST", f"/uppfoljningar/ny?company_id={setting['company'].id}"),
        ("POST", f"/uppfoljningar/{hidden.id}/redigera"),
    ]:
        assert client.open(url, method=method, data=form_data(assignee_id=str(users["staff"].id))).status_code == 403
    assert client.get("/uppfoljningar/politiker").status_code == 403


def test_the_detail_page_shows_the_not_done_reason_to_staff(client, login_as, setting):
    login_as("staff")
    html = client.get(f"/uppfoljningar/{setting['rows']['shown_not_done'].id}").get_data(as_text=True)
    assert REASON in html and "Ej åtgärdad" in html and "Synlig för förtroendevalda" in html


def _visit_partial(app, visit_, user) -> str:
    with app.test_request_context():
        return render_template("visits/_followups.html", visit=visit_, current_user=user)


def test_visit_partial_for_a_politician_taking_part(app, setting, users):
    html = _visit_partial(app, setting["theirs"], users["politician"])
    assert "Synlig uppföljning om bredband" in html and "Synlig men ej åtgärdad om mark" in html
    assert "Återkoppling 2026-11-05 (telefon)" in html
    for absent in (SECRET, REASON, "Ny uppföljning", "/uppfoljningar/", "Ansvarig", "avslutat"):
        assert absent not in html


def test_visit_partial_for_a_politician_not_taking_part(app, setting, users):
    html = _visit_partial(app, setting["others"], users["politician"])
    assert "Synlig men från annat besök" not in html and "Inga uppföljningar." in html


def test_visit_partial_for_staff(app, setting, users):
    html = _visit_partial(app, setting["theirs"], users["staff"])
    assert SECRET in html and "Synlig uppföljning om bredband" in html
    assert f'href="/uppfoljningar/ny?visit_id={setting["theirs"].id}"' in html
    assert "Besöket är inte helt avslutat: 3 uppföljningar är öppna eller saknar återkoppling." in html
    organizer = _visit_partial(app, setting["theirs"], users["organizer"])
    assert SECRET not in organizer and "Synlig uppföljning om bredband" not in organizer
    assert "Ny uppföljning" not in organizer


@pytest.mark.parametrize("role", ["politician", "staff"])
def test_the_visit_page_carries_the_follow_ups(client, login_as, setting, role):
    login_as(role)
    response = client.get(f"/besok/{setting['theirs'].id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Synlig uppföljning om bredband" in html
    assert (SECRET in html) is (role == "staff")
    assert ("Ny uppföljning" in html) is (role == "staff")
