"""Browser fixtures: the app on a live local server, driven by headless Chromium through Playwright.

The browser is Debian's Chromium (`playwright install` is not used). Every test gets fresh browser
contexts, so no cookies or storage leak between tests; contexts are closed before the server stops.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000

# Context options per device; the keys are the ids used when tests are parametrized over devices.
DEVICES: dict[str, dict] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test app on 127.0.0.1 in a daemon thread; yield its base URL.

    Real CSRF tokens are checked: the browser has to send the ones the pages hand out.
    """
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)  # the system picks a free port as it binds
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()  # stop accepting; waits for serve_forever to return
        server.server_close()  # waits for requests in flight, before the database is emptied
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable[..., BrowserContext]]:
    """Factory for browser contexts on the live server: `new_context("phone", java_script_enabled=False)`.

    Relative URLs in `page.goto` resolve against the server. Every context is closed after the test.
    """
    contexts: list[BrowserContext] = []

    def _new_context(device: str = "desktop", **options) -> BrowserContext:
        context = browser.new_context(base_url=live_server, locale="sv-SE", **{**DEVICES[device], **options})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    try:
        yield _new_context
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def new_page(new_context) -> Callable[..., Page]:
    """Factory for a page in a fresh context of the given device ("desktop" or "phone")."""

    def _new_page(device: str = "desktop", **options) -> Page:
        return new_context(device, **options).new_page()

    return _new_page


@pytest.fixture
def page(new_page) -> Page:
    """A desktop page (1280x800) in a fresh context."""
    return new_page("desktop")


@pytest.fixture
def desktop_page(new_page) -> Page:
    return new_page("desktop")


@pytest.fixture
def phone_page(new_page) -> Page:
    """A phone page (375x812, mobile, touch) in a fresh context."""
    return new_page("phone")


@pytest.fixture(autouse=True)
def _expect_timeout():
    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def log_in() -> Callable[..., None]:
    """Log in through the login form on the page's current URL (the login page, by default `/logga-in`)."""

    def _log_in(page: Page, user, password: str = PASSWORD, *, go_to_form: bool = True) -> None:
        if go_to_form:
            page.goto("/logga-in")
        page.get_by_label("E-postadress", exact=True).fill(user.email)
        page.get_by_label("Lösenord", exact=True).fill(password)
        page.get_by_role("button", name="Logga in").click()

    return _log_in
