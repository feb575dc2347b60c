"""The answer page in a real browser on a phone (375 px): axe-core, layout, and answering without JavaScript."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from crm.events.models import Answer, Invitation
from crm.events.tokens import token_for
from crm.extensions import db
from crm.timeutil import STOCKHOLM
from tests.browser.test_accessibility import blocking_violations, describe


def _start(days: int) -> datetime:
    day = datetime.now(UTC).astimezone(STOCKHOLM).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, 7, 30)


@pytest.fixture
def invitation(factories) -> Invitation:
    event = factories.event(
        title="Frukostmöte om kompetensförsörjning och lokaler i Södra Porten", start=_start(12), capacity=30,
        place="Stadshuset, Stora salen, Alfred Nobels allé 10", asks_dietary=True,
        description="Kaffe och smörgås från 07.15. Vi pratar om rekrytering, praktikplatser och lediga lokaler.",
        registration_deadline=datetime.now(UTC) + timedelta(days=5),
    )
    invitation = factories.invitation(event, factories.contact(name="Åsa Öberg"))
    db.session.commit()
    return invitation


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"] == page.viewport_size["width"], widths


def test_the_answer_page_passes_axe_on_a_phone(new_page, invitation):
    page = new_page("phone")
    page.goto(f"/svar/{token_for(invitation)}?svar=ja")
    expect(page.get_by_role("heading", level=1)).to_have_text(invitation.event.title)
    page.wait_for_load_state("load")
    assert page.viewport_size["width"] == 375

    assert page.locator("html").get_attribute("lang") == "sv"
    expect(page.get_by_role("radio", name="Ja, jag kommer")).to_be_checked()
    expect(page.get_by_role("group", name="Kommer du?")).to_be_visible()
    expect(page.get_by_role("group", name="Specialkost eller allergi")).to_be_visible()
    violations = blocking_violations(page)
    assert not violations, describe(violations)
    no_horizontal_scroll(page)


def test_the_error_state_passes_axe_on_a_phone(new_page, invitation):
    page = new_page("phone")  # axe needs JavaScript; the page itself has none (the form is novalidate)
    page.goto(f"/svar/{token_for(invitation)}")
    page.get_by_role("button", name="Skicka svar").click()

    expect(page.get_by_role("alert")).to_contain_text("Välj ett svar.")
    expect(page.locator("#answer-error")).to_contain_text("Välj ett svar.")
    violations = blocking_violations(page)
    assert not violations, describe(violations)
    no_horizontal_scroll(page)


def test_answering_works_without_javascript(new_page, invitation):
    page = new_page("phone", java_script_enabled=False)
    page.goto(f"/svar/{token_for(invitation)}")

    page.get_by_text("Ja, jag kommer").click()
    page.get_by_text("Glutenfri").click()
    page.get_by_label("Beskriv annan specialkost eller allergi").fill("Selleri")
    page.get_by_role("button", name="Skicka svar").click()

    expect(page.get_by_role("status").first).to_contain_text("Tack! Du är anmäld.")
    expect(page.locator("#rsvp-status")).to_have_text("Du är anmäld.")
    db.session.expire_all()
    saved = db.session.get(Invitation, invitation.id)
    assert saved.answer == Answer.YES and saved.dietary_need.categories == "glutenfri"
    assert saved.dietary_need.other == "Selleri"


def test_the_calendar_link_page_passes_axe_on_a_phone(new_page, users, log_in):
    page = new_page("phone")
    log_in(page, users["staff"])
    page.goto("/konto/kalender")
    page.get_by_role("button", name="Skapa länk").first.click()

    expect(page.get_by_label("Adress att prenumerera på")).to_have_value(re.compile(r"/kalender/[\w-]{43}\.ics$"))
    expect(page.get_by_role("link", name="Öppna i kalenderprogrammet (webcal)")).to_have_attribute(
        "href", re.compile(r"^webcal://"))
    page.wait_for_load_state("load")
    violations = blocking_violations(page)
    assert not violations, describe(violations)
    no_horizontal_scroll(page)


def _within_first_screen(page: Page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


def test_on_a_phone_the_preselected_answer_and_the_send_button_are_on_the_first_screen(new_page, invitation):
    page = new_page("phone")
    page.goto(f"/svar/{token_for(invitation)}?svar=ja")
    page.wait_for_load_state("load")

    yes = page.get_by_role("radio", name="Ja, jag kommer")
    expect(yes).to_be_checked()
    send = page.get_by_role("button", name="Skicka svar")
    for what, locator in (("the status", page.locator("#rsvp-status")), ("the chosen answer", yes),
                          ("the send button", send)):
        assert _within_first_screen(page, locator), f"{what} is below the first screen at 375 x 812"
    # The optional dietary details come after the button, as a second step.
    dietary = page.get_by_role("group", name="Specialkost eller allergi")
    assert dietary.bounding_box()["y"] > send.bounding_box()["y"]
    assert invitation.answer is None, "opening the link answers nothing"
