"""The event flow in a real browser: an organizer creates a series for a network and invites its members, an
invitee answers "ja" from the link on a phone, and the organizer marks attendance on the phone at the door.

Every page of the flow is checked with axe at phone (375 px) and desktop (1280 px) width.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from crm.events.models import Answer, Attendance, Event, Invitation
from crm.events.tokens import token_for
from crm.extensions import db
from crm.timeutil import local, utcnow
from tests.browser.test_accessibility import blocking_violations, describe


def assert_accessible(page: Page) -> None:
    page.wait_for_load_state("load")
    violations = blocking_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"


def assert_fits_the_screen(page: Page) -> None:
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"] == page.viewport_size["width"], (page.url, widths)


def test_organizer_invites_a_network_and_marks_attendance_on_a_phone(new_page, users, factories, log_in):
    network = factories.network(name="Kvinnliga företagare i Åbyvik")
    members = [
        factories.member(network, factories.contact(factories.company(name=f"{name} AB"), name=name)).contact
        for name in ("Amira Hassan", "Birgitta Lund", "Cecilia Ström")
    ]
    db.session.commit()
    first_day = (local(utcnow()) + timedelta(days=2)).date()
    last_day = first_day + timedelta(days=20)

    organizer = new_page("desktop")
    log_in(organizer, users["organizer"])
    organizer.get_by_role("link", name="Evenemang", exact=True).click()
    expect(organizer.get_by_role("heading", level=1)).to_have_text("Evenemang")
    assert_accessible(organizer)

    organizer.get_by_role("link", name="Ny serie av träffar").click()
    organizer.get_by_label("Rubrik", exact=True).fill("Frukostträff för kvinnliga företagare")
    organizer.get_by_label("Nätverk", exact=True).select_option(label=network.name)
    organizer.get_by_label("Varje eller varannan vecka").check()
    organizer.get_by_label("Veckodag").select_option(str(first_day.weekday()))
    organizer.get_by_label("Antal veckor mellan träffarna").fill("1")
    organizer.get_by_label("Första dag").fill(first_day.isoformat())
    organizer.get_by_label("Sista dag").fill(last_day.isoformat())
    organizer.get_by_label("Starttid").fill("07:30")
    organizer.get_by_label("Sluttid").fill("09:00")
    organizer.get_by_label("Plats", exact=True).fill("Näringslivshuset, Storgatan 1")
    organizer.get_by_role("button", name="Visa datumen").click()

    expect(organizer.get_by_role("heading", name="3 träffar")).to_be_visible()
    expect(organizer.locator(".series-dates li")).to_have_count(3)
    expect(organizer.locator(".series-dates")).to_contain_text(f"{first_day.isoformat()} 07:30–09:00")
    assert_accessible(organizer)
    for box in organizer.locator(".series-dates input[type=checkbox]").all():
        box.check()  # a public holiday among the dates starts unticked
    organizer.get_by_role("button", name="Skapa de markerade träffarna").click()

    expect(organizer.get_by_text("3 träffar är skapade.")).to_be_visible()
    expect(organizer.get_by_role("heading", level=1)).to_have_text("Frukostträff för kvinnliga företagare")
    events = list(db.session.scalars(select(Event).order_by(Event.starts_at)))
    assert len(events) == 3 and len({event.uid for event in events}) == 3
    first = events[0]
    assert organizer.url.endswith(f"/evenemang/{first.id}")

    organizer.get_by_role("link", name="Bjud in", exact=True).click()
    expect(organizer.get_by_role("heading", level=1)).to_have_text("Bjud in till träffen")
    assert_accessible(organizer)
    organizer.locator("section.invite-source").first.get_by_role("button", name="Visa vilka som bjuds in").click()
    for member in members:
        expect(organizer.get_by_role("checkbox", name=re.compile(member.name))).to_be_checked()
    assert_accessible(organizer)
    organizer.get_by_role("button", name="Skicka 3 inbjudningar").click()
    expect(organizer.get_by_text("3 inbjudningar har lagts i utkorgen")).to_be_visible()
    assert_accessible(organizer)

    db.session.expire_all()
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.event_id == first.id, Invitation.contact_id == members[0].id)
    )
    assert invitation is not None and invitation.invited_at is not None

    invitee = new_page("phone")
    invitee.goto(f"/svar/{token_for(invitation)}")
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Frukostträff för kvinnliga företagare")
    invitee.get_by_label("Ja, jag kommer").check()
    invitee.get_by_role("button", name="Skicka svar").click()
    expect(invitee.locator("body")).not_to_contain_text("Välj ett svar.")
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).answer == Answer.YES

    door = new_page("phone")
    log_in(door, users["organizer"])
    door.goto("/evenemang/")
    assert_accessible(door)
    assert_fits_the_screen(door)
    door.goto(f"/evenemang/{first.id}")
    expect(door.get_by_role("heading", level=1)).to_have_text("Frukostträff för kvinnliga företagare")
    assert_accessible(door)
    assert_fits_the_screen(door)
    door.goto(f"/evenemang/{first.id}/bjud-in")
    assert_accessible(door)
    assert_fits_the_screen(door)

    door.goto(f"/evenemang/{first.id}/narvaro")
    expect(door.get_by_role("heading", level=1)).to_have_text("Närvaro")
    assert_accessible(door)
    assert_fits_the_screen(door)
    present = door.get_by_role("button", name=f"Närvarande: {members[0].name}")
    box = present.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 200, box
    present.click()

    expect(door).to_have_url(re.compile(rf"/evenemang/{first.id}/narvaro#deltagare-{invitation.id}$"))
    expect(door.get_by_role("button", name=re.compile(f"Ångra närvaro för {members[0].name}"))).to_be_visible()
    expect(door.get_by_role("status").filter(has_text="Närvarande: 1")).to_be_visible()
    assert_accessible(door)
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).attendance == Attendance.ATTENDED

    door.get_by_label("Sök namn eller e-post").fill("Birgitta")
    door.get_by_role("button", name="Sök", exact=True).click()
    expect(door.locator(".attendance-name")).to_have_text(["Birgitta Lund"])
    assert_accessible(door)

    organizer.goto(f"/evenemang/{first.id}/narvaro")
    assert_accessible(organizer)


def test_organizer_pages_and_filters_a_long_invitee_list_on_a_phone(new_page, users, factories, log_in):
    event = factories.event(start=(local(utcnow()) + timedelta(days=3)).replace(tzinfo=None, hour=7, minute=30))
    answers = [Answer.YES, Answer.NO, Answer.MAYBE, None]
    for n in range(60):
        factories.invitation(event, factories.contact(factories.company(name=f"Företag {n:02d} AB"),
                                                      name=f"Gäst Nummer{n:02d}"), answer=answers[n % 4])
    db.session.commit()

    door = new_page("phone")
    log_in(door, users["organizer"])
    door.goto(f"/evenemang/{event.id}")
    invitees = door.locator("table.event-invitees tbody tr")
    expect(invitees).to_have_count(50)
    expect(door.get_by_text("Visar 1–50 av 60")).to_be_visible()
    assert_accessible(door)
    assert_fits_the_screen(door)

    door.get_by_role("link", name="Nästa").click()
    expect(invitees).to_have_count(10)
    expect(door).to_have_url(re.compile(rf"/evenemang/{event.id}\?page=2#inbjudna$"))

    door.get_by_label("Filtrera på svar").select_option("ej-svarat")
    door.get_by_label("Sök namn eller e-post").fill("nummer1")
    door.get_by_role("button", name="Visa", exact=True).click()
    expect(door.locator("table.event-invitees tbody td[data-label='Namn']")).to_have_text(
        ["Gäst Nummer11", "Gäst Nummer15", "Gäst Nummer19"])
    expect(door.locator(".event-counts")).to_contain_text("60")
    assert_accessible(door)
    assert_fits_the_screen(door)

    door.get_by_role("link", name="Återkalla inbjudan till Gäst Nummer15").click()
    door.get_by_role("button", name="Återkalla inbjudan").click()
    expect(door.locator("table.event-invitees tbody td[data-label='Namn']")).to_have_text(
        ["Gäst Nummer11", "Gäst Nummer19"])
    assert door.url.endswith(f"/evenemang/{event.id}?svar=ej-svarat&q=nummer1#inbjudna")
