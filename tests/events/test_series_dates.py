"""A series' preview: Swedish public holidays flagged and unticked, single dates dropped, names from Babel."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.events.models import Event
from crm.events.series import month_names, public_holidays, weekday_names
from crm.extensions import db
from crm.timeutil import local

# Every Friday in December 2026: the 25th is Juldagen; the 24th (Julafton) is a Thursday.
RULE = {"title": "Fredagsfika", "kind": "frukostmote", "frequency": "weekly", "ordinal": "1", "weekday": "4",
        "interval": "1", "first_day": "2026-12-01", "last_day": "2026-12-31", "start_time": "07:30",
        "end_time": "09:00", "place": "Stadshuset", "description": "", "capacity": "", "link": ""}
FRIDAYS = ["2026-12-04", "2026-12-11", "2026-12-18", "2026-12-25"]


def _checkbox(html: str, day: str) -> str:
    start = html.index(f'value="{day}"')
    return html[html.rindex("<input", 0, start):html.index(">", start) + 1]


def test_the_holiday_list_knows_swedish_holidays_but_not_sundays(app):
    with app.test_request_context():
        found = public_holidays(date(2026, 1, 1), date(2026, 12, 31))
    assert found[date(2026, 6, 19)] == "Midsommarafton"
    assert found[date(2026, 12, 25)] == "Juldagen"
    assert found[date(2026, 6, 6)] == "Nationaldagen"
    assert date(2026, 3, 1) not in found  # an ordinary Sunday
    assert date(2026, 4, 5) in found  # Påskdagen is a Sunday that is a holiday


def test_the_preview_flags_holidays_and_leaves_them_unticked(client, login_as):
    login_as("organizer")
    html = client.post("/evenemang/ny-serie", data={**RULE, "preview": "1"}).get_data(as_text=True)
    assert "Juldagen" in html
    for day in FRIDAYS[:3]:
        assert "checked" in _checkbox(html, day)
    assert "checked" not in _checkbox(html, "2026-12-25")


def _shown_dates(html: str) -> str:
    start = html.index('name="shown_dates" value="') + len('name="shown_dates" value="')
    return html[start:html.index('"', start)]


def test_only_the_ticked_dates_become_events(client, login_as):
    login_as("organizer")
    html = client.post("/evenemang/ny-serie", data={**RULE, "preview": "1"}).get_data(as_text=True)
    ticked = ["2026-12-04", "2026-12-18"]  # the 11th dropped by hand, the 25th left unticked
    response = client.post("/evenemang/ny-serie", data={
        **RULE, "create": "1", "shown_dates": _shown_dates(html), "days": ticked})
    assert response.status_code == 302
    days = [local(start).date().isoformat() for start in db.session.scalars(select(Event.starts_at)
                                                                            .order_by(Event.starts_at))]
    assert days == ticked


def test_a_ticked_holiday_is_created(client, login_as):
    login_as("organizer")
    html = client.post("/evenemang/ny-serie", data={**RULE, "preview": "1"}).get_data(as_text=True)
    client.post("/evenemang/ny-serie", data={**RULE, "create": "1", "shown_dates": _shown_dates(html),
                                              "days": FRIDAYS})
    assert db.session.scalar(select(db.func.count(Event.id))) == 4


def test_untick_everything_is_refused_with_the_dates_still_shown(client, login_as):
    login_as("organizer")
    html = client.post("/evenemang/ny-serie", data={**RULE, "preview": "1"}).get_data(as_text=True)
    html = client.post("/evenemang/ny-serie", data={
        **RULE, "create": "1", "shown_dates": _shown_dates(html)}).get_data(as_text=True)
    assert "Välj minst ett datum att skapa." in html
    assert 'value="2026-12-04"' in html
    assert db.session.scalar(select(db.func.count(Event.id))) == 0


def test_the_series_form_speaks_english_month_and_day_names(client, login_as, users):
    users["organizer"].locale = "en"
    db.session.commit()
    login_as("organizer")
    html = client.get("/evenemang/ny-serie").get_data(as_text=True)
    assert "January" in html and "Friday" in html
    assert "Januari" not in html and "Fredag" not in html
    html = client.post("/evenemang/ny-serie", data={**RULE, "skip_months": ["7"], "preview": "1"}).get_data(
        as_text=True)
    assert "every Friday" in html and "except July" in html
    assert "Christmas Day" in html


def test_babel_gives_the_swedish_names(app):
    with app.test_request_context():
        assert month_names()[0] == "januari" and weekday_names()[4] == "fredag"
