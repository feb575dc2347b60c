"""The reminder the day before a visit: who gets it, when, with what, and again after the visit moves."""

from __future__ import annotations

from datetime import timedelta

from crm.extensions import db
from crm.mail.delivery import deliver_due
from crm.mail.links import absolute_url
from crm.reminders.sweep import sweep_reminders
from crm.timeutil import stockholm_to_utc
from crm.visits.models import VisitStatus
from tests.reminders.helpers import MONDAY, THURSDAY, TUESDAY, WEDNESDAY, at, outbox, outbox_keys, parts, wall


def key(visit, user, day, hour: int = 9, minute: int = 0) -> str:
    """The reminder's key: the visit's Stockholm start, date and time (a move within the day is a new reminder)."""
    return f"visit-reminder:{visit.id}:{user.id}:{day.isoformat()}T{hour:02d}:{minute:02d}"


def reminder_keys() -> list[str]:
    return sorted(k for k in outbox_keys() if k.startswith("visit-reminder:"))


def tuesday_visit(factories, participants, **fields):
    """A visit on Tuesday 09:00-10:00; nobody has a digest in the way (turned off for clarity)."""
    for user in participants:
        user.digest_enabled = False
    company = factories.company(name="Företaget AB")
    contact = factories.contact(company, name="Karin Kontakt")
    fields.setdefault("place", "Storgatan 1, Södertälje")
    fields.setdefault("purpose", "Prata om kompetensförsörjning och lokaler.")
    visit = factories.booked_visit(company, start=wall(TUESDAY, 9), participants=participants, contacts=[contact],
                                   **fields)
    db.session.commit()
    return visit


def test_participants_get_a_reminder_from_noon_the_day_before(factories, smtp):
    anna = factories.user(role="staff", name="Anna Andersson")
    bo = factories.user(role="politician", name="Bo Berg")
    off = factories.user(role="staff", name="Cilla Carlsson", visit_reminders_enabled=False)
    gone = factories.user(role="staff", name="Dan Dahl", active=False)
    visit = tuesday_visit(factories, [anna, bo, off, gone])

    assert sweep_reminders(at(MONDAY, 8)).visit_reminders == 0, "not on Sunday's or Monday morning's sweeps"
    assert sweep_reminders(at(MONDAY, 11, 59)).visit_reminders == 0
    assert sweep_reminders(at(MONDAY, 12, 0)).visit_reminders == 2
    assert reminder_keys() == sorted([key(visit, anna, TUESDAY), key(visit, bo, TUESDAY)])
    assert deliver_due(at(MONDAY, 12, 0)).sent == 2

    received = {message.rcpt_tos[0]: message.message for message in smtp.messages}
    assert set(received) == {anna.email, bo.email}
    message = received[anna.email]
    assert message["Subject"] == "Påminnelse: besök hos Företaget AB i morgon 09:00"
    text, html = parts(message).values()
    assert "Företag: Företaget AB" in text
    assert "Tid: tisdag 2026-11-24 09:00–10:00" in text
    assert "Plats: Storgatan 1, Södertälje" in text
    others = between_lines(text, "Från kommunen deltar också: ")
    assert "Bo Berg" in others and "Anna Andersson" not in others, "the others, not herself"
    assert "Från företaget: Karin Kontakt" in text
    assert "Prata om kompetensförsörjning och lokaler." in text
    visit_link = absolute_url("visits.detail", visit_id=visit.id)
    assert visit_link in text and f'<a href="{visit_link}">' in html
    assert f'<a href="{absolute_url("auth.account")}">' in html
    assert "Anna Andersson" in between_lines(parts(received[bo.email])["text/plain"], "Från kommunen deltar också: ")

    assert sweep_reminders(at(MONDAY, 18)).visit_reminders == 0
    assert deliver_due(at(MONDAY, 18)).claimed == 0
    assert len(smtp.messages) == 2


def between_lines(text: str, prefix: str) -> str:
    [line] = [line for line in text.splitlines() if line.startswith(prefix)]
    return line[len(prefix):]


def test_catch_up_after_downtime_until_the_visit_starts(factories, smtp):
    anna = factories.user()
    visit = tuesday_visit(factories, [anna])

    # Down from Monday 11:00 to Tuesday 08:30: the reminder goes out then, saying "i dag".
    assert sweep_reminders(at(MONDAY, 11)).visit_reminders == 0
    assert sweep_reminders(at(TUESDAY, 8, 30)).visit_reminders == 1
    deliver_due(at(TUESDAY, 8, 30))
    assert smtp.messages[0].message["Subject"] == "Påminnelse: besök hos Företaget AB i dag 09:00"
    assert reminder_keys() == [key(visit, anna, TUESDAY)]


def test_no_reminder_once_the_visit_has_started(factories):
    anna = factories.user()
    tuesday_visit(factories, [anna])
    assert sweep_reminders(at(TUESDAY, 9, 0)).visit_reminders == 0
    assert sweep_reminders(at(TUESDAY, 9, 5)).visit_reminders == 0
    assert reminder_keys() == []


def test_no_reminder_for_a_cancelled_or_proposed_visit(factories):
    anna = factories.user(digest_enabled=False)
    factories.visit(status=VisitStatus.CANCELLED, start=wall(TUESDAY, 9), participants=[anna])
    factories.visit(status=VisitStatus.PROPOSED, start=wall(TUESDAY, 11), participants=[anna])
    db.session.commit()
    assert sweep_reminders(at(MONDAY, 15)).visit_reminders == 0
    assert outbox() == []


def test_a_visit_cancelled_after_its_reminder_gets_no_more(factories):
    anna = factories.user()
    visit = tuesday_visit(factories, [anna])
    sweep_reminders(at(MONDAY, 12))
    visit.status = VisitStatus.CANCELLED
    visit.cancel_reason = "Företaget fick förhinder"
    db.session.commit()
    assert sweep_reminders(at(MONDAY, 13)).visit_reminders == 0
    assert reminder_keys() == [key(visit, anna, TUESDAY)]


def test_a_moved_visit_gets_a_fresh_reminder(factories, smtp):
    anna = factories.user()
    visit = tuesday_visit(factories, [anna])
    sweep_reminders(at(MONDAY, 12))
    assert reminder_keys() == [key(visit, anna, TUESDAY)]

    visit.starts_at = stockholm_to_utc(wall(THURSDAY, 10))
    visit.ends_at = visit.starts_at + timedelta(hours=1)
    db.session.commit()
    assert sweep_reminders(at(MONDAY, 13)).visit_reminders == 0, "Thursday's window opens Wednesday noon"
    assert sweep_reminders(at(WEDNESDAY, 11, 59)).visit_reminders == 0
    assert sweep_reminders(at(WEDNESDAY, 12)).visit_reminders == 1
    assert reminder_keys() == sorted([key(visit, anna, TUESDAY), key(visit, anna, THURSDAY, 10)])
    deliver_due(at(WEDNESDAY, 12))
    subjects = sorted(message.message["Subject"] for message in smtp.messages)
    assert subjects == [
        "Påminnelse: besök hos Företaget AB i morgon 09:00",
        "Påminnelse: besök hos Företaget AB i morgon 10:00",
    ]
    assert "torsdag 2026-11-26 10:00–11:00" in parts(
        next(m.message for m in smtp.messages if "10:00" in m.message["Subject"]))["text/plain"]


def test_a_visit_moved_within_its_day_gets_a_fresh_reminder(factories, smtp):
    anna = factories.user()
    visit = tuesday_visit(factories, [anna])
    assert sweep_reminders(at(MONDAY, 12)).visit_reminders == 1
    deliver_due(at(MONDAY, 12))

    visit.starts_at = stockholm_to_utc(wall(TUESDAY, 14, 30))
    visit.ends_at = visit.starts_at + timedelta(hours=1)
    db.session.commit()
    assert sweep_reminders(at(MONDAY, 13)).visit_reminders == 1, "the new time is reminded of"
    assert reminder_keys() == sorted([key(visit, anna, TUESDAY), key(visit, anna, TUESDAY, 14, 30)])
    assert sweep_reminders(at(MONDAY, 14)).visit_reminders == 0, "once"
    deliver_due(at(MONDAY, 13))
    subjects = sorted(message.message["Subject"] for message in smtp.messages)
    assert subjects == [
        "Påminnelse: besök hos Företaget AB i morgon 09:00",
        "Påminnelse: besök hos Företaget AB i morgon 14:30",
    ]


def test_summer_time_reminder_reads_stockholm_time(factories, smtp):
    """In June Stockholm is UTC+2: the visit at 09:00 local is 07:00 UTC, and the mail says 09:00."""
    from datetime import date

    anna = factories.user(digest_enabled=False)
    factories.booked_visit(factories.company(name="Sommar AB"), start=wall(date(2026, 6, 16), 9), participants=[anna])
    db.session.commit()
    assert sweep_reminders(at(date(2026, 6, 15), 11, 59)).visit_reminders == 0
    assert sweep_reminders(at(date(2026, 6, 15), 12)).visit_reminders == 1
    deliver_due(at(date(2026, 6, 15), 12))
    message = smtp.messages[0].message
    assert message["Subject"] == "Påminnelse: besök hos Sommar AB i morgon 09:00"
    assert "Tid: tisdag 2026-06-16 09:00–10:00" in parts(message)["text/plain"]
