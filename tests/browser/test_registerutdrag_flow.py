"""The registerutdrag in a real browser at 375 px and 1280 px: the page with its sections and the notes to review,
registering a request (an error next to the field first, then saved), the due date on the register of requests;
axe finds nothing on any page and a phone never scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from crm.events.models import Answer
from crm.extensions import db
from crm.privacy.models import AccessRequest, IdentityCheck
from crm.privacy.services import due_on
from crm.timeutil import stockholm_today
from tests.browser.test_accessibility import blocking_violations, describe

NAME = "Märta Lindqvist"


def checked(page: Page, width: int) -> None:
    page.wait_for_load_state("load")
    violations = blocking_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"] == width, (page.url, widths)


@pytest.fixture
def person(factories):
    staff = factories.user(role="staff", name="Handläggare Hansson")
    company = factories.company(name="Lindqvists Snickeri och Trädgårdsanläggningar i Södra Porten AB")
    contact = factories.contact(company, name=NAME, email="marta.lindqvist.med.en.lang.adress@snickeri.example",
                                phone="070-111 22 33")
    factories.interaction(company, author=staff, contacts=[contact],
                          note="Ett långt möte om lokaler, kompetensförsörjning och en ny verkstad i Södra Porten. "
                               "Märta vill ha besök igen till våren.", final=True)
    factories.booked_visit(company, contacts=[contact], summary="Bra samtal.")
    factories.interaction(factories.company(name="Annat AB"), note=f"Nämnde {NAME} vid lunchen.")
    event = factories.event(title="Frukost om kompetensförsörjning")
    factories.invitation(event, contact, answer=Answer.YES)
    db.session.commit()
    return contact


@pytest.mark.parametrize(("device", "width"), [("phone", 375), ("desktop", 1280)])
def test_the_registerutdrag_and_a_request(new_page, users, log_in, person, device, width):
    page = new_page(device)
    log_in(page, users["staff"])
    page.goto(f"/kontaktpersoner/{person.id}")
    page.get_by_role("main").get_by_role("link", name="Registerutdrag", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Registerutdrag för {NAME}")
    expect(page.get_by_role("heading", name="Anteckningar från möten")).to_be_visible()
    expect(page.get_by_text("Nämnde Märta Lindqvist vid lunchen.")).to_be_visible()
    expect(page.get_by_role("checkbox")).to_have_count(1)
    checked(page, width)

    page.get_by_label("Begäran kom in").fill((stockholm_today() + timedelta(days=2)).isoformat())
    page.get_by_label("Så kontrollerades identiteten").select_option(IdentityCheck.E_ID.value)
    page.get_by_role("button", name="Registrera begäran").click()
    expect(page.locator("#received_on-error")).to_contain_text("kan inte vara senare än i dag")
    checked(page, width)

    received = stockholm_today() - timedelta(days=2)
    page.get_by_label("Begäran kom in").fill(received.isoformat())
    page.get_by_label("Anteckning om identitetskontrollen").fill("BankID")
    page.get_by_role("button", name="Registrera begäran").click()
    expect(page.get_by_text("Begäran är registrerad.")).to_be_visible()
    expect(page.get_by_role("button", name="Markera som levererad")).to_be_visible()
    checked(page, width)
    row = db.session.execute(select(AccessRequest)).scalar_one()
    assert (row.contact_id, row.received_on, row.identity_note) == (person.id, received, "BankID")

    page.goto("/registerutdrag/")
    expect(page.get_by_role("link", name=NAME)).to_be_visible()
    expect(page.get_by_text(due_on(received).isoformat())).to_be_visible()
    checked(page, width)
