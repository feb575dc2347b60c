"""The attendance page at the door: marking, undoing, walk-ins and closing with no-shows."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from crm.companies.models import CompanyContact, ContactPerson
from crm.events.models import Answer, Attendance, EventStatus, Invitation
from crm.extensions import db
from crm.timeutil import local, utcnow
from tests.events.helpers import error_next_to, fresh_event, fresh_invitation


def _now_event(factories, **fields):
    """An event that began ten minutes ago."""
    start = (local(utcnow()).replace(tzinfo=None) - timedelta(minutes=10)).replace(second=0, microsecond=0)
    return factories.event(start=start, status=EventStatus.INVITED, **fields)


def _rows(html: str) -> list[str]:
    return re.findall(r'<span class="attendance-name">([^<]+)</span>', html)


def test_the_list_shows_those_with_a_place_and_maybe(client, login_as, factories):
    login_as("organizer")
    event = _now_event(factories)
    factories.invitation(event, factories.contact(name="Ja Jansson"), answer=Answer.YES)
    factories.invitation(event, factories.contact(name="Kanske Karlsson"), answer=Answer.MAYBE)
    factories.invitation(event, factories.contact(name="Nej Nilsson"), answer=Answer.NO)
    factories.invitation(event, factories.contact(name="Tyst Tysk"))
    factories.invitation(event, factories.contact(name="Kö Kvist"), answer=Answer.YES, waitlisted_at=utcnow())
    db.session.commit()

    html = client.get(f"/evenemang/{event.id}/narvaro").get_data(as_text=True)
    assert _rows(html) == ["Ja Jansson", "Kanske Karlsson"]
    assert html.count(">Närvarande</button>") == 2

    searched = client.get(f"/evenemang/{event.id}/narvaro?q=nilsson").get_data(as_text=True)
    assert _rows(searched) == ["Nej Nilsson"]


def test_marking_and_undoing_returns_to_the_same_row(client, login_as, factories):
    login_as("organizer")
    event = _now_event(factories)
    invitation = factories.invitation(event, answer=Answer.YES)
    db.session.commit()

    response = client.post(f"/evenemang/{event.id}/narvaro/{invitation.id}", data={"narvaro": "narvarande", "q": "kon"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/evenemang/{event.id}/narvaro?q=kon#deltagare-{invitation.id}")
    assert fresh_invitation(invitation).attendance == Attendance.ATTENDED
    assert fresh_event(event).status == EventStatus.HELD
    html = client.get(f"/evenemang/{event.id}/narvaro").get_data(as_text=True)
    assert 'value="angra"' in html and "Närvarande: 1" in html

    client.post(f"/evenemang/{event.id}/narvaro/{invitation.id}", data={"narvaro": "angra"})
    assert fresh_invitation(invitation).attendance is None


def test_a_mark_for_another_events_invitation_is_not_found(client, login_as, factories):
    login_as("organizer")
    event, other = _now_event(factories), _now_event(factories)
    invitation = factories.invitation(other, answer=Answer.YES)
    db.session.commit()
    assert client.post(f"/evenemang/{event.id}/narvaro/{invitation.id}", data={"narvaro": "narvarande"}).status_code \
        == 404


def test_a_walk_in_becomes_a_contact_and_is_marked_present(client, login_as, factories):
    login_as("organizer")
    event = _now_event(factories)
    company = factories.company(name="Järna Snickeri AB")
    db.session.commit()

    response = client.post(f"/evenemang/{event.id}/narvaro/ny", data={
        "name": "Lisa Lind", "email": "Lisa.Lind@snickeri.example", "company": "järna snickeri"})

    assert response.status_code == 302
    contact = db.session.scalar(select(ContactPerson).where(ContactPerson.email == "lisa.lind@snickeri.example"))
    assert contact is not None and contact.name == "Lisa Lind"
    assert db.session.scalar(select(CompanyContact.company_id).where(CompanyContact.contact_id == contact.id)) \
        == company.id
    invitation = db.session.scalar(select(Invitation).where(Invitation.contact_id == contact.id))
    assert invitation.walk_in and invitation.attendance == Attendance.ATTENDED and invitation.invited_at is None
    assert response.headers["Location"].endswith(f"#deltagare-{invitation.id}")
    html = client.get(f"/evenemang/{event.id}/narvaro").get_data(as_text=True)
    assert "Lisa Lind" in _rows(html) and "Kom utan inbjudan" in html


def test_a_walk_in_with_a_known_address_uses_that_contact(client, login_as, factories):
    login_as("staff")
    event = _now_event(factories)
    known = factories.contact(name="Mats Malm", email="mats@malm.example")
    db.session.commit()
    client.post(f"/evenemang/{event.id}/narvaro/ny", data={"name": "Mats", "email": "MATS@malm.example"})
    assert db.session.scalar(select(func.count()).select_from(ContactPerson)) == 1
    invitation = db.session.scalar(select(Invitation).where(Invitation.contact_id == known.id))
    assert invitation.attendance == Attendance.ATTENDED


def test_walk_in_errors_are_shown_next_to_the_fields(client, login_as, factories):
    login_as("organizer")
    event = _now_event(factories)
    factories.company(name="Dubblett AB")
    factories.company(name="Dubblett AB")
    db.session.commit()
    html = client.post(f"/evenemang/{event.id}/narvaro/ny", data={"name": "", "email": "inte-en-adress"}).get_data(
        as_text=True)
    assert "Fyll i namnet." in error_next_to(html, "name")
    assert "giltig e-postadress" in error_next_to(html, "email")
    html = client.post(f"/evenemang/{event.id}/narvaro/ny", data={"name": "Nora", "company": "Finns Inte AB"}).get_data(
        as_text=True)
    assert "Hittade inget företag" in error_next_to(html, "company")
    html = client.post(f"/evenemang/{event.id}/narvaro/ny", data={"name": "Nora", "company": "Dubblett"}).get_data(
        as_text=True)
    assert "organisationsnumret" in error_next_to(html, "company")
    assert db.session.scalar(select(func.count()).select_from(ContactPerson)) == 0


def test_closing_marks_the_no_shows(client, login_as, factories):
    login_as("organizer")
    event = _now_event(factories)
    came = factories.invitation(event, answer=Answer.YES, attendance=Attendance.ATTENDED)
    stayed_away = factories.invitation(event, answer=Answer.YES)
    maybe = factories.invitation(event, answer=Answer.MAYBE)
    declined = factories.invitation(event, answer=Answer.NO)
    db.session.commit()

    response = client.post(f"/evenemang/{event.id}/narvaro/avsluta", follow_redirects=True)

    assert "1 markerades som utebliven" in response.get_data(as_text=True)
    assert fresh_invitation(came).attendance == Attendance.ATTENDED
    assert fresh_invitation(stayed_away).attendance == Attendance.NO_SHOW
    assert fresh_invitation(maybe).attendance is None and fresh_invitation(declined).attendance is None
    assert fresh_event(event).status == EventStatus.HELD
    page = client.get(f"/evenemang/{event.id}").get_data(as_text=True)
    assert re.search(r"<dt>Uteblev</dt><dd>1</dd>", page) and re.search(r"<dt>Närvarade</dt><dd>1</dd>", page)


def test_attendance_cannot_be_closed_before_the_start(client, login_as, factories):
    login_as("organizer")
    event = factories.event(start=datetime.now() + timedelta(days=2))
    invitation = factories.invitation(event, answer=Answer.YES)
    db.session.commit()
    html = client.get(f"/evenemang/{event.id}/narvaro").get_data(as_text=True)
    assert "Närvaron kan avslutas när träffen har börjat." in html
    response = client.post(f"/evenemang/{event.id}/narvaro/avsluta", follow_redirects=True)
    assert "Närvaron kan avslutas först när träffen har börjat." in response.get_data(as_text=True)
    assert fresh_invitation(invitation).attendance is None
    assert fresh_event(event).status == EventStatus.PLANNED
