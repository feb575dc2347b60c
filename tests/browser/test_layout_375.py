"""Every page of the app on a 375 px phone screen: none may scroll sideways.

The pages are not listed here. They are the GET routes of the app's URL map (each of which
tests/test_routes_roles.py's ROUTES table must name), with their path parameters filled from that
module's sample data, so a new page is swept as soon as it exists. A route that does not answer
with an HTML page (a .csv, .ics or .xlsx download) is left out by what it answers, not by name.
Public pages are opened signed out, every other page signed in as an admin, who may open them all.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from crm.events.invitations import send_request
from crm.extensions import db
from crm.mail.models import OutboxMessage
from crm.timeutil import local, utcnow
from tests.support.pages import page_urls
from tests.test_routes_roles import PUBLIC, ROUTES, sample_values  # noqa: F401  (a fixture)

SCREEN = 375

def is_html_page(page: Page, url: str) -> bool:
    """Whether the route answers with a page to show rather than a file to save."""
    response = page.request.get(url)
    assert response.status < 400, f"{url} answered {response.status}"
    return (response.headers.get("content-type", "").startswith("text/html")
            and "attachment" not in response.headers.get("content-disposition", ""))


def width_problem(page: Page, url: str) -> str | None:
    """None when the page opens and fits the screen; otherwise what is wrong."""
    response = page.goto(url)
    if response is None or response.status >= 400:
        return f"{url}: answered {response.status if response else 'nothing'}"
    return overflow(page)


def overflow(page: Page) -> str | None:
    """None when the page as it is now fits the screen; otherwise its width and the elements that stick out."""
    page.wait_for_load_state("load")
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    if widths["scroll"] <= SCREEN and widths["inner"] == SCREEN:
        return None
    culprits = page.evaluate(
        """(screen) => {
            const over = el => el.getBoundingClientRect().right > screen + 0.5;
            return [...document.body.querySelectorAll('*')]
              .filter(el => over(el) && ![...el.children].some(over))  // the innermost ones: the cause
              .slice(0, 5)
              .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} `
                         + `(${Math.round(el.getBoundingClientRect().right)}px)`);
        }""",
        SCREEN,
    )
    return f"{page.url}: {widths['scroll']}px wide, window {widths['inner']}px; sticking out: {', '.join(culprits)}"


@pytest.fixture
def layout_values(request, factories, users):
    """The route table's sample values, with the Utkorg message a real invitation with its long links."""
    samples = request.getfixturevalue("sample_values")
    company = factories.company(name="Södertälje Fastighetsförvaltning och Byggnadsentreprenad Aktiebolag")
    contact = factories.contact(company, name="Maria-Magdalena Östlund-Andersson",
                                email="mariamagdalena.ostlundandersson@fastighetsforvaltningsodertalje.se")
    event = factories.event(start=datetime(2030, 12, 6, 7, 30), title="Frukostmöte om kompetensförsörjning",
                            place="Näringslivshuset, Storgatan 1, konferensrummet Kvarnen")
    invitation = factories.invitation(event, contact)
    send_request(invitation, datetime(2030, 11, 1, 8, 0, tzinfo=UTC))
    db.session.commit()
    message = db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"invite:{invitation.id}:%"))
    ).scalar_one()
    return {**samples, "outbox_message_id": message.id}


def test_no_page_scrolls_sideways_on_a_phone(app, new_context, users, layout_values, log_in):
    page = new_context("phone").new_page()
    urls = page_urls(app, layout_values)
    assert len(urls) > 40, urls  # the route table really was read
    public = [(endpoint, url) for endpoint, url in urls if ROUTES.get(endpoint) == PUBLIC]
    signed_in = [(endpoint, url) for endpoint, url in urls if ROUTES.get(endpoint) != PUBLIC]

    problems, swept, files = [], [], []
    for group, sign_in in ((public, False), (signed_in, True)):
        if sign_in:
            log_in(page, users["admin"])
            expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hej\b"))
        for endpoint, url in group:
            if not is_html_page(page, url):
                files.append(endpoint)
                continue
            swept.append(endpoint)
            problem = width_problem(page, url)
            if problem:
                problems.append(f"{endpoint} {problem}")

    assert not problems, "\n".join(problems)
    assert {"companies.export_list", "events.download", "visits.ics", "feeds.feed"} <= set(files), files
    assert {"events.new_series", "networks.bulk_add", "outbox.detail", "auth.login", "rsvp.respond"} <= set(swept)


def test_the_series_preview_fits_a_phone(new_page, users, log_in):
    """The series form's second state, its list of dates, which the sweep (GET only) does not reach."""
    first_day = (local(utcnow()) + timedelta(days=2)).date()
    page = new_page("phone")
    log_in(page, users["organizer"])
    page.goto("/evenemang/ny-serie")
    page.get_by_label("Rubrik", exact=True).fill("Frukostmöte om kompetensförsörjning och arbetsmarknad")
    page.get_by_label("Första dag").fill(first_day.isoformat())
    page.get_by_label("Sista dag").fill((first_day + timedelta(days=300)).isoformat())
    page.get_by_label("Starttid").fill("07:30")
    page.get_by_label("Sluttid").fill("09:00")
    page.get_by_label("Plats", exact=True).fill("Näringslivshuset, Storgatan 1, konferensrummet Kvarnen")
    page.get_by_role("button", name="Visa datumen").click()

    expect(page.locator(".series-dates li").first).to_be_visible()
    problem = overflow(page)
    assert problem is None, problem
