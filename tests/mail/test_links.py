"""Absolute links (e-mail, .ics files, calendar feeds) come from BASE_URL, never from the host a request came to."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from icalendar import Calendar

from config import DevelopmentConfig
from crm import create_app
from crm.extensions import db
from crm.mail.links import absolute_url
from tests.conftest import PASSWORD
from tests.events.helpers import outbox, vevent

BASE_URL = "https://crm.kommun.se/"  # as an admin would type it, trailing slash and all
OTHER_HOST = "http://10.1.2.3:8080"  # the address the request happened to reach (an internal name, a proxy)
LINK = re.compile(r"(?:https?|webcal)://[^\s\"'<>]+")


def links_in(text: str) -> set[str]:
    return set(LINK.findall(text))


def assert_all_on_base(links: set[str]) -> None:
    assert links, "no links found"
    strays = sorted(link for link in links if not link.startswith("https://crm.kommun.se/")
                    and not link.startswith("webcal://crm.kommun.se/"))
    assert not strays, strays


@pytest.fixture
def base_url(app):
    app.config["BASE_URL"] = BASE_URL
    return BASE_URL


@pytest.fixture
def login_elsewhere(client, users):
    """Log the test client in on OTHER_HOST (its cookies belong to that host)."""

    def _login(role: str):
        response = client.post("/logga-in", data={"email": users[role].email, "password": PASSWORD},
                               base_url=OTHER_HOST)
        assert response.status_code == 302
        return users[role]

    return _login


def test_an_invitation_mail_sent_from_another_host_links_to_base_url(base_url, client, login_elsewhere, factories):
    login_elsewhere("organizer")
    event = factories.event(start=datetime.now() + timedelta(days=10), title="Frukostmöte")
    contact = factories.contact(factories.company(name="Åbyvik Bygg AB"), name="Åsa Öberg")
    db.session.commit()

    response = client.post(f"/evenemang/{event.id}/bjud-in", data={"contacts": [str(contact.id)]},
                           base_url=OTHER_HOST)

    assert response.status_code == 302
    [row] = outbox("invite:")
    message = message_from_bytes(row.raw, policy=default_policy)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert_all_on_base(links_in(text) | links_in(html))
    assert "/svar/" in text and "10.1.2.3" not in text + html
    # The calendar links to the invitee's own answer page (the staff page needs a login), on BASE_URL too.
    assert re.fullmatch(r"https://crm\.kommun\.se/svar/[A-Za-z0-9._~-]+", str(vevent(row)["URL"]))


def test_ics_downloads_from_another_host_link_to_base_url(base_url, client, login_elsewhere, factories, users):
    login_elsewhere("admin")
    event = factories.event(description="Kaffe och smörgås.")
    visit = factories.booked_visit(participants=[users["admin"]])
    db.session.commit()

    for path, page in ((f"/evenemang/{event.id}/kalender.ics", f"/evenemang/{event.id}"),
                       (f"/besok/{visit.id}/besok.ics", f"/besok/{visit.id}")):
        response = client.get(path, base_url=OTHER_HOST)
        assert response.status_code == 200, path
        component = next(iter(Calendar.from_ical(response.data).walk("VEVENT")))
        assert str(component["URL"]) == f"https://crm.kommun.se{page}"
        assert f"https://crm.kommun.se{page}" in str(component["DESCRIPTION"])
        assert "10.1.2.3" not in response.get_data(as_text=True)


def test_the_feed_page_shown_on_another_host_gives_base_url_addresses(base_url, client, login_elsewhere):
    login_elsewhere("staff")

    response = client.post("/konto/kalender", data={"kind": "mine", "action": "skapa"}, base_url=OTHER_HOST)

    html = response.get_data(as_text=True)
    feed_links = {link for link in links_in(html) if "/kalender/" in link}
    assert len(feed_links) == 2  # https:// and webcal://
    assert_all_on_base(feed_links)


def test_absolute_url_joins_base_url_with_a_path_prefix(app):
    app.config["BASE_URL"] = "https://intranat.kommun.se/crm"
    assert absolute_url("followups.mine") == "https://intranat.kommun.se/crm/uppfoljningar/mina"


def test_no_code_builds_an_absolute_link_from_the_request():
    """Every absolute link goes through crm.mail.links; `_external=True` would take the request's host."""
    root = Path(__file__).resolve().parents[2] / "crm"
    request_host = re.compile(r"\b_external\s*=\s*True|request\.(host|host_url|url_root|base_url)\b")
    offenders = [str(path.relative_to(root)) for pattern in ("*.py", "*.html", "*.txt") for path in root.rglob(pattern)
                 if request_host.search(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def test_base_url_is_read_from_the_environment_and_checked(monkeypatch):
    monkeypatch.setenv("CRM_BASE_URL", "https://crm.kommun.se/")
    assert create_app("testing").config["BASE_URL"] == "https://crm.kommun.se"

    monkeypatch.setenv("CRM_BASE_URL", "crm.kommun.se")
    with pytest.raises(RuntimeError, match="CRM_BASE_URL must be an absolute http"):
        create_app("testing")


def test_production_refuses_to_start_without_base_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("CRM_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="CRM_BASE_URL must be set"):
        create_app("production")

    monkeypatch.setenv("CRM_BASE_URL", "https://crm.kommun.se")
    assert create_app("production").config["BASE_URL"] == "https://crm.kommun.se"


def test_the_utkorg_page_tells_the_admin_where_links_point(app, client, login_as):
    app.config["BASE_URL"] = "https://crm.kommun.se"
    login_as("admin")

    html = client.get("/admin/utkorg/").get_data(as_text=True)

    assert re.search(r"<dt>Länkar i utskick pekar på</dt><dd[^>]*>https://crm\.kommun\.se ", html), html


def test_make_run_links_to_the_address_it_serves_on():
    root = Path(__file__).resolve().parents[2]

    def serve_line(*overrides: str) -> str:
        result = subprocess.run(["make", "-n", "run", *overrides], cwd=root, capture_output=True, text=True,
                                check=True)
        return next(line for line in result.stdout.splitlines() if " serve " in line)

    assert serve_line("HOST=127.0.0.2", "PORT=5123").startswith("CRM_BASE_URL=http://127.0.0.2:5123 ")
    assert any(line.startswith("CRM_BASE_URL=http://127.0.0.2:5123 ") and line.endswith(" seed-demo")
               for line in subprocess.run(["make", "-n", "run", "HOST=127.0.0.2", "PORT=5123"], cwd=root,
                                          capture_output=True, text=True, check=True).stdout.splitlines()), \
        "the printed login names the address make run serves on"
    default = serve_line()
    assert "--host 127.0.0.1 --port 5000" in default
    assert default.startswith(f"CRM_BASE_URL={DevelopmentConfig.BASE_URL} ")
