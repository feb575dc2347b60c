"""The contact page's networks and attendance history, and the company page's attendance of its contacts."""

from __future__ import annotations

from datetime import date

from crm.events import participation
from crm.events.models import Answer, Attendance, EventStatus
from crm.extensions import db
from crm.timeutil import utcnow
from tests.networks.helpers import section, stockholm_wall_clock


def invited(factories, contact, days: int, title: str, answer=None, attendance=None, **fields):
    event = factories.event(title=title, start=stockholm_wall_clock(days),
                            status=EventStatus.HELD if days < 0 else EventStatus.INVITED)
    return factories.invitation(event, contact, answer=answer, attendance=attendance, **fields)


def test_the_contact_page_lists_networks_present_and_former(client, login_as, factories):
    login_as("organizer")
    company = factories.company(name="Kajens Bygg AB")
    contact = factories.contact(company, name="Helena Hav")
    council = factories.network(name="Näringslivsrådet")
    breakfast = factories.network(name="Frukostklubben")
    factories.member(council, contact, role="ordförande", starts_on=date(2025, 1, 1), company_id=company.id)
    factories.member(breakfast, contact, role="medlem", starts_on=date(2023, 1, 1), ends_on=date(2024, 6, 30))
    db.session.commit()

    networks = section(client.get(f"/kontaktpersoner/{contact.id}").get_data(as_text=True), "Nätverk")
    assert f'href="/natverk/{council.id}">Näringslivsrådet</a>, ordförande' in networks
    assert "(Kajens Bygg AB)" in networks and "från 2025-01-01" in networks
    former = networks.split("Frukostklubben", 1)[1].split("</li>", 1)[0]
    assert "till och med 2024-06-30" in former and "tidigare" in former
    assert networks.index("Näringslivsrådet") < networks.index("Frukostklubben"), "present memberships first"


def test_the_contact_page_shows_attendance_newest_first_with_no_shows(client, login_as, factories):
    login_as("staff")
    contact = factories.contact(name="Ivar Inbjuden")
    invited(factories, contact, -90, "Frukost i augusti", Answer.YES, Attendance.ATTENDED)
    invited(factories, contact, -60, "Frukost i september", Answer.YES, Attendance.NO_SHOW)
    invited(factories, contact, -30, "Frukost i oktober", None, Attendance.NO_SHOW)
    invited(factories, contact, 10, "Frukost i december", Answer.MAYBE)
    invited(factories, contact, -20, "Avbjuden träff", Answer.YES, uninvited_at=utcnow())
    invited(factories, factories.contact(), -30, "Någon annans frukost", Answer.YES, Attendance.ATTENDED)
    db.session.commit()

    html = client.get(f"/kontaktpersoner/{contact.id}").get_data(as_text=True)
    history = section(html, "Evenemang och närvaro")
    assert "Inbjuden 4 gånger" in history and "närvarade 1 gång" in history and "uteblev 2 gånger" in history
    titles = ["Frukost i december", "Frukost i oktober", "Frukost i september", "Frukost i augusti"]
    positions = [history.index(title) for title in titles]
    assert positions == sorted(positions), "newest first"
    assert "Avbjuden träff" not in history and "Någon annans frukost" not in history
    october = history.split("Frukost i oktober", 1)[1].split("</tr>", 1)[0]
    assert "inget svar" in october and "<strong>uteblev</strong>" in october
    december = history.split("Frukost i december", 1)[1].split("</tr>", 1)[0]
    assert "kanske" in december and "–" in december


def test_the_history_stops_at_twenty(app, factories):
    contact = factories.contact()
    for n in range(participation.HISTORY_LIMIT + 3):
        invited(factories, contact, -(n + 1), f"Träff {n}", Answer.YES, Attendance.NO_SHOW)
    history = participation.contact_history(contact.id)
    assert len(history.invitations) == participation.HISTORY_LIMIT
    assert (history.total, history.no_shows, history.attended, history.more) == (23, 23, 0, 3)
    assert history.invitations[0].event.title == "Träff 0"


def test_without_invitations_the_page_says_so(client, login_as, factories):
    login_as("staff")
    contact = factories.contact()
    db.session.commit()
    html = client.get(f"/kontaktpersoner/{contact.id}").get_data(as_text=True)
    assert "Inga inbjudningar till evenemang." in html and "Inte medlem i något nätverk." in html


def test_the_company_page_shows_its_contacts_attendance(client, login_as, factories):
    login_as("organizer")
    company = factories.company(name="Fyrens Fisk AB")
    jonas, karin = factories.contact(company, name="Jonas Jul"), factories.contact(company, name="Karin Krok")
    invited(factories, jonas, -40, "Frukost om upphandling", Answer.YES, Attendance.ATTENDED)
    invited(factories, karin, -40 + 1, "Temamöte om kompetens", Answer.YES, Attendance.NO_SHOW)
    invited(factories, factories.contact(factories.company()), -10, "Annat företags träff", Answer.YES,
            Attendance.ATTENDED)
    db.session.commit()

    history = section(client.get(f"/foretag/{company.id}").get_data(as_text=True), "Evenemang och närvaro")
    assert "2 inbjudningar" in history and "närvarade 1 gång" in history and "uteblev 1 gång" in history
    assert f'href="/kontaktpersoner/{karin.id}">Karin Krok</a>' in history
    assert history.index("Temamöte om kompetens") < history.index("Frukost om upphandling")
    assert "Annat företags träff" not in history


def test_politicians_do_not_see_the_attendance_on_the_company_page(client, login_as, factories):
    login_as("politician")
    company = factories.company()
    invited(factories, factories.contact(company, name="Lisa Lots"), -5, "Frukost", Answer.YES, Attendance.ATTENDED)
    db.session.commit()
    html = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert "Evenemang och närvaro" not in html and "Frukost" not in html
