"""The warning about a personnummer in a note, in a real browser at 375 px and 1280 px: the note comes back
unsaved with the warning as the box's description, axe finds nothing serious, and ticking "Jag har kontrollerat
texten" saves it as written. (The flow is plain form posts: tests/meetings/test_sensitive_meetings.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from crm.meetings.models import Interaction
from tests.browser.test_accessibility import blocking_violations, describe
from tests.support import sensitive as check


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_warning_then_saving_anyway(new_page, users, factories, log_in, device):
    company = check.company(factories)
    page = new_page(device)
    log_in(page, users["staff"])
    page.goto(f"/foretag/{company.id}/moten/ny")
    page.get_by_label("Anteckning").fill(check.WITH_PERSONNUMMER)
    page.get_by_role("button", name="Spara utkast").click()

    note = page.get_by_label("Anteckning")
    expect(note).to_have_value(check.WITH_PERSONNUMMER)
    expect(note).to_have_accessible_description(re.compile(
        re.escape(f"Fel: Texten ser ut att innehålla ett personnummer ({check.PERSONNUMMER}). Personnummer behövs "
                  "sällan i en anteckning")))
    box = page.get_by_label(check.CONFIRM)
    expect(box).to_be_visible()
    expect(box).not_to_be_checked()
    page.wait_for_load_state("load")
    assert not blocking_violations(page), describe(blocking_violations(page))

    box.check()
    page.get_by_role("button", name="Spara utkast").click()
    expect(page.locator("main")).to_contain_text("Utkastet är sparat")
    assert check.stored(Interaction.note) == [check.WITH_PERSONNUMMER]
