"""The visit flow in a real browser: a politician signs up, staff complete the visit and follow up."""

from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from crm.extensions import db
from crm.followups.models import FollowUp
from crm.plan.models import VisitPlan
from crm.visits.models import Visit, VisitStatus
from tests.browser.test_accessibility import blocking_violations, describe


def test_politician_signs_up_and_staff_complete_and_follow_up(new_page, users, factories, log_in):
    year = datetime.now().year
    db.session.add(VisitPlan(year=year, target=50))
    company = factories.company(name="Åbyvik Plast & Form AB", district="Hamnen")
    contact = factories.contact(company, name="Petra Plast")
    # Booked, begun yesterday and not yet marked done: it may be marked done, and a politician may still join.
    start = (datetime.now() - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    visit = factories.booked_visit(company, start=start, participants=[users["staff"]], contacts=[contact])
    factories.topic(name="Kompetensförsörjning")
    db.session.commit()

    politician = new_page("phone")
    log_in(politician, users["politician"])
    politician.goto(f"/besoksplan/{year}")
    expect(politician.get_by_role("heading", name="Läget")).to_be_visible()
    assert not blocking_violations(politician), describe(blocking_violations(politician))
    politician.get_by_role("banner").get_by_text("Meny", exact=True).click()  # the phone's folded menu
    politician.get_by_role("link", name="Besök", exact=True).click()
    politician.get_by_role("link", name="Åbyvik Plast & Form AB").first.click()
    politician.get_by_role("button", name="Anmäl mig som deltagare").click()
    expect(politician.get_by_role("button", name="Lämna besöket")).to_be_visible()
    expect(politician.locator("main")).not_to_contain_text(contact.email)

    staff = new_page("desktop")
    log_in(staff, users["staff"])
    staff.goto(f"/besok/{visit.id}")
    staff.get_by_role("button", name="Markera som genomfört").click()
    staff.get_by_label("Sammanfattning").fill("Rundvandring i fabriken. Man planerar att anställa tio personer.")
    staff.get_by_label("Det här är företaget mindre nöjt med").fill("Svårt att hitta verktygsmakare.")
    staff.get_by_label("Så vill företaget få återkoppling").fill("E-post till VD")
    staff.get_by_role("button", name="Spara protokollet").click()
    staff.get_by_role("link", name="Ny uppföljning").click()
    staff.get_by_label("Vad ska göras?").fill("Koppla ihop företaget med yrkeshögskolans utbildning i verktygsteknik.")
    staff.get_by_role("button", name="Spara").click()
    expect(staff.locator("main")).to_contain_text("Koppla ihop företaget")

    db.session.expire_all()
    done = db.session.get(Visit, visit.id)
    assert done.status == VisitStatus.DONE
    assert {user.id for user in done.participants} == {users["staff"].id, users["politician"].id}
    assert done.less_satisfied_with == "Svårt att hitta verktygsmakare."
    follow_up = db.session.execute(select(FollowUp).where(FollowUp.visit_id == visit.id)).scalar_one()
    assert follow_up.is_open and follow_up.company_id == company.id
