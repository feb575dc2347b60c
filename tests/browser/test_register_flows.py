"""The register in a real browser: logging a meeting on a phone, and axe on the register's pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.companies.models import CompanySni
from crm.extensions import db
from crm.meetings.models import Interaction, InteractionKind, NoteStatus
from tests.browser.test_accessibility import blocking_violations, describe


@pytest.fixture
def company(factories, users):
    company = factories.company(name="Hamnkrogen i Åbyvik AB", district="Hamnen", owner=users["staff"])
    company.sni_codes = [CompanySni(code="56101")]
    factories.contact(company, name="Vera Värdinna", role="VD")
    db.session.commit()
    return company


def test_log_a_meeting_on_a_phone(new_page, users, company, log_in):
    page = new_page("phone")
    log_in(page, users["staff"])
    page.get_by_role("link", name="Företag", exact=True).click()
    page.get_by_label("Sök", exact=True).fill("hamnkrogen abyvik")
    page.get_by_role("button", name="Sök", exact=True).click()
    page.get_by_role("link", name="Hamnkrogen i Åbyvik AB").click()
    page.get_by_role("link", name="Logga möte").click()

    page.get_by_label("Telefon", exact=True).check()
    page.get_by_label("Vera Värdinna").check()
    page.get_by_label("Kompetensförsörjning").check()
    page.get_by_label("Anteckning").fill("Söker två kockar till sommaren. Tipsa om Arbetsförmedlingens rekrytering.")
    page.get_by_role("button", name="Spara och färdigställ").click()

    expect(page.get_by_text("Söker två kockar till sommaren.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    interaction = db.session.execute(select(Interaction)).scalar_one()
    assert interaction.kind == InteractionKind.PHONE and interaction.status == NoteStatus.FINAL
    assert [c.name for c in interaction.contacts] == ["Vera Värdinna"]
    assert [u.id for u in interaction.participants] == [users["staff"].id], "the logger takes part by default"

    page.get_by_role("link", name="Hamnkrogen i Åbyvik AB").first.click()
    expect(page.locator(".timeline")).to_contain_text("Söker två kockar")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_register_pages_have_no_serious_axe_violations(new_page, users, company, log_in, device):
    page = new_page(device)
    log_in(page, users["staff"])
    for path in (
        "/foretag/",
        f"/foretag/{company.id}",
        "/foretag/nytt",
        f"/foretag/{company.id}/moten/ny",
        "/kontaktpersoner/",
        "/moten/",
    ):
        page.goto(path)
        violations = blocking_violations(page)
        assert not violations, f"{path} on {device}: {describe(violations)}"
