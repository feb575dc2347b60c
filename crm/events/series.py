"""Series of events from a rule: "the first Friday of each month, 07:30–09:00, September to May".

Each date becomes an event of its own (own UID, own SEQUENCE); the series only groups them, so one
event can be moved or cancelled alone, or the rest of the series in one step.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from babel.dates import get_day_names, get_month_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from crm.dbtypes import Labelled
from crm.timeutil import stockholm_to_utc

ORDINALS = {1: _l("första"), 2: _l("andra"), 3: _l("tredje"), 4: _l("fjärde"), -1: _l("sista")}
MAX_EVENTS = 120  # a rule that would make more is refused as a mistake


def weekday_names() -> list[str]:
    """Monday to Sunday in the current language, from Babel: 'måndag' … or 'Monday' …."""
    names = get_day_names("wide", locale=get_locale() or "sv")
    return [names[n] for n in range(7)]


def month_names() -> list[str]:
    """January to December in the current language, from Babel: 'januari' … or 'January' …."""
    names = get_month_names("wide", locale=get_locale() or "sv")
    return [names[n] for n in range(1, 13)]


def public_holidays(first: date, last: date) -> dict[date, str]:
    """Swedish public holidays and the eves kept as such (midsommarafton, julafton …) from `first` to `last`,
    named in the current language. Sundays are left out: they are not in the way of a weekday series."""
    import holidays

    language = "en_US" if str(get_locale() or "sv").startswith("en") else "sv"
    found = holidays.country_holidays(
        "SE", years=range(first.year, last.year + 1), language=language, include_sundays=False,
        categories=(holidays.PUBLIC, holidays.DE_FACTO),
    )
    return {day: name for day, name in sorted(found.items()) if first <= day <= last}


class Frequency(Labelled):
    MONTHLY = "monthly"  # the n:th (or last) weekday of each month
    WEEKLY = "weekly"  # every `interval` weeks on the weekday


Frequency.set_labels({Frequency.MONTHLY: _l("En gång i månaden"), Frequency.WEEKLY: _l("Varje eller varannan vecka")})


@dataclass(frozen=True)
class SeriesRule:
    frequency: Frequency
    weekday: int  # 0 = Monday
    first_day: date
    last_day: date
    start_time: time
    end_time: time
    ordinal: int = 1  # for MONTHLY: 1..4 or -1 (last)
    interval: int = 1  # for WEEKLY
    skip_months: frozenset[int] = field(default_factory=frozenset)  # e.g. {6, 7, 8} for no summer meetings

    def describe(self) -> str:
        """The rule in words, in the current language: 'första fredag varje månad 07:30–09:00, …'."""
        from flask_babel import gettext as _

        weekday = weekday_names()[self.weekday]
        times = f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        if self.frequency == Frequency.MONTHLY:
            text = _("%(ordinal)s %(weekday)s varje månad", ordinal=ORDINALS[self.ordinal], weekday=weekday)
        elif self.interval == 1:
            text = _("varje %(weekday)s", weekday=weekday)
        else:
            text = _("var %(num)d:e vecka på %(weekday)s", num=self.interval, weekday=weekday)
        text = f"{text} {times}, {self.first_day:%Y-%m-%d} – {self.last_day:%Y-%m-%d}"
        if self.skip_months:
            months = month_names()
            text += " " + _("utom %(months)s", months=", ".join(months[m - 1] for m in sorted(self.skip_months)))
        return text


def _nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> date | None:
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1) if date(year, month, d).weekday() == weekday]
    if ordinal == -1:
        return date(year, month, days[-1])
    return date(year, month, days[ordinal - 1]) if ordinal <= len(days) else None


def dates(rule: SeriesRule) -> list[date]:
    found: list[date] = []
    if rule.frequency == Frequency.MONTHLY:
        year, month = rule.first_day.year, rule.first_day.month
        while (year, month) <= (rule.last_day.year, rule.last_day.month):
            day = _nth_weekday(year, month, rule.weekday, rule.ordinal)
            if day and rule.first_day <= day <= rule.last_day:
                found.append(day)
            month += 1
            if month == 13:
                year, month = year + 1, 1
    else:
        day = rule.first_day + timedelta(days=(rule.weekday - rule.first_day.weekday()) % 7)
        while day <= rule.last_day:
            found.append(day)
            day += timedelta(weeks=rule.interval)
    return [day for day in found if day.month not in rule.skip_months]


class SeriesRuleError(ValueError):
    """The rule makes no events, too many, or times that do not exist; `message` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def occurrences(rule: SeriesRule) -> list[tuple[datetime, datetime]]:
    """Start and end of each event in UTC; Stockholm wall-clock times, so 07:30 stays 07:30 across DST."""
    from flask_babel import gettext as _

    from crm.timeutil import NonexistentLocalTime

    if rule.last_day < rule.first_day:
        raise SeriesRuleError(_("Slutdatum kan inte vara före startdatum."))
    if rule.end_time <= rule.start_time:
        raise SeriesRuleError(_("Sluttiden måste vara efter starttiden."))
    days = dates(rule)
    if not days:
        raise SeriesRuleError(_("Regeln ger inga datum mellan start- och slutdatum."))
    if len(days) > MAX_EVENTS:
        raise SeriesRuleError(_("Regeln ger %(count)d träffar; högst %(max)d går att skapa på en gång.",
                                count=len(days), max=MAX_EVENTS))
    result = []
    for day in days:
        try:
            start = stockholm_to_utc(datetime.combine(day, rule.start_time))
            end = stockholm_to_utc(datetime.combine(day, rule.end_time))
        except NonexistentLocalTime:
            raise SeriesRuleError(
                _("%(day)s finns inte klockslaget %(time)s (sommartiden börjar). Välj en annan tid.",
                  day=day.isoformat(), time=rule.start_time.strftime("%H:%M"))
            ) from None
        result.append((start, end))
    return result
