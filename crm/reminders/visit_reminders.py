"""The reminder the day before a visit, to each municipal participant.

A participant (active, with visit reminders on) of a booked visit gets one mail from 12:00
Stockholm time the day before the visit until it starts. The dedupe key names the visit's local
start, date and time to the minute, `visit-reminder:<visit id>:<user id>:<YYYY-MM-DDTHH:MM>`, so a visit
moved to another day, or to another time on the same day, is reminded of again, and a cancelled one
(no longer booked) is not.

Catch-up: a sweep looks at every booked visit whose reminder window is open now, so a reminder
that fell due while the scheduler was down goes out when it comes back, as long as the visit has
not started.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, raiseload, selectinload

from crm.auth.models import User
from crm.extensions import db
from crm.mail.links import absolute_url
from crm.mail.models import OutboxMessage
from crm.mail.texts import clock, render, when_text
from crm.text import swedish_sort_key
from crm.timeutil import as_utc, local, stockholm_to_utc
from crm.visits.models import Visit, VisitStatus

KIND = "visit-reminder"
OPENS_AT = time(12, 0)  # Stockholm time, the day before the visit
# Candidates are looked for this far ahead: the window opens at most ~37 hours before a visit.
LOOKAHEAD = timedelta(hours=48)


def dedupe_key(visit_id: int, user_id: int, starts_at: datetime) -> str:
    """The key of one participant's reminder of the visit starting at `starts_at` (its Stockholm wall time)."""
    return f"visit-reminder:{visit_id}:{user_id}:{local(starts_at):%Y-%m-%dT%H:%M}"


def window_opens(starts_at: datetime) -> datetime:
    """12:00 Stockholm time the day before the visit, in UTC."""
    return stockholm_to_utc(datetime.combine(local(starts_at).date() - timedelta(days=1), OPENS_AT))


def wants_reminder(user: User) -> bool:
    return user.active and user.visit_reminders_enabled


def _day_word(visit_day: date, today: date) -> str:
    return "i dag" if visit_day == today else "i morgon"


def render_reminder(visit: Visit, user: User, now: datetime) -> tuple[str, str, str]:
    """Subject, text and HTML of one participant's reminder."""
    start = local(visit.starts_at)
    day_word = _day_word(start.date(), local(now).date())
    title = f"Påminnelse: besök hos {visit.company.name} {day_word} {clock(visit.starts_at)}"
    text, html = render(
        "reminder_visit",
        subject=title,
        user=user,
        visit=visit,
        day_word=day_word,
        when=when_text(visit.starts_at, visit.ends_at),
        colleagues=[participant.name for participant in visit.participants if participant.id != user.id],
        company_people=sorted((contact.name for contact in visit.contacts), key=swedish_sort_key),
        visit_url=absolute_url("visits.detail", visit_id=visit.id),
    )
    return title, text, html


def pending(now: datetime) -> list[tuple[str, Visit, User]]:
    """(key, visit, participant) for every reminder whose window is open now and that is not queued yet.

    Three queries for the visits (with company, participants and contacts) and one for the keys
    already in the outbox, however many visits and participants there are.
    """
    visits = db.session.scalars(
        select(Visit)
        .where(Visit.status == VisitStatus.BOOKED, Visit.starts_at > now, Visit.starts_at <= now + LOOKAHEAD)
        .options(joinedload(Visit.company), selectinload(Visit.participants), selectinload(Visit.contacts),
                 raiseload("*"))
        .order_by(Visit.starts_at, Visit.id)
    ).all()
    wanted: dict[str, tuple[Visit, User]] = {}
    for visit in visits:
        if as_utc(now) < window_opens(visit.starts_at):
            continue
        for participant in visit.participants:
            if wants_reminder(participant):
                wanted[dedupe_key(visit.id, participant.id, visit.starts_at)] = (visit, participant)
    if not wanted:
        return []
    queued = set(db.session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(wanted))))
    return [(key, visit, user) for key, (visit, user) in wanted.items() if key not in queued]
