"""The suggestions the scheduled job ranks and stores for this year and the next, and how the pages read them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.companies.models import CompanyStatus
from crm.extensions import db
from crm.plan import spread as plan
from crm.plan import suggestions
from crm.plan.models import StoredSuggestion
from crm.plan.tasks import refresh_plan_figures
from crm.scheduler import jobs, runs
from crm.timeutil import stockholm_today
from crm.visits.models import VisitStatus
from tests.plan.plan_helpers import NOW, follow_up, visit
from tests.plan.test_suggestions_bounded import varied_register

YEAR = NOW.year
TODAY = NOW.date()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _key(found):
    return [(s.company_id, s.name, s.score, s.reasons, s.last_visit_year, s.section) for s in found]


def _stored_count(year: int) -> int:
    return db.session.scalar(select(func.count()).select_from(StoredSuggestion).where(StoredSuggestion.year == year))


@pytest.mark.parametrize("politician_view", [False, True])
def test_the_stored_ranking_is_the_live_one(ctx, factories, politician_view):
    varied_register(factories, 200)
    refresh_plan_figures(NOW, TODAY)
    db.session.commit()
    assert _stored_count(YEAR) and _stored_count(YEAR + 1)
    spreads = plan.spread(YEAR)
    for limit in (5, 50):
        live = suggestions.ranked(YEAR, NOW, spreads, limit, visible_follow_ups_only=politician_view)
        stored = suggestions.suggestions(YEAR, NOW, spreads, limit, visible_follow_ups_only=politician_view)
        assert len(stored) == limit
        assert _key(stored) == _key(live)


def test_a_company_given_a_visit_since_the_ranking_is_left_out_at_once(ctx, factories):
    varied_register(factories, 120)
    refresh_plan_figures(NOW, TODAY)
    db.session.commit()
    spreads = plan.spread(YEAR)
    first, second, third = suggestions.suggestions(YEAR, NOW, spreads, 3)
    visit(db.session.get(plan.Company, first.company_id), YEAR, VisitStatus.PROPOSED)
    db.session.get(plan.Company, second.company_id).status = CompanyStatus.DORMANT
    db.session.commit()
    now_shown = [s.company_id for s in suggestions.suggestions(YEAR, NOW, spreads, 3)]
    assert first.company_id not in now_shown and second.company_id not in now_shown
    assert now_shown[0] == third.company_id


def test_stored_rows_show_the_company_as_it_is_now(ctx, factories):
    varied_register(factories, 60)
    refresh_plan_figures(NOW, TODAY)
    db.session.commit()
    top = suggestions.suggestions(YEAR, NOW, plan.spread(YEAR), 1)[0]
    db.session.get(plan.Company, top.company_id).name = "Nytt Namn AB"
    db.session.commit()
    assert suggestions.suggestions(YEAR, NOW, plan.spread(YEAR), 1)[0].name == "Nytt Namn AB"


def test_without_stored_rows_and_for_other_years_the_ranking_is_made_live(ctx, factories):
    varied_register(factories, 80)
    spreads = plan.spread(YEAR)
    assert _stored_count(YEAR) == 0
    assert _key(suggestions.suggestions(YEAR, NOW, spreads, 5)) == _key(
        suggestions.ranked(YEAR, NOW, spreads, 5))
    refresh_plan_figures(NOW, TODAY)
    db.session.commit()
    earlier = plan.spread(YEAR - 3)
    assert _stored_count(YEAR - 3) == 0
    assert _key(suggestions.suggestions(YEAR - 3, NOW, earlier, 5)) == _key(
        suggestions.ranked(YEAR - 3, NOW, earlier, 5))


def test_a_new_ranking_replaces_the_old_one(ctx, factories):
    varied_register(factories, 80)
    refresh_plan_figures(NOW, TODAY)
    db.session.commit()
    before = _stored_count(YEAR)
    target = suggestions.suggestions(YEAR, NOW, plan.spread(YEAR), 50)[-1]
    follow_up(db.session.get(plan.Company, target.company_id))  # an open follow-up lifts it
    db.session.commit()
    refresh_plan_figures(NOW, TODAY)
    db.session.commit()
    assert _stored_count(YEAR) == before
    ranks = db.session.scalars(select(StoredSuggestion.rank).where(
        StoredSuggestion.year == YEAR, StoredSuggestion.politician_view.is_(False),
        StoredSuggestion.company_id == target.company_id)).all()
    assert ranks and ranks[0] < 50


def test_the_scheduled_job_ranks_and_stores(app, factories):
    runs.bind(app)
    try:
        with app.test_request_context():
            varied_register(factories, 40)
        jobs.count_register()
        db.session.rollback()
        today = stockholm_today()
        assert _stored_count(today.year) > 0 and _stored_count(today.year + 1) > 0
    finally:
        runs.unbind()
