"""The event list, the event page (answers, dietary counts, the series), the .ics download and who may see them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from crm.events import services
from crm.events.models import Answer, Attendance, EventKind, EventSeries, EventStatus
from crm.extensions import db
from crm.timeutil import local, utcnow


def _soon(days: int, hour: int = 7, minute: int = 30) -> datetime:
    """A Stockholm wall-clock time `days` from today."""
    return (local(utcnow()) + timedelta(days=days)).replace(tzinfo=None, hour=hour, minute=minute, second=0,
                                                             microsecond=0)


def _section(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_the_list_shows_upcoming_events_with_their_answers(client, login_as, factories):
    login_as("organizer")
    network = factories.network(name="Företagarfrukost")
    start = _soon(12)
    event = factories.event(start=start, title="Frukost om el", network=network, status=EventStatus.INVITED)
    factories.invitation(event, answer=Answer.YES)
    factories.invitation(event, answer=Answer.YES, waitlisted_at=utcnow())
    factories.invitation(event, answer=Answer.MAYBE)
    factories.invitation(event)
    factories.invitation(event, uninvited_at=utcnow())
    factories.event(start=_soon(-3), title="Förra veckans träff", status=EventStatus.HELD)
    db.session.commit()

    html = client.get("/evenemang/").get_data(as_text=True)

    row = _section(html, "<tbody>", "</tbody>")
    assert start.strftime("%Y-%m-%d %H:%M") in row and f"v. {start.isocalendar().week}" in row
    assert "Frukost om el" in row and "Företagarfrukost" in row and "inbjudan skickad" in row
    assert "Ja 1 <span class=\"muted\">(1 i kö)</span> · Kanske 1 · Nej 0 · Inget svar 1" in row
    assert "Förra veckans träff" not in html
    past = client.get("/evenemang/?tid=tidigare").get_data(as_text=True)
    assert "Förra veckans träff" in past and "genomförd" in past and "Frukost om el" not in past


def test_the_list_filters_by_kind_network_and_status(client, login_as, factories):
    login_as("staff")
    network = factories.network()
    factories.event(start=_soon(5), title="Workshop A", kind=EventKind.WORKSHOP, network=network)
    factories.event(start=_soon(6), title="Frukost B")
    factories.event(start=_soon(7), title="Inställd C", status=EventStatus.CANCELLED)
    db.session.commit()

    def titles(query: str) -> set[str]:
        html = client.get(f"/evenemang/?{query}").get_data(as_text=True)
        return set(re.findall(r'<a href="/evenemang/\d+">([^<]+)</a>', html))

    assert titles("") == {"Workshop A", "Frukost B", "Inställd C"}
    assert titles("kind=workshop") == {"Workshop A"}
    assert titles(f"network={network.id}") == {"Workshop A"}
    assert titles("status=installd") == {"Inställd C"}


def test_the_event_page_shows_counts_invitees_and_the_series(client, login_as, factories, users):
    login_as("organizer")
    series = EventSeries(title="Frukost", rule="första fredag varje månad")
    db.session.add(series)
    first = factories.event(start=_soon(3), series=series, title="Frukost", capacity=2)
    second = factories.event(start=_soon(33), series=series, title="Frukost")
    waiting = factories.contact(name="Kalle Kö", company=factories.company(name="Köföretaget AB"))
    factories.invitation(first, factories.contact(name="Ada Ja"), answer=Answer.YES)
    factories.invitation(first, factories.contact(name="Ben Ja"), answer=Answer.YES)
    factories.invitation(first, waiting, answer=Answer.YES, waitlisted_at=utcnow())
    factories.invitation(first, factories.contact(name="Cia Nej"), answer=Answer.NO)
    db.session.commit()

    html = client.get(f"/evenemang/{first.id}").get_data(as_text=True)

    assert "2 av 2 tagna" in html
    assert re.search(r"<dt>Inbjudna</dt><dd>4</dd>", html) and re.search(r"<dt>I kö</dt><dd>1</dd>", html)
    invitees = _section(html, 'class="responsive-table event-invitees"', "</table>")
    assert "Kalle Kö" in invitees and "Köföretaget AB" in invitees and "i kö, plats 1" in invitees
    assert "Uppdatera svaren" in html and f'href="/evenemang/{first.id}#svar"' in html
    siblings = _section(html, 'class="event-siblings"', "</ol>")
    assert f'href="/evenemang/{second.id}"' in siblings and 'aria-current="page"' in siblings
    assert "Flytta denna och resten av serien" in html and "Ställ in denna och resten av serien" in html


def test_dietary_needs_are_shown_as_numbers_never_names(client, login_as, factories):
    login_as("organizer")
    event = factories.event(start=_soon(5), asks_dietary=True)
    wishes = [(["vegetarisk", "glutenfri"], ""), (["vegansk"], ""), ([], "Inga svampar, tack"),
              (["vegetarisk"], "")]
    for n, (categories, other) in enumerate(wishes):
        invitation = factories.invitation(event, factories.contact(name=f"Gäst Nummer{n}"), answer=Answer.YES)
        services.save_dietary(invitation, categories, other)
    declined = factories.invitation(event, factories.contact(name="Nej Tack"), answer=Answer.NO)
    services.save_dietary(declined, ["laktosfri"], "")
    db.session.commit()

    html = client.get(f"/evenemang/{event.id}").get_data(as_text=True)

    table = _section(html, 'class="event-dietary"', "</table>")
    counts = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table))
    assert counts == {"Vegetarisk": "2", "Vegansk": "1", "Glutenfri": "1", "Laktosfri": "0", "Nötallergi": "0",
                      "Annat": "1"}
    dietary = _section(html, "<h3>Specialkost</h3>", 'id="inbjudna"')
    assert "Nummer" not in dietary and "Nej Tack" not in dietary
    assert "svampar" not in html


def test_the_download_is_a_calendar_file_without_attendees(client, login_as, factories):
    login_as("organizer")
    event = factories.event(title="Frukostmöte: Kompetens & rekrytering", start=datetime(2026, 12, 4, 7, 30))
    factories.invitation(event)
    db.session.commit()

    response = client.get(f"/evenemang/{event.id}/kalender.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="frukostmote-kompetens-rekrytering-2026-12-04.ics"')
    body = response.get_data()
    assert b"ATTENDEE" not in body and b"METHOD" not in body and b"\r\n" in body
    calendar = Calendar.from_ical(body)
    assert not calendar.errors
    [item] = calendar.walk("VEVENT")
    assert str(item["UID"]) == event.uid and int(item["SEQUENCE"]) == event.sequence
    assert item.decoded("DTSTART") == event.starts_at
    assert client.get(f"/evenemang/{event.id}/kalender.ics").get_data() == body  # byte-stable


@pytest.mark.parametrize("role", ["admin", "staff", "organizer"])
def test_managers_see_the_events(client, login_as, factories, role):
    login_as(role)
    event = factories.event(start=_soon(2))
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert 'href="/evenemang/"' in home
    for url in ("/evenemang/", f"/evenemang/{event.id}", f"/evenemang/{event.id}/narvaro",
                f"/evenemang/{event.id}/bjud-in", "/evenemang/ny", "/evenemang/ny-serie"):
        assert client.get(url).status_code == 200, url


def test_politicians_are_refused(client, login_as, factories):
    login_as("politician")
    event = factories.event(start=_soon(2))
    invitation = factories.invitation(event, answer=Answer.YES)
    db.session.commit()
    assert 'href="/evenemang/"' not in client.get("/").get_data(as_text=True)
    for url in ("/evenemang/", f"/evenemang/{event.id}", f"/evenemang/{event.id}/kalender.ics",
                f"/evenemang/{event.id}/narvaro", f"/evenemang/{event.id}/bjud-in"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/evenemang/{event.id}/narvaro/{invitation.id}", data={"narvaro": "narvarande"}
                       ).status_code == 403
    assert client.post(f"/evenemang/{event.id}/stall-in").status_code == 403
    db.session.expire_all()
    assert db.session.get(type(event), event.id).status == EventStatus.PLANNED
    assert db.session.get(type(invitation), invitation.id).attendance is None


def test_anonymous_visitors_are_sent_to_log_in(client, factories):
    event = factories.event()
    db.session.commit()
    response = client.get(f"/evenemang/{event.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in")


def test_a_held_event_shows_attendance(client, login_as, factories):
    login_as("staff")
    event = factories.event(start=_soon(-1), status=EventStatus.HELD)
    factories.invitation(event, answer=Answer.YES, attendance=Attendance.ATTENDED)
    db.session.commit()
    html = client.get(f"/evenemang/{event.id}").get_data(as_text=True)
    assert "närvarade" in html and "Bjud in" not in html


def test_the_answer_list_refreshes_with_an_external_script_only(client, login_as, factories):
    login_as("organizer")
    event = factories.event(start=_soon(4))
    db.session.commit()
    html = client.get(f"/evenemang/{event.id}").get_data(as_text=True)
    assert '<script src="/static/js/event-answers.js" defer></script>' in html
    assert "<script>" not in html and "style=" not in html
    script = client.get("/static/js/event-answers.js")
    assert script.status_code == 200 and "svarslista" in script.get_data(as_text=True)
    assert 'id="svarslista"' in html
