"""The company page's timeline carries the meeting log: newest first, one item per version chain."""

from __future__ import annotations

from datetime import date

from crm.extensions import db
from crm.meetings.models import InteractionKind


def test_interactions_on_the_company_page_newest_first(client, login_as, factories):
    me = login_as("staff")
    company = factories.company()
    contact = factories.contact(company, name="Kalle Kontakt")
    topic = factories.topic(name="Lokaler i hamnen")
    factories.interaction(company, author=me, occurred_on=date(2026, 3, 1), note="Mars", final=True)
    factories.interaction(company, author=me, occurred_on=date(2026, 9, 1), note="September",
                          kind=InteractionKind.GUIDE_MEETING, contacts=[contact], participants=[me], topics=[topic])
    factories.interaction(company, author=me, occurred_on=date(2026, 6, 1), note="Juni")
    factories.interaction(factories.company(), author=me, note="Annat företag")
    db.session.commit()
    html = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    timeline = html.split('class="timeline"', 1)[1]
    assert timeline.index("September") < timeline.index("Juni") < timeline.index("Mars")
    assert "Annat företag" not in html
    assert "Lotsmöte" in timeline and "Kalle Kontakt" in timeline and "Lokaler i hamnen" in timeline
    assert "2026-09-01" in timeline and "Utkast" in timeline


def test_a_chain_shows_its_newest_version_once(client, login_as, factories):
    me = login_as("staff")
    company = factories.company()
    first = factories.interaction(company, author=me, final=True, note="Första lydelsen")
    second = factories.interaction(company, author=me, version=2, supersedes=first, note="Andra lydelsen")
    db.session.commit()
    timeline = client.get(f"/foretag/{company.id}").get_data(as_text=True).split('class="timeline"', 1)[1]
    assert "Andra lydelsen" in timeline and "Första lydelsen" not in timeline
    assert f'href="/moten/{second.id}"' in timeline and "Version 2" in timeline
