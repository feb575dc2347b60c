"""The main navigation: folded behind "Meny" on a phone (working without JavaScript), spread out on a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import blocking_violations, describe

NAV_LINKS = ("Start", "Företag", "Besöksplan", "Evenemang", "Utkorg")  # a few of the admin's


def menu_button(page: Page):
    return page.get_by_role("banner").locator("summary", has_text="Meny")


def nav_link(page: Page, name: str):
    return page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name=name, exact=True)


def assert_accessible(page: Page) -> None:
    violations = blocking_violations(page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("java_script", [True, False], ids=["with-js", "without-js"])
def test_on_a_phone_the_menu_opens_and_closes(new_page, users, log_in, java_script):
    page = new_page("phone", java_script_enabled=java_script)
    log_in(page, users["admin"])
    page.wait_for_load_state("load")

    button = menu_button(page)
    expect(button).to_be_visible()
    for name in NAV_LINKS:
        expect(nav_link(page, name)).to_be_hidden()
    expect(page.get_by_role("button", name="Logga ut")).to_be_hidden()
    if java_script:
        assert_accessible(page)

    button.click()

    for name in NAV_LINKS:
        expect(nav_link(page, name)).to_be_visible()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    if java_script:
        assert_accessible(page)

    nav_link(page, "Evenemang").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evenemang")
    expect(nav_link(page, "Evenemang")).to_be_hidden()  # a new page starts with the menu folded

    menu_button(page).click()
    expect(nav_link(page, "Evenemang")).to_have_attribute("aria-current", "page")
    menu_button(page).click()
    expect(nav_link(page, "Evenemang")).to_be_hidden()


def test_the_menu_works_from_the_keyboard(new_page, users, log_in):
    page = new_page("phone")
    log_in(page, users["staff"])
    page.wait_for_load_state("load")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    button = menu_button(page)
    expect(button).to_be_focused()
    outline = button.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid", "focus is visible"

    page.keyboard.press("Enter")
    expect(nav_link(page, "Företag")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(nav_link(page, "Företag")).to_be_focused()

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(nav_link(page, "Företag")).to_be_hidden()


def menu_in_accessibility_tree(page: Page) -> dict:
    """What the browser hands a screen reader for the menu button: its role, name and states."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    [node] = [node for node in nodes if node["role"]["value"] == "DisclosureTriangle"]
    states = {prop["name"]: prop["value"].get("value") for prop in node.get("properties", [])}
    return {"name": node["name"]["value"], **states}


def test_a_screen_reader_hears_a_named_menu_button_and_its_state(new_page, users, log_in):
    page = new_page("phone")
    log_in(page, users["staff"])
    page.wait_for_load_state("load")

    folded = menu_in_accessibility_tree(page)
    menu_button(page).click()
    unfolded = menu_in_accessibility_tree(page)

    assert folded["name"] == "Meny" and folded["focusable"] is True, folded
    assert (folded["expanded"], unfolded["expanded"]) == (False, True)
    assert unfolded["controls"] == "nav-panel"  # (a folded panel is out of the tree, and so the relation)


def test_on_a_desktop_the_links_show_without_a_menu_button(new_page, users, log_in):
    page = new_page("desktop")
    log_in(page, users["admin"])

    expect(menu_button(page)).to_be_hidden()
    for name in NAV_LINKS:
        expect(nav_link(page, name)).to_be_visible()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    # The links sit in one row beside the brand, as before the menu existed.
    first, last = nav_link(page, "Start").bounding_box(), nav_link(page, "Företag").bounding_box()
    assert abs(first["y"] - last["y"]) < 2 and last["x"] > first["x"], (first, last)
    assert_accessible(page)
