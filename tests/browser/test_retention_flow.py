"""The gallring page in a real browser, on a phone (375 px) and a desktop (1280 px): an admin sees the
proposal with its sample, gets a clear message next to a bad period in the plan, and approves the
gallring; each state of the page passes axe and fits the screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from crm.companies.models import ContactPerson
from crm.extensions import db
from crm.retention import proposals
from crm.retention.models import ProposalStatus, RetentionProposal
from crm.timeutil import utcnow
from tests.browser.test_accessibility import blocking_violations, describe

WIDTHS = {"phone": 375, "desktop": 1280}


def fits_and_passes_axe(page: Page, width: int) -> None:
    page.wait_for_load_state("load")
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"] == width, (page.url, widths)
    violations = blocking_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"


@pytest.fixture
def proposal(factories):
    for n in range(6):
        factories.contact(name=f"Gammal Kontakt {n}", email=f"gammal{n}@privat.example")
    long_ago = utcnow() - timedelta(days=4 * 366)
    db.session.execute(update(ContactPerson).values(created_at=long_ago, updated_at=long_ago))
    made = proposals.make_proposal(utcnow())
    db.session.commit()
    return made


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_an_admin_approves_the_gallring(new_page, log_in, users, proposal, device):
    page = new_page(device)
    width = WIDTHS[device]
    log_in(page, users["admin"])
    page.goto("/admin/gallring/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gallring enligt gallringsplanen")
    table = page.get_by_role("table", name="Förslag till gallring, per slag av uppgifter")
    expect(table).to_contain_text("Gammal Kontakt 0")
    expect(table).to_contain_text("och 1 till")
    fits_and_passes_axe(page, width)

    # A bad period: the message is next to the field, and the page still passes.
    page.get_by_label("Antal år efter senaste aktivitet").first.fill("tre")
    page.get_by_role("button", name="Spara planen").click()
    expect(page.locator("#companies_amount-error")).to_have_text("Fel: Skriv ett heltal, till exempel 12.")
    expect(page.get_by_label("Antal år efter senaste aktivitet").first).to_have_attribute("aria-invalid", "true")
    fits_and_passes_axe(page, width)

    page.get_by_role("button", name="Godkänn gallring").click()
    expect(page.get_by_text("Gallringen är godkänd. Den görs i natt.")).to_be_visible()
    expect(page.get_by_text("Godkänt, gallras i natt")).to_be_visible()
    expect(page.get_by_role("button", name="Godkänn gallring")).to_have_count(0)
    fits_and_passes_axe(page, width)

    db.session.expire_all()
    approved = db.session.get(RetentionProposal, proposal.id)
    assert approved.status == ProposalStatus.APPROVED and approved.approved_by_id == users["admin"].id
