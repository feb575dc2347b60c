"""axe-core on every page of the app, on a phone and on a desktop screen.

The pages are those of the 375 px sweep: every GET route of the URL map that answers with an HTML page, its
path parameters filled from the route table's sample values; public pages signed out, the rest as an admin.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import blocking_violations, describe
from tests.browser.test_layout_375 import is_html_page, layout_values  # noqa: F401  (a fixture)
from tests.support.pages import page_urls
from tests.test_routes_roles import PUBLIC, ROUTES, sample_values  # noqa: F401  (a fixture)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_no_page_has_serious_axe_violations(app, new_context, users, layout_values, log_in, device):  # noqa: F811
    page = new_context(device).new_page()
    urls = page_urls(app, layout_values)
    public = [url for endpoint, url in urls if ROUTES.get(endpoint) == PUBLIC]
    signed_in = [url for endpoint, url in urls if ROUTES.get(endpoint) != PUBLIC]

    problems, checked = [], 0
    for group, sign_in in ((public, False), (signed_in, True)):
        if sign_in:
            log_in(page, users["admin"])
            expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hej\b"))
        for url in group:
            if not is_html_page(page, url):
                continue
            page.goto(url)
            page.wait_for_load_state("load")
            checked += 1
            violations = blocking_violations(page)
            if violations:
                problems.append(f"{url}\n{describe(violations)}")
    assert checked > 40
    assert not problems, "\n\n".join(problems)
