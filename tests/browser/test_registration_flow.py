"""Open registration in a real browser on a phone (375 px), without JavaScript: sign up on `/anmalan/<slug>`,
take the confirmation mail from a real SMTP server, follow its link, confirm with the button, land on the
guest's own RSVP page; a full event gives a place on the waiting list and says so. Each public page passes
axe on a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from crm.events import registration as service
from crm.events.models import Answer, Invitation
from crm.events.registration_models import Registration
from crm.extensions import db
from crm.mail.delivery import deliver_due
from crm.timeutil import STOCKHOLM
from tests.browser.test_accessibility import blocking_violations, describe
from tests.support.smtpserver import smtp  # noqa: F401  (a fixture)

TITLE = "Frukostmöte om kompetensförsörjning i Södra Porten"


def _start(days: int) -> datetime:
    day = datetime.now(UTC).astimezone(STOCKHOLM).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, 7, 30)


@pytest.fixture
def event(factories):
    event = factories.event(title=TITLE, start=_start(12), capacity=1, place="Stadshuset, Stora salen",
                            registration_deadline=datetime.now(UTC) + timedelta(days=5))
    service.save_page(event, "frukost-sodra-porten", True)
    db.session.commit()
    return event


def fits_the_screen(page: Page) -> None:
    page.wait_for_load_state("load")  # measured with the stylesheet applied, not before it has arrived
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"] == page.viewport_size["width"] == 375, (page.url, widths)


def accessible(page: Page) -> None:
    page.wait_for_load_state("load")
    violations = blocking_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"


def sign_up(page: Page, name: str, email: str) -> None:
    page.goto("/anmalan/frukost-sodra-porten")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    fits_the_screen(page)
    page.get_by_label("Namn", exact=True).fill(name)
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Företag eller organisation (frivilligt)").fill("Verkstaden i Åbyvik AB")
    page.get_by_role("button", name="Anmäl mig").click()
    expect(page.get_by_role("heading", name="Titta i din e-post")).to_be_visible()
    fits_the_screen(page)


def confirmation_path(smtp, email: str) -> str:  # noqa: F811
    deliver_due()
    mail = next(m.message for m in smtp.messages if email in m.rcpt_tos)
    assert "Bekräfta din anmälan" in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()
    return re.sub(r"^https?://[^/]+", "", re.search(r"https?://\S+/anmalan/bekrafta/\S+", text).group(0))


def confirm(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.get_by_role("button", name="Bekräfta anmälan")).to_be_visible()
    fits_the_screen(page)
    page.get_by_role("button", name="Bekräfta anmälan").click()


def test_register_confirm_by_mail_and_land_on_the_rsvp_page_then_a_full_event_waitlists(
        new_page, event, smtp):  # noqa: F811
    page = new_page("phone", java_script_enabled=False)
    assert page.viewport_size["width"] == 375

    sign_up(page, "Åsa Öberg", "asa@verkstaden.example")
    path = confirmation_path(smtp, "asa@verkstaden.example")
    page.goto(path)  # a GET (a mail scanner's, say) registers nothing
    db.session.expire_all()
    assert db.session.scalars(select(Registration)).one().confirmed_at is None
    confirm(page, path)
    expect(page.get_by_text("Tack! Din anmälan är bekräftad och du har en plats.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("Du är anmäld.")).to_be_visible()
    assert "/svar/" in page.url
    fits_the_screen(page)

    # the only place is taken: the next guest is told so, and gets a place on the waiting list
    other = new_page("phone", java_script_enabled=False)
    other.goto("/anmalan/frukost-sodra-porten")
    expect(other.get_by_text("Träffen är fullbokad.", exact=False)).to_be_visible()
    sign_up(other, "Bo Ek", "bo@example.se")
    confirm(other, confirmation_path(smtp, "bo@example.se"))
    expect(other.get_by_text("Du står på väntelistan som nummer 1", exact=False).first).to_be_visible()
    assert "/svar/" in other.url

    db.session.expire_all()
    guests = {i.email: i for i in db.session.scalars(select(Invitation).where(Invitation.event_id == event.id))}
    assert guests["asa@verkstaden.example"].has_place
    assert guests["bo@example.se"].answer == Answer.YES and guests["bo@example.se"].waitlisted_at is not None


def test_the_public_registration_pages_pass_axe_on_a_phone(new_page, event, smtp):  # noqa: F811
    page = new_page("phone")
    page.goto("/anmalan/frukost-sodra-porten")
    assert page.locator("html").get_attribute("lang") == "sv"
    accessible(page)
    page.get_by_role("button", name="Anmäl mig").click()  # the error state
    expect(page.get_by_role("alert")).to_contain_text("Fyll i ditt namn.")
    accessible(page)
    sign_up(page, "Åsa Öberg", "asa@verkstaden.example")
    accessible(page)
    page.goto(confirmation_path(smtp, "asa@verkstaden.example"))
    accessible(page)
