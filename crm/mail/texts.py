"""Reminders and notices by mail: a text and an HTML part from crm/templates/mail/, in plain Swedish.

Mail is rendered outside any request (the scheduler has none), so the templates are taken straight
from the app's Jinja environment without the page context processors, and every link is absolute.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from babel.dates import get_day_names

from crm.mail.links import absolute_url
from crm.mail.render import render_mail
from crm.timeutil import local


def weekday(value: date) -> str:
    """The Swedish name of the day, from Babel: reminder mails are written in Swedish."""
    return get_day_names("wide", locale="sv")[value.weekday()]


def day_text(value: date) -> str:
    """"måndag 2026-11-23"."""
    return f"{weekday(value)} {value.isoformat()}"


def clock(value: datetime) -> str:
    """A stored time as Stockholm wall-clock "09:00"."""
    return local(value).strftime("%H:%M")


def when_text(starts_at: datetime, ends_at: datetime | None = None) -> str:
    """"måndag 2026-11-23 09:00–10:00" in Stockholm time (the end left out when missing or on another day)."""
    start = local(starts_at)
    text = f"{day_text(start.date())} {start.strftime('%H:%M')}"
    if ends_at is not None and local(ends_at).date() == start.date():
        text += f"–{clock(ends_at)}"
    return text


def shorten(text: str, length: int = 60) -> str:
    """One line of at most `length` characters, cut at a word with "…" when longer."""
    line = " ".join(text.split())
    if len(line) <= length:
        return line
    cut = line[: length - 1].rsplit(" ", 1)[0] or line[: length - 1]
    return cut.rstrip(" ,.;:–-") + "…"


def _tidy(text: str) -> str:
    """No trailing spaces and never more than one empty line in a row: templates leave both behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render(name: str, **context) -> tuple[str, str]:
    """The text and HTML parts of `mail/<name>.txt` and `mail/<name>.html`, with the settings link."""
    context.setdefault("settings_url", absolute_url("auth.account"))
    context.setdefault("shorten", shorten)
    text, html = render_mail(name, **context)
    return _tidy(text), html
