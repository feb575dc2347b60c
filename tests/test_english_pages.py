"""Every page in the English locale: no Swedish month or weekday names, no untranslated answer labels.

The pages are the GET routes of the URL map with the route table's sample values, as in the 375 px sweep,
so a new page is checked as soon as it exists.
"""

from __future__ import annotations

import re

from crm.extensions import db
from tests.conftest import login
from tests.support.pages import page_urls
from tests.test_routes_roles import PUBLIC, ROUTES, sample_values  # noqa: F401  (a fixture)

SWEDISH_DATE_WORDS = re.compile(
    r"\b(januari|februari|juni|juli|augusti|oktober|måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag"
    r"|inget svar|ej svarat)\b",
    re.IGNORECASE,
)
TAGS = re.compile(r"<[^>]+>")
# A series keeps its rule as text in the language of whoever made it: data, not a label of the page.
STORED_SERIES_RULE = "första fredag varje månad"


def test_english_pages_hold_no_swedish_dates_or_answer_labels(app, client, users, sample_values):  # noqa: F811
    users["admin"].locale = "en"
    db.session.commit()
    login(client, users["admin"])
    problems, checked = [], 0
    for endpoint, url in page_urls(app, sample_values):
        if ROUTES.get(endpoint) == PUBLIC:
            continue
        response = client.get(url)
        if not response.content_type.startswith("text/html") or response.status_code != 200:
            continue
        checked += 1
        text = TAGS.sub(" ", response.get_data(as_text=True)).replace(STORED_SERIES_RULE, "")
        found = sorted({match.group(0) for match in SWEDISH_DATE_WORDS.finditer(text)})
        if found:
            problems.append(f"{endpoint} {url}: {', '.join(found)}")
    assert checked > 40
    assert not problems, "\n".join(problems)
