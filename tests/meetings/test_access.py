"""Who reads what: organizers read finalised notes only, politicians nothing of the meeting log."""

from __future__ import annotations

import pytest

from crm.extensions import db
from tests.meetings.helpers import form_data, interaction_count


@pytest.fixture
def log(factories, users):
    company = factories.company(name="Behörighet AB")
    draft = factories.interaction(company, author=users["staff"], note="Hemligt utkast")
    final = factories.interaction(company, author=users["staff"], final=True, note="Färdig anteckning")
    db.session.commit()
    return {"company": company, "draft": draft, "final": final}


def test_organizer_reads_finals_only(client, login_as, log):
    login_as("organizer")
    listing = client.get("/moten/").get_data(as_text=True)
    assert f'href="/moten/{log["final"].id}"' in listing and f'href="/moten/{log["draft"].id}"' not in listing
    assert "1 anteckning" in listing and "Bara utkast" not in listing and "Logga möte" not in listing
    assert "1 anteckning" in client.get("/moten/?drafts=y").get_data(as_text=True)  # the filter is not theirs

    detail = client.get(f"/moten/{log['final'].id}")
    assert detail.status_code == 200 and "Färdig anteckning" in detail.get_data(as_text=True)
    assert "Skapa ny version" not in detail.get_data(as_text=True)
    assert client.get(f"/moten/{log['draft'].id}").status_code == 403

    timeline = client.get(f"/foretag/{log['company'].id}").get_data(as_text=True)
    assert "Färdig anteckning" in timeline and "Hemligt utkast" not in timeline
    assert "Logga möte" not in timeline


def test_organizer_sees_the_last_final_while_a_new_version_is_a_draft(client, login_as, factories, log, users):
    factories.interaction(log["company"], author=users["staff"], version=2, supersedes=log["final"],
                          note="Version två på gång")
    db.session.commit()
    login_as("organizer")
    final_page = client.get(f"/moten/{log['final'].id}").get_data(as_text=True)
    assert "Version två på gång" not in final_page and "påbörjad" not in final_page and "Ersatt" not in final_page
    timeline = client.get(f"/foretag/{log['company'].id}").get_data(as_text=True)
    assert "Färdig anteckning" in timeline and "Version två på gång" not in timeline


@pytest.mark.parametrize("role", ["organizer", "politician"])
def test_readers_cannot_write(client, login_as, log, role):
    login_as(role)
    draft = log["draft"]
    for method, url in [
        ("POST", f"/foretag/{log['company'].id}/moten/ny"),
        ("POST", "/moten/ny"),
        ("POST", f"/moten/{draft.id}/redigera"),
        ("POST", f"/moten/{draft.id}/fardigstall"),
        ("POST", f"/moten/{draft.id}/ta-bort"),
        ("POST", f"/moten/{log['final'].id}/ny-version"),
    ]:
        assert client.open(url, method=method, data=form_data(company_query="Behörighet")).status_code == 403
    assert interaction_count() == 2


def test_politician_has_no_meeting_log(client, login_as, log):
    login_as("politician")
    assert client.get("/moten/").status_code == 403
    assert client.get(f"/moten/{log['final'].id}").status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert "Möteslogg" not in home
    company_page = client.get(f"/foretag/{log['company'].id}").get_data(as_text=True)
    assert "Färdig anteckning" not in company_page and "Hemligt utkast" not in company_page


@pytest.mark.parametrize("role", ["staff", "organizer", "admin"])
def test_the_log_is_in_the_menu(client, login_as, role):
    login_as(role)
    assert 'href="/moten/">Möteslogg' in client.get("/").get_data(as_text=True)
