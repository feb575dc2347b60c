"""Who reads what: staff and admins the whole meeting log; organizers and politicians nothing of it."""

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


@pytest.mark.parametrize("role", ["organizer", "politician"])
def test_organizers_and_politicians_have_no_meeting_log(client, login_as, log, role):
    login_as(role)
    assert client.get("/moten/").status_code == 403
    assert client.get(f"/moten/{log['final'].id}").status_code == 403
    assert client.get(f"/moten/{log['draft'].id}").status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert 'href="/moten/"' not in home
    company_page = client.get(f"/foretag/{log['company'].id}")
    assert company_page.status_code == 200
    html = company_page.get_data(as_text=True)
    assert "Behörighet AB" in html
    assert "Färdig anteckning" not in html and "Hemligt utkast" not in html and "/moten/" not in html


@pytest.mark.parametrize("role", ["organizer", "politician"])
def test_others_cannot_write(client, login_as, log, role):
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


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_the_log_is_in_the_menu(client, login_as, role):
    login_as(role)
    assert 'href="/moten/">Möteslogg' in client.get("/").get_data(as_text=True)
