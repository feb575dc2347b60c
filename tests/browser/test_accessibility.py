"""Accessibility in a real browser: axe-core on our pages, phone layout, and the skip link.

Only "serious" and "critical" axe findings fail a test; the failure lists each rule and the offending nodes.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

BLOCKING_IMPACTS = {"serious", "critical"}
DEVICES = ["desktop", "phone"]  # see DEVICES in conftest.py
PAGES = ["login", "start-staff", "start-admin"]

axe = Axe()


def blocking_violations(page: Page) -> list[dict]:
    """Run axe-core with its default rules (WCAG 2.x A/AA and best practices) on the page as it is now."""
    results = axe.run(page)
    return [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = [f"{len(violations)} serious/critical axe violation(s):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " >> ".join(str(part) for part in node["target"])
            lines.append(f"    {target}: {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)


def open_page(page: Page, which: str, users, log_in) -> None:
    """Open the page named `which`: "login", or "start-<role>" (logged in through the form)."""
    if which == "login":
        page.goto("/logga-in")
        expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    else:
        log_in(page, users[which.removeprefix("start-")])
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hej\b"))
    page.wait_for_load_state("load")  # the stylesheet is applied before anything is measured


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("which", PAGES)
def test_no_serious_axe_violations(new_page, users, log_in, which, device):
    page = new_page(device)
    open_page(page, which, users, log_in)

    violations = blocking_violations(page)

    assert not violations, describe(violations)


def test_no_serious_axe_violations_with_login_error(page, users, log_in):
    log_in(page, users["staff"], password="fel-lösenord-999")
    expect(page.get_by_role("alert")).to_have_text("Fel e-postadress eller lösenord.")

    violations = blocking_violations(page)

    assert not violations, describe(violations)


def test_axe_reports_a_deliberately_bad_page(page):
    """Control: the checker finds what it should, so a passing run above means something."""
    page.set_content(
        """<!doctype html><html lang="sv"><head><title>Dålig sida</title></head><body><main>
        <h1>Dålig sida</h1>
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        <input type="text" name="namn">
        <p style="color:#bbb;background:#fff">Svag kontrast</p>
        </main></body></html>"""
    )

    violations = blocking_violations(page)

    found = {violation["id"] for violation in violations}
    assert {"image-alt", "label", "color-contrast"} <= found, describe(violations)
    message = describe(violations)  # names each rule and the offending nodes' selectors
    assert "image-alt (critical)" in message and re.search(r"^ +img: ", message, re.M), message
    assert "label (critical)" in message and re.search(r"^ +input: ", message, re.M), message


@pytest.mark.parametrize("which", PAGES)
def test_phone_width_has_no_horizontal_scroll(phone_page, users, log_in, which):
    open_page(phone_page, which, users, log_in)
    screen_width = phone_page.viewport_size["width"]

    widths = phone_page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")

    # A mobile browser widens its layout viewport (window.innerWidth) to fit content that overflows,
    # so scrollWidth <= innerWidth alone would pass; both are compared with the screen width too.
    message = f"page is {widths['scroll']}px wide, window {widths['inner']}px, on a {screen_width}px screen"
    assert widths["scroll"] <= widths["inner"], message
    assert widths["inner"] == screen_width, message


@pytest.mark.parametrize("device", DEVICES)
def test_skip_link_appears_on_first_tab(new_page, device):
    page = new_page(device)
    page.goto("/logga-in")
    skip_link = page.get_by_role("link", name="Hoppa till innehållet")
    expect(skip_link).not_to_be_in_viewport()  # hidden off-screen until focused

    page.keyboard.press("Tab")

    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport(ratio=1)
    box = skip_link.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#innehall$"))
    expect(page.get_by_role("main")).to_be_focused()
