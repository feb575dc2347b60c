"""Each network's figures: members today, events held and average attendance per held event, on list and page."""

from __future__ import annotations

from datetime import timedelta

from crm.events.models import Answer, Attendance, EventStatus
from crm.extensions import db
from crm.networks import services
from crm.timeutil import local, stockholm_today
from tests.networks.helpers import held_event, section, stockholm_wall_clock


def test_figures_count_members_now_held_events_and_attendance(app, factories):
    today = stockholm_today()
    network, quiet = factories.network(), factories.network()
    factories.member(network, starts_on=today - timedelta(days=300))
    factories.member(network, starts_on=today - timedelta(days=300), ends_on=today)  # last day today: counts
    factories.member(network, starts_on=today - timedelta(days=300), ends_on=today - timedelta(days=1))
    factories.member(network, starts_on=today + timedelta(days=1))  # not yet
    held_event(factories, network, days_ago=60, attended=4, no_shows=2)
    held_event(factories, network, days_ago=30, attended=3, no_shows=1)
    cancelled = factories.event(network_id=network.id, status=EventStatus.CANCELLED, start=stockholm_wall_clock(-10))
    factories.invitation(cancelled, attendance=Attendance.ATTENDED)
    factories.event(network_id=network.id, start=stockholm_wall_clock(20))  # planned: not held
    held_event(factories, None, days_ago=5, attended=9)  # no network

    figures = services.figures([network.id, quiet.id], today)
    assert figures[network.id] == services.NetworkFigures(members=2, events_held=2, average_attendance=3.5)
    assert figures[quiet.id] == services.NetworkFigures(members=0, events_held=0, average_attendance=None)


def test_the_list_and_the_page_show_the_figures(client, login_as, factories):
    login_as("staff")
    today = stockholm_today()
    network = factories.network(name="Branschrådet Logistik")
    for _ in range(3):
        factories.member(network, starts_on=today - timedelta(days=100))
    held_event(factories, network, days_ago=40, attended=2)
    held_event(factories, network, days_ago=20, attended=3, no_shows=4)
    db.session.commit()

    listing = client.get("/natverk/").get_data(as_text=True)
    row = listing.split("Branschrådet Logistik", 1)[1].split("</tr>", 1)[0]
    cells = [cell.split(">", 1)[1] for cell in row.split("</td>")[3:6]]
    assert cells == ["3", "2", "2,5"]

    page = client.get(f"/natverk/{network.id}").get_data(as_text=True)
    figures = section(page, "I siffror")
    assert '<span class="card-figure">3</span>medlemmar i dag' in figures
    assert '<span class="card-figure">2</span>genomförda träffar' in figures
    assert '<span class="card-figure">2,5</span>' in figures


def test_the_page_lists_upcoming_and_past_events(client, login_as, factories):
    login_as("organizer")
    network = factories.network()
    soon = factories.event(network_id=network.id, title="Frukost i december", start=stockholm_wall_clock(10))
    past = held_event(factories, network, days_ago=15, attended=6, title="Frukost i november")
    factories.invitation(past, answer=Answer.YES, attendance=Attendance.NO_SHOW)
    factories.event(title="Någon annans träff", start=stockholm_wall_clock(5))
    db.session.commit()

    page = client.get(f"/natverk/{network.id}").get_data(as_text=True)
    upcoming, earlier = section(page, "Kommande träffar"), section(page, "Tidigare träffar")
    assert "Frukost i december" in upcoming and "planerad" in upcoming and "Frukost i november" not in upcoming
    assert "Frukost i november" in earlier and "genomförd" in earlier and "6 närvarade" in earlier
    assert "Någon annans träff" not in page
    assert f"v. {local(soon.starts_at).isocalendar().week}" in upcoming, "upcoming events show the week"


def test_an_event_link_appears_once_the_events_pages_exist(app, client, login_as, factories):
    """The page links `events.show` when that endpoint is served, and shows plain text before."""
    from crm.events.participation import event_page_url

    login_as("staff")
    network = factories.network()
    event = factories.event(network_id=network.id, title="Temamöte om kompetens", start=stockholm_wall_clock(3))
    db.session.commit()
    with app.test_request_context():
        url = event_page_url(event.id)
    html = client.get(f"/natverk/{network.id}").get_data(as_text=True)
    if "events.show" in app.view_functions:
        assert url and f'href="{url}">Temamöte om kompetens</a>' in html
    else:
        assert url is None and "Temamöte om kompetens" in html and ">Temamöte om kompetens</a>" not in html


def test_members_starting_later_are_listed_and_marked(client, login_as, factories):
    login_as("staff")
    network = factories.network()
    contact = factories.contact(name="Gustav Senare")
    factories.member(network, contact, starts_on=stockholm_today() + timedelta(days=14))
    db.session.commit()
    members = section(client.get(f"/natverk/{network.id}").get_data(as_text=True), "Medlemmar")
    assert "Gustav Senare" in members and "ännu inte" in members
