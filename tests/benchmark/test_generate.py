"""The benchmark data generator: counts, the same data from the same seed, consistent rows, and every page the
benchmark measures answering with as many SQL statements at two sizes of data."""

from __future__ import annotations

import json
import re

from sqlalchemy import and_, func, select
from stdnum.se import orgnr

from crm.benchmark import bench
from crm.benchmark.generate import (
    BIG_EVENT_INVITATIONS,
    LONG_TIMELINE_INTERACTIONS,
    DatabaseNotEmpty,
    counts_for,
    generate,
    register_digest,
)
from crm.companies import sni
from crm.companies.models import Company, CompanySni, ContactPerson
from crm.events.models import Answer, Attendance, Event, EventStatus, Invitation
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.imports import planning
from crm.imports.mapping import guess_mapping
from crm.imports.reading import read_table
from crm.meetings.models import Interaction
from crm.networks.models import Network
from crm.text import fold, name_key
from crm.visits.models import Visit
from tests.conftest import empty_database

SMALL, LARGER = 0.001, 0.003


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_counts_are_those_of_the_scale(app):
    result = generate(SMALL, seed=7)
    wanted = counts_for(SMALL)
    assert count(Company) == wanted["companies"]
    assert count(ContactPerson) == wanted["contacts"]
    assert count(Interaction) == wanted["interactions"]
    assert count(Visit) == wanted["visits"]
    assert count(Network) == wanted["networks"]
    assert count(Event) == wanted["events"]
    assert count(Invitation) == wanted["invitations"]
    assert result.table_rows()["companies"] == wanted["companies"]
    assert counts_for(1.0)["companies"] == 100_000 and counts_for(1.0)["interactions"] == 500_000


def test_the_same_seed_gives_the_same_data(app):
    generate(SMALL, seed=7)
    first = register_digest()
    empty_database()
    generate(SMALL, seed=7)
    assert register_digest() == first
    empty_database()
    generate(SMALL, seed=8)
    assert register_digest() != first


def test_refuses_a_register_with_companies_unless_told(app):
    generate(SMALL, seed=7)
    try:
        generate(SMALL, seed=7)
    except DatabaseNotEmpty:
        pass
    else:
        raise AssertionError("generated into a register that has companies")
    generate(SMALL, seed=7, allow_existing=True)  # no key collides with the first run's
    assert count(Company) == 2 * counts_for(SMALL)["companies"]


def test_rows_are_consistent(app):
    info = generate(SMALL, seed=11).info
    numbers = db.session.scalars(select(Company.org_number)).all()
    assert all(re.fullmatch(r"\d{6}-\d{4}", number) and orgnr.is_valid(number) for number in numbers)
    assert len(set(numbers)) == len(numbers)
    for name, key in db.session.execute(select(Company.name, Company.name_key)):
        assert key == name_key(name)
    for name, key in db.session.execute(select(ContactPerson.name, ContactPerson.name_key)):
        assert key == fold(name)

    uids = db.session.scalars(select(Visit.uid)).all() + db.session.scalars(select(Event.uid)).all()
    assert len(set(uids)) == len(uids) and all(uid.endswith("@naringsliv-crm") for uid in uids)
    keys = db.session.scalars(select(Invitation.rsvp_key)).all()
    assert len(set(keys)) == len(keys)

    orphans = select(func.count()).select_from(Invitation).outerjoin(Event, Event.id == Invitation.event_id)
    assert db.session.scalar(orphans.where(Event.id.is_(None))) == 0
    holding = and_(Invitation.answer == Answer.YES, Invitation.waitlisted_at.is_(None),
                   Invitation.uninvited_at.is_(None))
    for event_id, capacity, taken in db.session.execute(select(Event.id, Event.capacity, Event.places_taken)):
        assert taken == count(Invitation, Invitation.event_id == event_id, holding)
        assert capacity is None or taken <= capacity
    assert count(Invitation, Invitation.attendance.is_not(None), Invitation.answer != Answer.YES) == 0
    assert count(Invitation, Invitation.attendance == Attendance.ATTENDED,
                 Invitation.event_id.in_(select(Event.id).where(Event.status != EventStatus.HELD))) == 0
    assert count(Invitation, Invitation.event_id.in_(select(Event.id).where(Event.status == EventStatus.PLANNED))) == 0

    closed = FollowUp.status.in_((FollowUpStatus.DONE, FollowUpStatus.NOT_DONE))
    assert count(FollowUp, closed, FollowUp.closed_at.is_(None)) == 0
    assert count(FollowUp, ~closed, FollowUp.closed_at.is_not(None)) == 0

    interactions = counts_for(SMALL)["interactions"]
    company_id = info["long_timeline_company_id"]
    assert count(Interaction, Interaction.company_id == company_id) >= min(LONG_TIMELINE_INTERACTIONS,
                                                                          interactions // 3)
    eligible = count(ContactPerson, ContactPerson.email.is_not(None), ContactPerson.objection.is_(False),
                     ContactPerson.opt_out_networks.is_(False), ContactPerson.opt_out_breakfasts.is_(False),
                     ContactPerson.opt_out_procurement.is_(False))
    assert count(Invitation, Invitation.event_id == info["big_event_id"]) == min(
        BIG_EVENT_INVITATIONS, eligible, counts_for(SMALL)["invitations"]
    )


def test_every_sni_code_is_real_and_the_benchmarks_import_file_has_no_errors(app):
    """The import checks codes against SNI 2007; a made-up one in the vocabulary would refuse the measured file."""
    info = generate(SMALL, seed=5).info
    codes = db.session.scalars(select(CompanySni.code).distinct()).all()
    assert codes and [code for code in codes if not sni.is_valid(code)] == []
    table = read_table(bench.import_file(info, rows=400), "csv")
    plan = planning.plan_rows(table, guess_mapping(table.headers))
    assert plan.error_count == 0, [(row.number, row.errors) for row in plan.error_rows]
    assert any(row.parsed.company.get("sni_codes") for row in plan.rows)


def test_the_command_writes_the_file_the_benchmark_reads(app, tmp_path):
    path = tmp_path / "data.json"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["generate-data", "--scale", str(SMALL), "--seed", "3", "--info-file", str(path)])
    assert result.exit_code == 0, result.output
    assert "benchmark-2026" in result.output
    info = json.loads(path.read_text(encoding="utf-8"))
    assert {"long_timeline_company_id", "big_event_id", "feed_tokens", "users"} <= set(info)
    again = runner.invoke(args=["generate-data", "--scale", str(SMALL), "--info-file", str(path)])
    assert again.exit_code != 0 and "--yes" in again.output


def test_every_measured_page_answers_with_as_many_statements_at_two_sizes(app):
    small = bench.render_pages(app, generate(SMALL, seed=5).info)
    empty_database()
    larger = bench.render_pages(app, generate(LARGER, seed=5).info)
    assert set(small) == {page.key for page in bench.pages(generate_info_stub())}
    assert small == larger


def generate_info_stub() -> dict:
    """Enough of an info file to list the pages."""
    return {"today": "2026-11-22", "feed_tokens": {"user": "u", "network": "n"}, "search_term": "x",
            "filter_args": {}, "long_timeline_company_id": 1, "big_event_id": 1}
