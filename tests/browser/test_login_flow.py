"""The login flow in a real browser: forms, CSRF tokens, redirects, flashes and the 403 page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

LOGIN_URL = re.compile(r"/logga-in(\?.*)?$")


def test_log_in_and_out(page, users, log_in):
    log_in(page, users["staff"])

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hej\b"))

    page.get_by_role("banner").get_by_role("button", name="Logga ut").click()

    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    expect(page.get_by_role("status")).to_contain_text("Du är utloggad.")
    # The session is really gone: the start page sends us back to the login page.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/logga-in\?next=%2F$"))


def test_wrong_password_shows_error_and_stays_on_login_page(page, users, log_in):
    log_in(page, users["staff"], password="fel-lösenord-999")

    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Fel e-postadress eller lösenord.")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    # The message is shown with the form, just above it.
    form = page.locator("form", has=page.get_by_role("button", name="Logga in"))
    expect(form).to_be_visible()
    assert alert.bounding_box()["y"] < form.bounding_box()["y"]
    expect(page.get_by_label("E-postadress", exact=True)).to_have_value(users["staff"].email)
    expect(page.get_by_role("link", name="Logga ut")).to_have_count(0)
    expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)


def test_politician_gets_swedish_403_page_for_user_admin(page, users, log_in):
    log_in(page, users["politician"])
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hej\b"))

    response = page.goto("/admin/anvandare")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har inte behörighet")
    expect(page).to_have_title(re.compile(r"^Du har inte behörighet"))


def test_anonymous_visitor_is_sent_to_login_and_back_after_it(page, users, log_in):
    page.goto("/admin/anvandare")

    expect(page).to_have_url(re.compile(r"/logga-in\?next=%2Fadmin%2Fanvandare$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")

    log_in(page, users["admin"], go_to_form=False)

    expect(page).to_have_url(re.compile(r"/admin/anvandare$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Användare")
    expect(page.get_by_role("cell", name=users["admin"].email)).to_be_visible()


def test_login_and_logout_work_without_javascript(new_context, users, log_in):
    page = new_context("desktop", java_script_enabled=False).new_page()
    page.set_content('<p id="probe">utan skript</p><script>probe.textContent = "med skript"</script>')
    expect(page.locator("#probe")).to_have_text("utan skript")  # scripts really are off

    log_in(page, users["organizer"])

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hej\b"))

    page.get_by_role("button", name="Logga ut").click()

    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("status")).to_contain_text("Du är utloggad.")


def test_login_form_with_a_forged_csrf_token_is_refused(page, users, log_in):
    page.goto("/logga-in")
    page.get_by_role("main").locator("input[name=csrf_token]").evaluate("input => { input.value = 'förfalskad' }")

    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        log_in(page, users["staff"], go_to_form=False)

    assert posted.value.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Formuläret har gått ut")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/logga-in\?next=%2F$"))  # not logged in
