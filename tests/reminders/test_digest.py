"""The daily digest: what it lists, its MIME shape, when it comes, and that a day gets at most one."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from crm.extensions import db
from crm.followups.models import FollowUpStatus
from crm.mail.delivery import deliver_due
from crm.mail.links import absolute_url
from crm.reminders.sweep import sweep_reminders
from crm.visits.models import VisitStatus
from tests.reminders.helpers import (
    MONDAY,
    NEXT_MONDAY,
    SATURDAY,
    SUNDAY,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    at,
    between,
    outbox,
    outbox_keys,
    parts,
    wall,
)


def with_overdue_follow_up(factories, user, description="Skicka kartan över industriområdet"):
    factories.follow_up(assignee=user, due_date=MONDAY - timedelta(days=3), description=description)


def test_digest_lists_each_follow_up_under_its_heading_and_the_coming_visits(factories, smtp):
    anna = factories.user(role="staff", name="Anna Andersson")
    other = factories.user(role="staff")
    company = factories.company(name="Bygg & Betong AB")
    overdue = factories.follow_up(company, assignee=anna, due_date=MONDAY - timedelta(days=3),
                                description="Ring om bygglovet")
    in_progress = factories.follow_up(company, assignee=anna, due_date=MONDAY - timedelta(days=1),
                                      status=FollowUpStatus.IN_PROGRESS, description="Boka möte med miljöförvaltningen")
    today = factories.follow_up(company, assignee=anna, due_date=MONDAY, description="Skicka offert på marken")
    this_week = factories.follow_up(company, assignee=anna, due_date=SUNDAY, description="Återkoppla om elnätet")
    factories.follow_up(company, assignee=anna, due_date=NEXT_MONDAY, description="Nästa veckas sak")
    factories.follow_up(company, assignee=anna, due_date=None, description="Utan datum")
    factories.follow_up(company, assignee=anna, due_date=MONDAY - timedelta(days=2), status=FollowUpStatus.DONE,
                        description="Redan klar")
    factories.follow_up(company, assignee=other, due_date=MONDAY, description="Någon annans")
    visit = factories.booked_visit(company, start=wall(WEDNESDAY, 9), participants=[anna],
                                   place="Verkstan, Hamngatan 4")
    factories.booked_visit(start=wall(MONDAY + timedelta(days=8), 9), participants=[anna])  # beyond 7 days
    factories.visit(status=VisitStatus.CANCELLED, start=wall(TUESDAY, 10), participants=[anna])
    factories.visit(status=VisitStatus.PROPOSED, start=wall(TUESDAY, 13), participants=[anna])
    factories.booked_visit(start=wall(TUESDAY, 14), participants=[other])
    db.session.commit()

    report = sweep_reminders(at(MONDAY, 7, 30))
    assert report.digests == 2, "Anna's and her colleague's"
    assert sorted(outbox_keys()) == sorted([f"digest:{anna.id}:2026-11-23", f"digest:{other.id}:2026-11-23"])
    assert deliver_due(at(MONDAY, 7, 30)).sent == 2

    [received] = [received for received in smtp.messages if received.rcpt_tos == [anna.email]]
    message = received.message
    assert message["Subject"] == "Dina uppföljningar och besök 2026-11-23"
    raw_subject = received.data.split(b"\r\nSubject: ", 1)[1].split(b"\r\n", 1)[0]
    assert raw_subject.isascii() and b"=?utf-8?" in raw_subject, "the Swedish subject is RFC 2047 encoded"
    text, html = parts(message).values()

    link = {f.id: absolute_url("followups.detail", follow_up_id=f.id) for f in (overdue, in_progress, today,
                                                                                 this_week)}
    visit_link = absolute_url("visits.detail", visit_id=visit.id)
    assert link[overdue.id].startswith("http://127.0.0.1:5000/uppfoljningar/")

    overdue_part = between(text, "FÖRSENADE (2)", "SKA VARA KLARA I DAG")
    assert "Ring om bygglovet" in overdue_part and link[overdue.id] in overdue_part
    assert "Boka möte med miljöförvaltningen" in overdue_part and link[in_progress.id] in overdue_part
    today_part = between(text, "SKA VARA KLARA I DAG (1)", "RESTEN AV VECKAN")
    assert "Skicka offert på marken" in today_part and link[today.id] in today_part
    week_part = between(text, "RESTEN AV VECKAN (V. 48) (1)", "BOKADE BESÖK")
    assert "Återkoppla om elnätet" in week_part and link[this_week.id] in week_part
    visits_part = between(text, "BOKADE BESÖK DE NÄRMASTE 7 DAGARNA (1)", "Alla dina uppföljningar")
    assert "onsdag 2026-11-25 09:00–10:00 Bygg & Betong AB, Verkstan, Hamngatan 4" in visits_part
    assert visit_link in visits_part
    for left_out in ("Nästa veckas sak", "Utan datum", "Redan klar", "Någon annans"):
        assert left_out not in text and left_out not in html
    assert text.count("/besok/") == 1, "only the booked visit she takes part in, within 7 days"
    assert f"Alla dina uppföljningar: {absolute_url('followups.mine')}" in text
    assert f"Ändra dina påminnelser: {absolute_url('auth.account')}" in text

    assert '<html lang="sv">' in html
    assert f'<a href="{link[overdue.id]}">' in between(html, 'id="forsenade"', "</section>")
    assert f'<a href="{link[today.id]}">' in between(html, 'id="idag"', "</section>")
    assert f'<a href="{link[this_week.id]}">' in between(html, 'id="veckan"', "</section>")
    assert f'<a href="{visit_link}">' in between(html, 'id="besok"', "</section>")
    assert f'<a href="{absolute_url("followups.mine")}">' in html
    assert f'<a href="{absolute_url("auth.account")}">' in between(html, "<footer", "</footer>")
    assert "Bygg &amp; Betong AB" in html and "Bygg & Betong" not in html, "user text is escaped"
    assert "src=" not in html and "<link" not in html, "no external resources"


def test_a_politician_gets_only_visits_without_follow_up_links(factories, smtp):
    politician = factories.user(role="politician")
    factories.follow_up(assignee=politician, due_date=MONDAY)  # not something a politician can open
    factories.booked_visit(start=wall(THURSDAY, 13), participants=[politician])
    db.session.commit()

    sweep_reminders(at(MONDAY, 8))
    deliver_due(at(MONDAY, 8))

    text, html = parts(smtp.messages[0].message).values()
    assert "BOKADE BESÖK" in text and "torsdag 2026-11-26 13:00" in text
    assert "/uppfoljningar" not in text and "/uppfoljningar" not in html


def test_restart_catches_up_the_same_day_once(factories, smtp):
    user = factories.user()
    with_overdue_follow_up(factories, user)
    db.session.commit()

    assert sweep_reminders(at(MONDAY, 7, 0)).digests == 0
    assert outbox() == []
    # The scheduler is down from 07:01 to 09:10, over the digest time 07:30.
    assert sweep_reminders(at(MONDAY, 9, 10)).digests == 1
    assert deliver_due(at(MONDAY, 9, 10)).sent == 1
    assert len(smtp.messages) == 1

    assert sweep_reminders(at(MONDAY, 9, 11)).digests == 0
    assert deliver_due(at(MONDAY, 9, 11)).claimed == 0
    assert len(smtp.messages) == 1

    assert sweep_reminders(at(TUESDAY, 7, 0)).digests == 0
    deliver_due(at(TUESDAY, 7, 0))
    assert len(smtp.messages) == 1, "the next morning, nothing before the digest time"
    assert sweep_reminders(at(TUESDAY, 7, 30)).digests == 1
    deliver_due(at(TUESDAY, 7, 30))
    assert [m.message["Subject"] for m in smtp.messages] == [
        "Dina uppföljningar och besök 2026-11-23",
        "Dina uppföljningar och besök 2026-11-24",
    ]


def test_a_day_that_passed_entirely_is_not_sent_late(factories):
    user = factories.user()
    with_overdue_follow_up(factories, user)
    db.session.commit()

    # Down from Monday morning until Tuesday 06:00: Monday's digest is skipped, not sent late.
    assert sweep_reminders(at(TUESDAY, 6, 0)).digests == 0
    assert outbox() == []
    sweep_reminders(at(TUESDAY, 7, 45))
    assert outbox_keys() == [f"digest:{user.id}:2026-11-24"]


def test_weekdays_only_unless_weekends_are_chosen(factories):
    weekdays = factories.user()
    weekends = factories.user(digest_weekends=True)
    for user in (weekdays, weekends):
        with_overdue_follow_up(factories, user)
    db.session.commit()

    sweep_reminders(at(SATURDAY, 9))
    sweep_reminders(at(SUNDAY, 9))
    assert outbox_keys() == [f"digest:{weekends.id}:2026-11-28", f"digest:{weekends.id}:2026-11-29"]
    sweep_reminders(at(NEXT_MONDAY, 7, 30))
    assert set(outbox_keys()) == {
        f"digest:{weekends.id}:2026-11-28",
        f"digest:{weekends.id}:2026-11-29",
        f"digest:{weekdays.id}:2026-11-30",
        f"digest:{weekends.id}:2026-11-30",
    }


def test_each_user_gets_it_at_their_own_time(factories):
    early = factories.user()
    late = factories.user(digest_time=time(16, 15))
    for user in (early, late):
        with_overdue_follow_up(factories, user)
    db.session.commit()

    sweep_reminders(at(MONDAY, 7, 30))
    assert outbox_keys() == [f"digest:{early.id}:2026-11-23"]
    sweep_reminders(at(MONDAY, 16, 14))
    assert len(outbox()) == 1
    sweep_reminders(at(MONDAY, 16, 15))
    assert outbox_keys() == [f"digest:{early.id}:2026-11-23", f"digest:{late.id}:2026-11-23"]


@pytest.mark.parametrize("fields", [{"active": False}, {"digest_enabled": False}], ids=["deactivated", "turned-off"])
def test_no_digest_for_a_deactivated_user_or_one_who_turned_it_off(factories, fields):
    user = factories.user(**fields)
    with_overdue_follow_up(factories, user)
    factories.booked_visit(start=wall(TUESDAY, 9), participants=[user])
    db.session.commit()

    report = sweep_reminders(at(MONDAY, 12))
    assert report.digests == 0
    assert not [key for key in outbox_keys() if key.startswith("digest:")]
    db.session.refresh(user)
    assert user.last_digest_on is None


def test_nothing_to_say_sends_nothing_and_the_day_is_done(factories):
    user = factories.user()
    factories.follow_up(assignee=user, due_date=NEXT_MONDAY)  # not this week
    db.session.commit()

    report = sweep_reminders(at(MONDAY, 7, 30))
    assert (report.digests, report.empty_digests) == (0, 1)
    assert outbox() == []
    db.session.refresh(user)
    assert user.last_digest_on == MONDAY

    with_overdue_follow_up(factories, user)
    db.session.commit()
    assert sweep_reminders(at(MONDAY, 10)).digests == 0, "one digest a day, made at its time"
    assert outbox() == []


def test_claiming_the_day_leaves_no_audit_entry(factories):
    from sqlalchemy import func, select

    from crm.audit.models import AuditEntry

    user = factories.user()
    with_overdue_follow_up(factories, user)
    db.session.commit()
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))

    sweep_reminders(at(MONDAY, 7, 30))
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries
    db.session.refresh(user)
    assert user.last_digest_on == MONDAY


def test_sweeping_twice_queues_one_row_per_key(factories):
    users = [factories.user() for _ in range(3)]
    for user in users:
        with_overdue_follow_up(factories, user)
    db.session.commit()

    first = sweep_reminders(at(MONDAY, 8))
    second = sweep_reminders(at(MONDAY, 8))
    assert (first.digests, second.digests) == (3, 0)
    keys = outbox_keys()
    assert sorted(keys) == sorted(f"digest:{user.id}:2026-11-23" for user in users)
    assert len(set(keys)) == len(keys)


def test_one_failing_user_does_not_stop_the_others(factories, monkeypatch):
    from crm.reminders import digest

    broken, fine = factories.user(), factories.user()
    for user in (broken, fine):
        with_overdue_follow_up(factories, user)
    db.session.commit()
    broken_id = broken.id
    render = digest.render_digest

    def render_or_fail(user, content, today):
        if user.id == broken_id:
            raise RuntimeError("a template error")
        return render(user, content, today)

    monkeypatch.setattr(digest, "render_digest", render_or_fail)
    report = sweep_reminders(at(MONDAY, 8))
    assert (report.digests, report.failures) == (1, 1)
    assert outbox_keys() == [f"digest:{fine.id}:2026-11-23"]


def test_a_failure_after_the_claim_rolls_the_claim_back_and_spares_the_others(factories):
    broken = factories.user(email="inte-en-adress")  # refused when the message is built
    fine = factories.user()
    for user in (broken, fine):
        with_overdue_follow_up(factories, user)
    db.session.commit()

    report = sweep_reminders(at(MONDAY, 8))
    assert (report.digests, report.failures) == (1, 1)
    assert outbox_keys() == [f"digest:{fine.id}:2026-11-23"]
    db.session.refresh(broken)
    assert broken.last_digest_on is None, "the day is still open: a fixed address gets today's digest"

    broken.email = "rattad@kommun.example"
    db.session.commit()
    assert sweep_reminders(at(MONDAY, 8, 1)).digests == 1
    assert sorted(outbox_keys()) == sorted([f"digest:{fine.id}:2026-11-23", f"digest:{broken.id}:2026-11-23"])


def test_query_count_does_not_grow_with_follow_ups_and_visits(factories, count_queries):
    def sweep_statements(day, items: int) -> int:
        user = factories.user()
        # Tomorrow's visit is loaded by the reminder sweep too, though its window opens only at noon.
        factories.booked_visit(start=wall(day + timedelta(days=1), 9), participants=[user])
        for n in range(items):
            factories.follow_up(assignee=user, due_date=day - timedelta(days=n % 3))
            factories.booked_visit(start=wall(day + timedelta(days=2 + n % 4), 9 + n % 8), participants=[user])
        db.session.commit()
        with count_queries() as log:
            report = sweep_reminders(at(day, 7, 30))
        assert (report.digests, report.visit_reminders) == (1, 0)
        user.digest_enabled = user.visit_reminders_enabled = False  # out of the next round
        db.session.commit()
        return log.count

    assert sweep_statements(MONDAY, 1) == sweep_statements(TUESDAY, 12)
