"""The 503 page shown while the database cannot be reached passes axe, on a phone and on a desktop screen.

The app is made for a PostgreSQL port where nothing listens and served on 127.0.0.1 like the other browser
tests' app; the browser opens the login page, which reads the sign-in settings from the database, and gets
the 503 page (a sign-in POST gets the same page: tests/test_errors_503.py).
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from crm import create_app
from crm.extensions import db
from tests.browser.conftest import DEVICES, TIMEOUT_MS
from tests.browser.test_accessibility import blocking_violations, describe
from tests.support.pgserver import free_port


@pytest.fixture
def unreachable_server(monkeypatch):
    monkeypatch.setenv("TEST_DATABASE_URL", f"postgresql+psycopg://crm@127.0.0.1:{free_port()}/crm")
    app = create_app("testing")
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="unreachable-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_unavailable_page_has_no_serious_axe_violations(browser, unreachable_server, device):
    context = browser.new_context(base_url=unreachable_server, locale="sv-SE", **DEVICES[device])
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        answer = page.goto("/logga-in")
        assert answer.status == 503 and answer.headers["retry-after"] == "30"
        expect(page.get_by_role("heading", level=1)).to_have_text("Tjänsten är tillfälligt otillgänglig")
        page.wait_for_load_state("load")

        violations = blocking_violations(page)

        assert not violations, describe(violations)
    finally:
        context.close()
