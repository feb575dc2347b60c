"""The bounded suggestions (candidates plus the first by name of the rest) rank exactly as scoring every company."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from crm.companies.models import CompanyStatus
from crm.extensions import db
from crm.followups.models import FollowUpStatus
from crm.plan import spread as plan
from crm.plan import suggestions
from crm.visits.models import VisitStatus
from tests.plan.plan_helpers import NOW, company, follow_up, visit

YEAR = NOW.year


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def reference(year, now, spreads, limit, visible_follow_ups_only=False) -> list[tuple[int, int, tuple]]:
    """The ranking before the bound: every active company scored, ordered, limited."""
    gaps = suggestions.Gaps.from_spreads(spreads)
    query = suggestions.suggestion_query(year, now, gaps, visible_follow_ups_only=visible_follow_ups_only)
    found = [suggestions._suggestion(row, gaps) for row in db.session.execute(query.limit(limit))]
    return [(s.company_id, s.score, s.reasons) for s in found]


def varied_register(factories, count: int = 300) -> None:
    rng = random.Random(7)
    for n in range(count):
        found = company(
            factories,
            name=f"{rng.choice('ABCDEFGH')}{rng.randint(0, 99):02d} Företag {n} AB",
            sni=rng.choice(["62010", "10710", "47111", "01110", "41200", "56100", None]),
            size_class=rng.choice(["0", "1", "2", "3", "5", "7", "12", None]),
            district=rng.choice(["Hamnen", "Centrum", "Norra", None]),
            women_led=rng.choice([True, False, None]),
            status=CompanyStatus.ACTIVE if rng.random() < 0.85 else CompanyStatus.DORMANT,
            created_at=NOW - timedelta(days=rng.choice([30, 200, 800, 3000])),
            tags=["Nyetablerad"] if rng.random() < 0.03 else [],
        )
        roll = rng.random()
        if roll < 0.25:
            visit(found, YEAR, VisitStatus.DONE)
        elif roll < 0.35:
            visit(found, YEAR - rng.randint(1, 8), VisitStatus.DONE)
        elif roll < 0.40:
            visit(found, YEAR, rng.choice([VisitStatus.BOOKED, VisitStatus.PROPOSED, VisitStatus.CANCELLED]))
        if rng.random() < 0.05:
            follow_up(found, rng.choice(list(FollowUpStatus)), visible=rng.random() < 0.5)
    db.session.commit()


@pytest.mark.parametrize("visible_only", [False, True])
def test_the_bounded_ranking_equals_scoring_every_company(ctx, factories, visible_only):
    varied_register(factories)
    spreads = plan.spread(YEAR)
    for limit in (1, 5, 50, 400):
        expected = reference(YEAR, NOW, spreads, limit, visible_only)
        found = suggestions.suggestions(YEAR, NOW, spreads, limit, visible_follow_ups_only=visible_only)
        assert [(s.company_id, s.score, s.reasons) for s in found] == expected, limit
    assert len(expected) > 50


def test_the_bounded_ranking_with_gaps(ctx, factories):
    varied_register(factories, 200)
    spreads = plan.spread(YEAR)
    rows = spreads["district"].rows
    gaps = {**spreads, "district": plan.Spread("district", [
        plan.SpreadRow(row.key, row.label, row.visited, row.register, 0, 0, row.key in ("Hamnen", "Norra"))
        for row in rows], 0, 0),
        "sni": plan.Spread("sni", [plan.SpreadRow("J", "J", 0, 1, 0, 0, True)], 0, 0)}
    for limit in (5, 50):
        expected = reference(YEAR, NOW, gaps, limit)
        found = suggestions.suggestions(YEAR, NOW, gaps, limit)
        assert [(s.company_id, s.score, s.reasons) for s in found] == expected, limit
