"""Making, rotating and revoking feed links: for oneself on /konto/kalender, for a network on its page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.feeds.models import FeedKind, FeedToken
from tests.feeds.helpers import fetch, local_days_from_now, uids

TOKEN_IN_PAGE = re.compile(r"/kalender/([A-Za-z0-9_-]{43})\.ics")


def tokens_in(html: str) -> set[str]:
    return set(TOKEN_IN_PAGE.findall(html))


def create(client, kind: str, url: str = "/konto/kalender"):
    response = client.post(url, data={"kind": kind, "action": "skapa"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    [token] = tokens_in(html)
    return token, html


def test_the_account_page_leads_to_the_calendar_links(client, login_as):
    login_as("politician")
    html = client.get("/konto").get_data(as_text=True)
    assert 'href="/konto/kalender"' in html and "Kalenderprenumeration" in html


def test_staff_see_both_calendars_and_politicians_only_their_own(client, login_as, users):
    login_as("staff")
    html = client.get("/konto/kalender").get_data(as_text=True)
    assert "Min kalender" in html and "Enhetens kalender" in html
    assert "Ingen länk är aktiv." in html

    client.post("/logga-ut")
    login_as("politician")
    html = client.get("/konto/kalender").get_data(as_text=True)
    assert "Min kalender" in html and "Enhetens kalender" not in html
    assert client.post("/konto/kalender", data={"kind": "team", "action": "skapa"}).status_code == 403
    assert client.post("/konto/kalender", data={"kind": "network", "action": "skapa"}).status_code == 403
    assert client.post("/konto/kalender", data={"kind": "nonsense", "action": "skapa"}).status_code == 400
    assert db.session.scalar(select(FeedToken)) is None


def test_a_new_link_is_shown_once_as_https_and_webcal(app, client, login_as):
    app.config["BASE_URL"] = "https://crm.kommun.example"
    me = login_as("staff")
    token, html = create(client, "mine")

    assert f'value="https://crm.kommun.example/kalender/{token}.ics"' in html
    assert f'href="webcal://crm.kommun.example/kalender/{token}.ics"' in html
    assert "visas inte igen" in html
    row = db.session.scalar(select(FeedToken))
    assert (row.kind, row.user_id, row.created_by_id) == (FeedKind.MINE, me.id, me.id)

    later = client.get("/konto/kalender").get_data(as_text=True)
    assert not tokens_in(later) and token not in later
    assert "En länk är aktiv sedan" in later and "Den har inte hämtats än." in later
    assert fetch(client, token).status_code == 200
    assert "Senast hämtad" in client.get("/konto/kalender").get_data(as_text=True)


def test_making_a_new_link_retires_the_old_and_revoking_ends_it(client, login_as):
    login_as("staff")
    old, _ = create(client, "team")
    new, html = create(client, "team")
    assert old != new
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200

    response = client.post("/konto/kalender", data={"kind": "team", "action": "aterkalla"}, follow_redirects=True)
    assert "Länken är återkallad" in response.get_data(as_text=True)
    assert fetch(client, new).status_code == 404
    assert "Ingen länk är aktiv." in client.get("/konto/kalender").get_data(as_text=True)


def test_rotating_one_calendar_leaves_the_other(client, login_as):
    login_as("staff")
    mine, _ = create(client, "mine")
    team, _ = create(client, "team")
    create(client, "team")
    assert fetch(client, mine).status_code == 200
    assert fetch(client, team).status_code == 404


def test_a_post_without_the_csrf_token_changes_nothing(app, client, login_as):
    login_as("staff")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/konto/kalender", data={"kind": "mine", "action": "skapa"})
    assert response.status_code == 400
    assert not tokens_in(response.get_data(as_text=True))
    assert db.session.scalar(select(FeedToken)) is None


@pytest.mark.parametrize("role", ["organizer", "staff"])
def test_organizers_and_staff_manage_a_networks_link(client, login_as, factories, role):
    network = factories.network(name="Branschråd bygg")
    event = factories.event(start=local_days_from_now(14), network_id=network.id)
    factories.event(start=local_days_from_now(15))
    db.session.commit()
    login_as(role)

    html = client.get(f"/natverk/{network.id}/kalender").get_data(as_text=True)
    assert "Kalender för Branschråd bygg" in html and "Nätverkets kalender" in html
    assert f'href="/natverk/{network.id}"' in html
    token, _ = create(client, "network", f"/natverk/{network.id}/kalender")
    assert uids(fetch(client, token).data) == [event.uid]
    row = db.session.scalar(select(FeedToken))
    assert (row.kind, row.network_id, row.user_id) == (FeedKind.NETWORK, network.id, None)

    newer, _ = create(client, "network", f"/natverk/{network.id}/kalender")
    assert fetch(client, token).status_code == 404 and fetch(client, newer).status_code == 200
    client.post(f"/natverk/{network.id}/kalender", data={"kind": "network", "action": "aterkalla"})
    assert fetch(client, newer).status_code == 404


def test_a_network_page_refuses_other_kinds_and_unknown_networks(client, login_as, factories):
    network = factories.network()
    db.session.commit()
    login_as("organizer")
    assert client.post(f"/natverk/{network.id}/kalender", data={"kind": "team", "action": "skapa"}).status_code == 403
    assert client.get(f"/natverk/{network.id + 1000}/kalender").status_code == 404
    assert db.session.scalar(select(FeedToken)) is None
