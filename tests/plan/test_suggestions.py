"""Suggestions of whom to visit next, each reason on its own, and the one-step proposal of a visit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crm.companies.models import CompanyStatus
from crm.extensions import db
from crm.followups.models import FollowUpStatus
from crm.plan import services as plan
from crm.plan import suggestions
from crm.plan.suggestions import Reason
from crm.visits.models import Visit, VisitKind, VisitStatus
from tests.plan.plan_helpers import NOW, company, follow_up, visit

YEAR = 2026


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def quiet(factories, **fields):
    """A small company visited last year: no reason to suggest it (unless `fields` give one)."""
    fields.setdefault("size_class", "1")
    found = company(factories, **fields)
    visit(found, YEAR - 1)
    return found


def suggested(limit: int = 50, visible_only: bool = False) -> dict[str, suggestions.Suggestion]:
    db.session.commit()
    found = suggestions.suggestions(YEAR, NOW, plan.spread(YEAR), limit, visible_follow_ups_only=visible_only)
    return {suggestion.name: suggestion for suggestion in found}


def test_a_company_without_reasons_is_not_suggested(ctx, factories):
    quiet(factories, name="Tyst AB")
    assert suggested() == {}


def test_never_visited(ctx, factories):
    company(factories, name="Ny kontakt AB")
    cancelled_only = company(factories, name="Inställt AB")
    visit(cancelled_only, YEAR - 2, VisitStatus.CANCELLED)
    found = suggested()
    assert found["Ny kontakt AB"].reasons == (Reason.NEVER_VISITED,)
    assert found["Ny kontakt AB"].reason_texts == ["Aldrig besökt"]
    assert found["Inställt AB"].reasons == (Reason.NEVER_VISITED,)  # a cancelled visit is no visit


def test_not_visited_in_three_years(ctx, factories):
    long_ago = company(factories, name="Länge sedan AB")
    visit(long_ago, 2021)
    visit(long_ago, 2023)
    recent = company(factories, name="Nyligen AB")
    visit(recent, 2024)
    found = suggested()
    assert found["Länge sedan AB"].reasons == (Reason.NOT_RECENTLY,)
    assert found["Länge sedan AB"].reason_texts == ["Inte besökt på 3 år (senast 2023)"]
    assert "Nyligen AB" not in found


def test_large_employers_compare_size_classes_as_numbers(ctx, factories):
    quiet(factories, name="Femtio AB", size_class="5")
    quiet(factories, name="Tusentals AB", size_class="12")  # "12" < "5" as text
    quiet(factories, name="Fyrtio AB", size_class="4")
    found = suggested()
    assert found["Femtio AB"].reasons == (Reason.LARGE_EMPLOYER,)
    assert found["Femtio AB"].reason_texts == ["Stor arbetsgivare (50–99 anställda)"]
    assert found["Tusentals AB"].reasons == (Reason.LARGE_EMPLOYER,)
    assert "Fyrtio AB" not in found


def test_newly_registered_or_tagged(ctx, factories):
    quiet(factories, name="Nystartat AB", created_at=datetime(2025, 9, 1, tzinfo=UTC))
    quiet(factories, name="Inflyttat AB", tags=["Nyetablerad"])
    quiet(factories, name="Etablerat AB", created_at=datetime(2025, 6, 1, tzinfo=UTC))
    found = suggested()
    assert found["Nystartat AB"].reasons == (Reason.NEW_COMPANY,)
    assert found["Inflyttat AB"].reasons == (Reason.NEW_COMPANY,)
    assert found["Nystartat AB"].reason_texts == ["Nyetablerat"]
    assert "Etablerat AB" not in found


def test_open_follow_ups(ctx, factories):
    follow_up(quiet(factories, name="Väntar AB"), FollowUpStatus.OPEN)
    follow_up(quiet(factories, name="Pågår AB"), FollowUpStatus.IN_PROGRESS, visible=True)
    follow_up(quiet(factories, name="Klart AB"), FollowUpStatus.DONE)
    found = suggested()
    assert found["Väntar AB"].reasons == (Reason.OPEN_FOLLOW_UP,)
    assert found["Väntar AB"].reason_texts == ["Öppen uppföljning"]
    assert found["Pågår AB"].reasons == (Reason.OPEN_FOLLOW_UP,)
    assert "Klart AB" not in found
    # Politicians see only the follow-ups marked visible to them.
    assert set(suggested(visible_only=True)) == {"Pågår AB"}


def test_under_represented_sector_and_district(ctx, factories):
    for n in range(4):
        visit(company(factories, name=f"Besökt IT {n} AB", sni="62010", district="Hamnen"), YEAR)
    quiet(factories, name="Verkstaden AB", sni="25110", district="Centrum")
    quiet(factories, name="Snickeriet AB", sni="16239", district="Hamnen")
    spread = plan.spread(YEAR)
    assert [row.key for row in spread["sni"].gaps] == ["C"]
    assert [row.key for row in spread["district"].gaps] == ["Centrum"]
    found = suggested()
    assert found["Verkstaden AB"].reasons == (Reason.SECTOR_GAP, Reason.DISTRICT_GAP)
    assert found["Verkstaden AB"].reason_texts == [
        "Bransch med få besök i år (C – Tillverkning)",
        "Kommundel med få besök i år (Centrum)",
    ]
    assert found["Snickeriet AB"].reasons == (Reason.SECTOR_GAP,)
    assert not any(name.startswith("Besökt IT") for name in found)  # visited this year


def test_companies_already_planned_or_visited_this_year_are_left_out(ctx, factories):
    visit(company(factories, name="Föreslaget AB"), YEAR, VisitStatus.PROPOSED)
    visit(company(factories, name="Bokat AB"), YEAR, VisitStatus.BOOKED)
    visit(company(factories, name="Besökt AB"), YEAR, VisitStatus.DONE)
    visit(company(factories, name="Inställt i år AB"), YEAR, VisitStatus.CANCELLED)
    visit(company(factories, name="Föreslaget i fjol AB"), YEAR - 1, VisitStatus.PROPOSED)
    company(factories, name="Vilande AB", status=CompanyStatus.DORMANT)
    company(factories, name="Avregistrerat AB", status=CompanyStatus.DEREGISTERED)
    assert set(suggested()) == {"Inställt i år AB", "Föreslaget i fjol AB"}


def test_ranked_by_score_then_name_and_limited(ctx, factories):
    quiet(factories, name="Bara ny AB", created_at=datetime(2026, 3, 1, tzinfo=UTC))  # 2
    company(factories, name="Aldrig och stor AB", size_class="7")  # 3 + 2
    company(factories, name="Aldrig AB")  # 3
    follow_up(company(factories, name="Aldrig med uppföljning AB"), FollowUpStatus.OPEN)  # 3 + 2
    db.session.commit()
    ranked = suggestions.suggestions(YEAR, NOW, plan.spread(YEAR), 50)
    assert [(s.name, s.score) for s in ranked] == [
        ("Aldrig med uppföljning AB", 5),
        ("Aldrig och stor AB", 5),
        ("Aldrig AB", 3),
        ("Bara ny AB", 2),
    ]
    assert [s.name for s in suggestions.suggestions(YEAR, NOW, plan.spread(YEAR), 2)] == [
        "Aldrig med uppföljning AB",
        "Aldrig och stor AB",
    ]


def test_the_plan_page_and_the_full_list_show_suggestions(client, login_as, factories):
    for n in range(7):
        company(factories, name=f"Förslag {n} AB")
    db.session.commit()
    login_as("politician")
    page = client.get(f"/besoksplan/{YEAR}").get_data(as_text=True)
    assert "Förslag på företag att besöka" in page
    assert page.count('class="suggestion"') == suggestions.PLAN_PAGE_COUNT
    assert "Aldrig besökt" in page
    assert "Föreslå besök" not in page  # politicians read, staff propose
    full = client.get(f"/besoksplan/{YEAR}/forslag").get_data(as_text=True)
    assert full.count('class="suggestion"') == 7


# --- The one-step proposal -------------------------------------------------------------------------


def visits_of(target) -> list[Visit]:
    db.session.expire_all()
    return db.session.execute(select(Visit).where(Visit.company_id == target.id)).scalars().all()


def test_staff_propose_a_suggested_company_in_one_step(client, login_as, factories):
    target = company(factories, name="Storbolaget AB", size_class="6")
    db.session.commit()
    staff = login_as("staff")
    assert "Föreslå besök" in client.get(f"/besoksplan/{YEAR}").get_data(as_text=True)

    response = client.post(f"/besoksplan/{YEAR}/forslag/{target.id}", data={"back": "plan"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/besoksplan/{YEAR}")
    (proposed,) = visits_of(target)
    assert proposed.status == VisitStatus.PROPOSED
    assert proposed.year == YEAR
    assert proposed.kind == VisitKind.POLITICIAN
    assert proposed.counts_towards_target is True
    assert proposed.suggestion_reason == "Aldrig besökt; Stor arbetsgivare (100–199 anställda)"
    assert proposed.created_by_id == staff.id

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Besök hos Storbolaget AB är föreslaget för 2026." in page
    assert "<dt>Föreslagna</dt><dd>1</dd>" in page
    assert "Inga förslag just nu" in page  # the company has left the suggestions


def test_a_proposal_returns_to_the_full_list(client, login_as, factories):
    target = company(factories, name="Listat AB")
    db.session.commit()
    login_as("admin")
    response = client.post(f"/besoksplan/{YEAR}/forslag/{target.id}", data={"back": "lista"})
    assert response.headers["Location"].endswith(f"/besoksplan/{YEAR}/forslag")
    assert len(visits_of(target)) == 1


@pytest.mark.parametrize("existing", [VisitStatus.PROPOSED, VisitStatus.BOOKED])
def test_a_duplicate_proposal_is_refused(client, login_as, factories, existing):
    target = company(factories, name="Redan planerat AB")
    visit(target, YEAR, existing)
    db.session.commit()
    login_as("staff")
    response = client.post(f"/besoksplan/{YEAR}/forslag/{target.id}", follow_redirects=True)
    assert "Redan planerat AB har redan ett föreslaget eller bokat besök 2026." in response.get_data(as_text=True)
    assert [v.status for v in visits_of(target)] == [existing]


def test_a_proposal_for_another_year_is_no_duplicate(client, login_as, factories):
    target = company(factories, name="Nästa år AB")
    visit(target, YEAR + 1, VisitStatus.PROPOSED)
    db.session.commit()
    login_as("staff")
    client.post(f"/besoksplan/{YEAR}/forslag/{target.id}")
    assert sorted(v.year for v in visits_of(target)) == [YEAR, YEAR + 1]


def test_an_inactive_company_is_refused(client, login_as, factories):
    target = company(factories, name="Konkursat AB", status=CompanyStatus.BANKRUPT)
    db.session.commit()
    login_as("staff")
    response = client.post(f"/besoksplan/{YEAR}/forslag/{target.id}", follow_redirects=True)
    assert "Konkursat AB är inte ett aktivt företag." in response.get_data(as_text=True)
    assert visits_of(target) == []


@pytest.mark.parametrize("role", ["politician", "organizer"])
def test_only_staff_and_admins_propose(client, login_as, factories, role):
    target = company(factories, name="Ej för alla AB")
    db.session.commit()
    login_as(role)
    assert client.post(f"/besoksplan/{YEAR}/forslag/{target.id}").status_code == 403
    assert visits_of(target) == []


def test_an_unknown_company_is_not_found(client, login_as):
    login_as("staff")
    assert client.post(f"/besoksplan/{YEAR}/forslag/987654").status_code == 404


def test_politicians_do_not_learn_of_hidden_follow_ups(client, users, factories):
    from tests.conftest import login

    follow_up(quiet(factories, name="Hemlig uppföljning AB"), FollowUpStatus.OPEN, visible=False)
    db.session.commit()
    login(client, users["politician"])
    assert "Hemlig uppföljning AB" not in client.get(f"/besoksplan/{YEAR}/forslag").get_data(as_text=True)
    client.post("/logga-ut")
    login(client, users["staff"])
    page = client.get(f"/besoksplan/{YEAR}/forslag").get_data(as_text=True)
    assert "Hemlig uppföljning AB" in page and "Öppen uppföljning" in page
