"""The audit log names each record ("Åbyvik Energi AB", "Emma Öberg"), links to it while it exists, uses
Swedish type names (English in the English locale), and resolves the names in a fixed number of queries."""

from __future__ import annotations

from datetime import datetime

from crm.extensions import db
from crm.meetings.models import InteractionKind
from tests.support.queries import page_statements


def row_of(html: str, text: str) -> str:
    """The table row of the audit page that holds `text`."""
    before, after = html.split(text, 1)
    return before.rsplit("<tr>", 1)[1] + text + after.split("</tr>", 1)[0]


def test_entries_name_and_link_their_records_with_swedish_types(client, login_as, factories):
    login_as("admin")
    company = factories.company(name="Åbyvik Energi AB")
    contact = factories.contact(company, name="Emma Öberg")
    visit = factories.booked_visit(company, start=datetime(2026, 12, 14, 10, 0))
    meeting = factories.interaction(company, kind=InteractionKind.PHONE, occurred_on=datetime(2026, 11, 2).date())
    network = factories.network(name="Kvinnliga företagare")
    db.session.commit()
    html = client.get("/admin/logg/").get_data(as_text=True)

    assert f'Företag</span>: <a href="/foretag/{company.id}">Åbyvik Energi AB</a>' in html
    assert f'Kontaktperson</span>: <a href="/kontaktpersoner/{contact.id}">Emma Öberg</a>' in html
    assert (f'Företagsbesök</span>: <a href="/besok/{visit.id}">Företagsbesök 2026-12-14 hos Åbyvik Energi AB</a>'
            in html)
    assert f'Möte</span>: <a href="/moten/{meeting.id}">Telefon 2026-11-02 hos Åbyvik Energi AB</a>' in html
    assert f'Nätverk</span>: <a href="/natverk/{network.id}">Kvinnliga företagare</a>' in html
    assert "Kontaktperson hos företag</span>: " in html and "Emma Öberg hos Åbyvik Energi AB" in html
    assert ">Company<" not in html and ">ContactPerson<" not in html

    choices = html.split('id="entity"', 1)[1].split("</select>", 1)[0]
    assert '<option value="Company">Företag</option>' in choices
    assert '<option value="ContactPerson">Kontaktperson</option>' in choices


def test_a_deleted_record_shows_its_last_name_without_a_link(client, login_as, factories):
    login_as("admin")
    company = factories.company(name="Gammalt Namn AB")
    meeting = factories.interaction(company)
    db.session.commit()
    company.name = "Sista Namnet AB"
    db.session.commit()
    company_id, meeting_id = company.id, meeting.id
    db.session.delete(meeting)
    db.session.commit()
    db.session.delete(company)
    db.session.commit()

    html = client.get(f"/admin/logg/?entity=Company&entity_id={company_id}").get_data(as_text=True)
    deleted = row_of(html, "Borttagen</td>")
    assert "Företag</span>: Sista Namnet AB (borttagen)" in deleted and "<a href" not in deleted
    assert f"/foretag/{company_id}" not in html
    meetings = client.get(f"/admin/logg/?entity=Interaction&entity_id={meeting_id}").get_data(as_text=True)
    assert "Möte</span>: (borttagen)" in meetings and f"/moten/{meeting_id}" not in meetings


def test_english_type_names(client, login_as, factories, users):
    admin = users["admin"]
    admin.locale = "en"
    db.session.commit()
    login_as("admin")
    factories.company(name="Åbyvik Energi AB")
    factories.network(name="Frukostklubben")
    db.session.commit()
    html = client.get("/admin/logg/").get_data(as_text=True)
    assert "Company</span>: <a" in html and "Network</span>: <a" in html
    assert "Företag</span>" not in html and "Nätverk</span>" not in html


def _companies(factories, prefix: str, count: int, deleted: int) -> None:
    for n in range(count):
        factories.contact(factories.company(name=f"{prefix} {n} AB"), name=f"Person {prefix} {n}")
    gone = [factories.company(name=f"{prefix} borta {n} AB") for n in range(deleted)]
    db.session.commit()
    for company in gone:
        db.session.delete(company)
    db.session.commit()


def test_names_cost_the_same_queries_for_many_entries(client, login_as, factories, count_queries):
    login_as("admin")
    _companies(factories, "Liten", 2, deleted=1)
    few = page_statements(client, "/admin/logg/?action=create")
    _companies(factories, "Stor", 10, deleted=4)
    html = client.get("/admin/logg/?action=create").get_data(as_text=True)
    assert "Stor 9 AB</a>" in html and "Stor borta 3 AB (borttagen)" in html and "Liten 0 AB</a>" in html
    assert page_statements(client, "/admin/logg/?action=create") == few
