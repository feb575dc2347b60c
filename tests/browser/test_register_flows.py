"""The register in a real browser: logging a meeting on a phone, and axe on the register's pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.companies.models import Company, CompanySni
from crm.extensions import db
from crm.imports.tasks import run_queued_imports
from crm.meetings.models import Interaction, InteractionKind, NoteStatus
from tests.browser.test_accessibility import blocking_violations, describe


@pytest.fixture
def company(factories, users):
    company = factories.company(name="Hamnkrogen i Åbyvik AB", district="Hamnen", owner=users["staff"])
    company.sni_codes = [CompanySni(code="56101")]
    factories.contact(company, name="Vera Värdinna", role="VD")
    factories.topic(name="Kompetensförsörjning")
    db.session.commit()
    return company


def test_log_a_meeting_on_a_phone(new_page, users, company, log_in):
    page = new_page("phone")
    log_in(page, users["staff"])
    page.get_by_role("banner").get_by_text("Meny", exact=True).click()  # the phone's folded menu
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


def test_import_a_small_csv_through_the_pages(app, new_page, users, log_in, tmp_path):
    csv_file = tmp_path / "scb-utdrag.csv"
    csv_file.write_bytes(
        (
            "PeOrgNr;Företagsnamn;BesöksAdress;Ng1;StorleksklassAnställda;Kontaktperson;E-post\r\n"
            "5560360793;Kvarnbackens Bageri AB;Kvarngatan 3;10710;2;Kerstin Kvarn;kerstin@kvarnbacken.example\r\n"
            "5569999999;Trasigt Nummer AB;Storgatan 1;47111;1;;\r\n"
            "16 556677-8899;Hamnens Fisk AB;Hamngatan 2;10200;2;;\r\n"
        ).encode("cp1252")
    )
    page = new_page("desktop")
    log_in(page, users["staff"])
    page.goto("/foretag/")
    page.get_by_role("link", name="Importera").click()
    page.get_by_label("Fil med företag").set_input_files(str(csv_file))
    page.get_by_role("button", name="Ladda upp").click()
    page.get_by_role("button", name="Förhandsgranska").click()

    error_row = page.locator("tr", has_text="5569999999")
    expect(error_row).to_contain_text("3")  # the bad organisationsnummer, with its row number
    expect(error_row).to_contain_text("kontrollsiffran")
    page.get_by_label("Hoppa över rader med fel").check()
    page.get_by_role("button", name="Importera").click()
    # The page only queues the import; the scheduler process runs it. Run its job as it would.
    expect(page.get_by_role("link", name="Uppdatera", exact=True)).to_be_visible()
    with app.app_context():
        assert run_queued_imports() is not None
    page.get_by_role("link", name="Uppdatera", exact=True).click()
    expect(page.get_by_text("Importen är klar.")).to_be_visible()

    db.session.expire_all()
    names = set(db.session.execute(select(Company.name)).scalars())
    assert {"Kvarnbackens Bageri AB", "Hamnens Fisk AB"} <= names and "Trasigt Nummer AB" not in names
