"""`make bench` (`python -m crm.benchmark.bench`): the main pages and the bulk operations, measured on
SQLite and PostgreSQL at a chosen scale of generated data.

For each database: migrate an empty database, generate the data (`crm.benchmark.generate`), then
- open each main page as the user who uses it: warm-up requests, then N timed ones. The time is the
  wall time inside the app (a WSGI wrapper around `app.wsgi_app`, body included); the statements
  and their cursor time come from the engine's before/after_cursor_execute events. "SQL alone" runs
  the statements the page sent, with the same parameters, straight on a DBAPI cursor, fetching
  every row (SQLite computes rows as they are fetched, so cursor time alone undercounts there), in a
  transaction that is rolled back; the ratio is the page's time over that.
- import a 20,000-row CSV (half new companies, half updates) through the import services, as the
  CLI does it (`run_import`);
- queue 1,000 invitations to a new event (`invite()` and the commit);
- deliver those 1,000 messages to a local SMTP server (aiosmtpd) with `deliver_due` until nothing is due.
It prints one table per database and writes bench/results-<database>.json. Missed targets are
marked MISS; the exit code is 0 all the same. A statement running past STATEMENT_TIMEOUT_S is
cancelled and its page reported as timed out, and a slow page gets fewer timed requests, so one
pathological page cannot hold the run for hours.

The PostgreSQL server is the test suite's throwaway one (tests/support/pgserver.py: initdb in a
temporary directory, fsync and synchronous_commit off) and the SMTP server the mail tests' one, so
this needs requirements-dev.txt and a PostgreSQL installation (`make system-deps`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import click
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from crm.benchmark import vocabulary as words
from crm.benchmark.generate import DEFAULT_PASSWORD, INFO_FILE, generate, write_info
from crm.extensions import db
from crm.text import fold

BASE_DIR = Path(__file__).resolve().parents[2]
MIGRATIONS = BASE_DIR / "migrations"
PAGE_TARGET_MS = 150.0
# A statement running longer than this is cancelled and its page reported as timed out; a slow page gets
# fewer timed requests so that measuring it takes about PAGE_BUDGET_S (but at least MIN_REQUESTS).
STATEMENT_TIMEOUT_S = 60
PAGE_BUDGET_S = 240
MIN_REQUESTS = 3
IMPORT_ROWS = 20_000
IMPORT_TARGET_S = 30.0
INVITATIONS = 1_000
INVITE_TARGET_S = 5.0
DATABASES = ("sqlite", "postgresql")
DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


# --- Pages ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    key: str
    role: str | None  # whose first generated user opens it; None for the calendar feeds (no login)
    url: str


def pages(info: dict[str, Any]) -> list[Page]:
    """The main pages, each as the user who works with it, on the generated data described by `info`."""
    year = date.fromisoformat(info["today"]).year
    tokens = info["feed_tokens"]
    return [
        Page("company list", "staff", "/foretag/"),
        Page("name search", "staff", "/foretag/?" + urlencode({"q": info["search_term"]})),
        Page("filtered list", "staff", "/foretag/?" + urlencode(info["filter_args"])),
        Page("company page (long timeline)", "staff", f"/foretag/{info['long_timeline_company_id']}"),
        Page("visit plan", "staff", f"/besoksplan/{year}"),
        Page("mina uppföljningar", "staff", "/uppfoljningar/mina"),
        Page("event, 500 invitations", "organizer", f"/evenemang/{info['big_event_id']}"),
        Page("calendar feed (user)", None, f"/kalender/{tokens['user']}.ics"),
        Page("calendar feed (network)", None, f"/kalender/{tokens['network']}.ics"),
    ]


class IsolatedClient(FlaskClient):
    """Each request in an app context of its own, as under a server (also when the caller holds one)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def logged_in_client(app: Flask, email: str | None, password: str) -> FlaskClient:
    """A test client logged in through the login form (with its CSRF token when the app checks one)."""
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    if email is None:
        return client
    form = client.get("/logga-in").get_data(as_text=True)
    data = {"email": email, "password": password}
    if token := _CSRF.search(form):
        data["csrf_token"] = token.group(1)
    response = client.post("/logga-in", data=data)
    if response.status_code != 302:
        raise RuntimeError(f"Could not log in as {email}: {response.status_code}")
    return client


class Recorder:
    """The statements sent while `active`, with parameters and cursor time, from the engine's events."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.active = False
        self.statements: list[tuple[str, Any, bool]] = []
        self.cursor_seconds = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def start(self) -> None:
        self.statements = []
        self.cursor_seconds = 0.0
        self.active = True

    def stop(self) -> None:
        self.active = False

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active:
            conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active and conn.info.get("bench_started"):
            self.cursor_seconds += time.perf_counter() - conn.info["bench_started"].pop()
            self.statements.append((statement, parameters, executemany))

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


class StatementTimeout:
    """Cancel any statement that runs longer than `seconds`: on SQLite a progress handler interrupts it,
    on PostgreSQL the server's statement_timeout (set for every connection by `database`) does."""

    def __init__(self, engine, seconds: float) -> None:
        self.engine = engine
        self.seconds = seconds
        self.deadline = float("inf")
        self.sqlite = engine.dialect.name == "sqlite"
        if self.sqlite:
            event.listen(engine, "before_cursor_execute", self._before)

    def arm(self, dbapi_connection=None) -> None:
        """From now, `seconds` for the next statement (on this SQLite connection)."""
        if not self.sqlite:
            return
        if dbapi_connection is not None:
            dbapi_connection.set_progress_handler(self._expired, 100_000)
        self.deadline = time.perf_counter() + self.seconds

    def _expired(self) -> int:
        return 1 if time.perf_counter() > self.deadline else 0

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.arm(conn.connection.dbapi_connection)

    def close(self) -> None:
        self.deadline = float("inf")  # handlers left on pooled connections never fire again
        if self.sqlite:
            event.remove(self.engine, "before_cursor_execute", self._before)


class TimedApp:
    """Wraps `app.wsgi_app`: the wall time of the last request, body included, with SQL recorded meanwhile."""

    def __init__(self, app: Flask, recorder: Recorder) -> None:
        self.inner = app.wsgi_app
        self.recorder = recorder
        self.seconds = 0.0
        self.profiler = None

    def __call__(self, environ, start_response):
        self.recorder.start()
        if self.profiler is not None:
            self.profiler.start()
        started = time.perf_counter()
        try:
            iterable = self.inner(environ, start_response)
            try:
                body = list(iterable)
            finally:
                if hasattr(iterable, "close"):
                    iterable.close()
        finally:
            self.seconds = time.perf_counter() - started
            if self.profiler is not None:
                self.profiler.stop()
            self.recorder.stop()
        return body


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 30 values is the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-int(share * 100) * len(ordered) // 100))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Replayed:
    totals: list[float]  # seconds per run of all the statements
    each: list[float]  # mean seconds per statement, in the order sent


def replay(engine, statements: list[tuple[str, Any, bool]], times: int,
           timeout: StatementTimeout | None = None) -> Replayed:
    """Run the statements alone on a DBAPI cursor, every row fetched, rolled back after each run."""
    raw = engine.raw_connection()
    totals: list[float] = []
    each = [0.0] * len(statements)
    try:
        for _ in range(times):
            cursor = raw.cursor()
            for position, (statement, parameters, many) in enumerate(statements):
                if timeout is not None:
                    timeout.arm(raw.dbapi_connection)
                started = time.perf_counter()
                if many:
                    cursor.executemany(statement, parameters)
                else:
                    cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
                each[position] += time.perf_counter() - started
            totals.append(sum(each) - sum(totals))
            cursor.close()
            raw.rollback()
    finally:
        raw.close()
    return Replayed(totals, [seconds / max(1, times) for seconds in each])


def _slowest(statements: list[tuple[str, Any, bool]], seconds: list[float], count: int = 3) -> list[dict[str, Any]]:
    """The page's slowest statements alone: milliseconds and the SQL (without parameters)."""
    ranked = sorted(zip(seconds, statements, strict=True), key=lambda pair: pair[0], reverse=True)[:count]
    return [{"ms": round(spent * 1000, 1), "sql": " ".join(statement.split())[:600]}
            for spent, (statement, _parameters, _many) in ranked]


def statement_summary(statements: list[tuple[str, Any, bool]], count: int = 6) -> list[dict[str, Any]]:
    """The statements sent most often (the first 120 characters of each kind) and how often."""
    kinds = Counter(" ".join(statement.split())[:120] for statement, _parameters, _many in statements)
    return [{"count": number, "sql": text} for text, number in kinds.most_common(count)]


@dataclass
class PageResult:
    key: str
    url: str
    role: str | None
    requests: int  # timed requests (fewer than asked for a page that would take too long)
    timed_out: bool  # a statement ran past STATEMENT_TIMEOUT_S: nothing else is measured
    p50_ms: float | None
    p95_ms: float | None
    statements: int | None  # in the last timed request
    statement_counts: list[int]  # every distinct count seen over the timed requests
    sql_cursor_ms_p50: float | None
    sql_alone_ms_p50: float | None
    ratio: float | None  # p50 over SQL alone
    met: bool
    slowest_statements: list[dict[str, Any]] = field(default_factory=list)


def measure_pages(app: Flask, info: dict[str, Any], *, repeat: int = 30, warmup: int = 3, replays: int = 10,
                  profile_dir: Path | None = None, profile_prefix: str = "",
                  keys: set[str] | None = None) -> list[PageResult]:
    """Every page of `pages(info)`: `warmup` untimed requests, then `repeat` timed ones; each must answer 200."""
    engine = _engine(app)
    recorder = Recorder(engine)
    timeout = StatementTimeout(engine, STATEMENT_TIMEOUT_S)
    timed = TimedApp(app, recorder)
    original = app.wsgi_app
    app.wsgi_app = timed  # type: ignore[method-assign]
    clients: dict[str | None, FlaskClient] = {}
    results = []
    try:
        for page in pages(info):
            if keys is not None and page.key not in keys:
                continue
            if page.role not in clients:
                email = info["users"][page.role][0] if page.role else None
                clients[page.role] = logged_in_client(app, email, info.get("password", DEFAULT_PASSWORD))
            result = _measure_page(clients[page.role], page, timed, recorder, timeout, repeat, warmup, replays)
            results.append(result)
            if profile_dir is not None and not result.timed_out:
                _profile(clients[page.role], page, timed, profile_dir, profile_prefix)
    finally:
        app.wsgi_app = original  # type: ignore[method-assign]
        timeout.close()
        recorder.close()
    return results


def _measure_page(client, page: Page, timed: TimedApp, recorder: Recorder, timeout: StatementTimeout, repeat: int,
                  warmup: int, replays: int) -> PageResult:
    try:
        _get(client, page)  # the first warm-up request tells how long the page takes
    except OperationalError as error:
        if not _is_timeout(error):
            raise
        return PageResult(page.key, _shown_url(page.url), page.role, 0, True, None, None, None, [], None, None,
                          None, False)
    probe = timed.seconds
    for _ in range(warmup - 1 if probe < 1 else 0):
        _get(client, page)
    wanted = max(1, repeat)
    if probe * wanted > PAGE_BUDGET_S:
        wanted = min(wanted, max(MIN_REQUESTS, int(PAGE_BUDGET_S / probe)))
    seconds, cursor, counts = [], [], []
    for _ in range(wanted):
        _get(client, page)
        seconds.append(timed.seconds)
        cursor.append(recorder.cursor_seconds)
        counts.append(len(recorder.statements))
    statements = list(recorder.statements)
    slowest = []
    if replays:
        first = replay(recorder.engine, statements, 1, timeout)
        more = min(replays, int(PAGE_BUDGET_S / 4 / max(first.totals[0], 1e-6))) - 1
        rest = replay(recorder.engine, statements, more, timeout) if more > 0 else None
        alone = first.totals + (rest.totals if rest else [])
        slowest = _slowest(statements, (rest or first).each)
    else:
        alone = [recorder.cursor_seconds]
    p50 = statistics.median(seconds) * 1000
    p95 = percentile(seconds, 0.95) * 1000
    alone_ms = statistics.median(alone) * 1000
    return PageResult(
        key=page.key, url=_shown_url(page.url), role=page.role, requests=len(seconds), timed_out=False,
        p50_ms=round(p50, 1), p95_ms=round(p95, 1), statements=counts[-1], statement_counts=sorted(set(counts)),
        sql_cursor_ms_p50=round(statistics.median(cursor) * 1000, 1), sql_alone_ms_p50=round(alone_ms, 1),
        ratio=round(p50 / alone_ms, 1) if alone_ms else None, met=p95 < PAGE_TARGET_MS, slowest_statements=slowest,
    )


def _is_timeout(error: OperationalError) -> bool:
    text = str(error.orig)
    return "interrupted" in text or "statement timeout" in text


def _get(client: FlaskClient, page: Page):
    response = client.get(page.url)
    if response.status_code != 200:
        raise RuntimeError(f"{page.key}: GET {_shown_url(page.url)} answered {response.status_code}")
    return response


def _shown_url(url: str) -> str:
    """Feed tokens are secrets: never printed or written to the results."""
    return re.sub(r"/kalender/[^/]+\.ics", "/kalender/<token>.ics", url)


def _profile(client: FlaskClient, page: Page, timed: TimedApp, directory: Path, prefix: str) -> None:
    """One more request under pyinstrument; its call tree as text beside the results."""
    from pyinstrument import Profiler

    directory.mkdir(parents=True, exist_ok=True)
    timed.profiler = Profiler(interval=0.0005)
    try:
        _get(client, page)
    finally:
        profiler, timed.profiler = timed.profiler, None
    slug = re.sub(r"[^a-z0-9]+", "-", fold(page.key)).strip("-")
    (directory / f"{prefix}{slug}.txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False),
                                                   encoding="utf-8")


def render_pages(app: Flask, info: dict[str, Any]) -> dict[str, int]:
    """Each page once (after one warm-up): its statement count. Raises unless every page answers 200."""
    return {result.key: result.statements or 0 for result in measure_pages(app, info, repeat=1, warmup=1, replays=0)}


# --- Operations ----------------------------------------------------------------------------------


@dataclass
class OperationResult:
    key: str
    seconds: float
    statements: int
    target_s: float | None
    met: bool | None
    detail: dict[str, Any] = field(default_factory=dict)


def _engine(app: Flask):
    with app.app_context():
        return db.engine


@contextlib.contextmanager
def _recorded(engine) -> Iterator[Recorder]:
    recorder = Recorder(engine)
    recorder.start()
    try:
        yield recorder
    finally:
        recorder.stop()
        recorder.close()


IMPORT_HEADERS = [
    "Organisationsnummer", "Företagsnamn", "Juridisk form", "SNI-koder", "Storleksklass", "Antal anställda",
    "Besöksadress", "Besökspostnummer", "Besöksort", "Kommundel", "Webbplats", "Växel", "Taggar", "Status",
    "Ansvarig handläggare", "Kontaktperson", "Kontaktpersonens e-post", "Kontaktpersonens telefon",
    "Kontaktpersonens roll",
]


def import_file(info: dict[str, Any], rows: int = IMPORT_ROWS, seed: int = 1) -> bytes:
    """A CSV as Swedish Excel saves it: half the rows update companies in the register (some with their
    known contact persons), half are new companies; deterministic from the seed and the register."""
    import random

    from stdnum import luhn

    from crm.companies.models import Company, CompanyContact, ContactPerson

    rng = random.Random(f"import:{seed}")
    register = db.session.execute(
        select(Company.id, Company.org_number, Company.name).where(Company.org_number.is_not(None))
        .order_by(Company.id)
    ).all()
    emails = dict(db.session.execute(
        select(CompanyContact.company_id, func.min(ContactPerson.email))
        .join(ContactPerson, ContactPerson.id == CompanyContact.contact_id)
        .where(ContactPerson.email.is_not(None)).group_by(CompanyContact.company_id)
    ).all())
    used = {number for _id, number, _name in register}
    updates = rng.sample(register, min(len(register), rows // 2))
    staff = info["users"]["staff"]
    lines = [IMPORT_HEADERS]
    codes = [code for code, _weight in words.SNI_CODES]
    for company_id, number, name in updates:
        contact = ["", "", "", ""]
        roll = rng.random()
        if roll < 0.4 and company_id in emails:
            contact = ["", emails[company_id], "", ""]
        elif roll < 0.7:
            first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
            contact = [f"{first} {last}", f"{_ascii(first)}.{_ascii(last)}@{_ascii(name)[:16]}.se",
                       f"070-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}", "VD"]
        lines.append([
            number, name, "", "", rng.choice(["", "1", "2", "3"]), str(rng.randint(1, 40)), "", "", "",
            rng.choice(words.DISTRICTS) if rng.random() < 0.5 else "", "", "",
            "Exportföretag" if rng.random() < 0.1 else "", "",
            rng.choice(staff) if rng.random() < 0.2 else "", *contact,
        ])
    while len(lines) <= rows:
        digits = f"55{rng.randint(6, 9)}{rng.randint(0, 999_999):06d}"
        number = f"{digits[:6]}-{digits[6:]}{luhn.calc_check_digit(digits)}"
        if number in used:
            continue
        used.add(number)
        last, trade = rng.choice(words.LAST_NAMES), rng.choice(words.TRADE_WORDS["F"] + words.TRADE_WORDS["M"])
        name = f"{last}s {trade} {rng.choice(words.PLACE_PREFIXES)} AB"
        first = rng.choice(words.FIRST_NAMES)
        has_contact = rng.random() < 0.7
        lines.append([
            number, name, "Aktiebolag", rng.choice(codes), rng.choice(["0", "1", "1", "2", "3"]), "",
            f"{rng.choice(words.STREETS)} {rng.randint(1, 90)}", f"64{rng.randint(1, 9)} {rng.randint(10, 99)}",
            words.MUNICIPALITY, rng.choice(words.DISTRICTS), "", "", "Nyetablerad" if rng.random() < 0.2 else "",
            "aktiv", "",
            f"{first} {last}" if has_contact else "",
            f"{_ascii(first)}.{_ascii(last)}@{_ascii(name)[:16]}.se" if has_contact else "",
            "", "VD" if has_contact else "",
        ])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(lines)
    return buffer.getvalue().encode("utf-8")


def _ascii(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


@contextlib.contextmanager
def _profiled(path: Path | None) -> Iterator[None]:
    """Run the block under pyinstrument and write its call tree to `path` (nothing when `path` is None)."""
    if path is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")


def measure_import(app: Flask, info: dict[str, Any], rows: int = IMPORT_ROWS,
                   profile: Path | None = None) -> OperationResult:
    """The CLI's path: read the file, record the job with the guessed mapping, run it here and now."""
    from crm.audit.mixins import system_actor
    from crm.imports import jobs, services
    from crm.imports.mapping import guess_mapping
    from crm.imports.reading import read_table

    with app.app_context():
        data = import_file(info, rows, info.get("seed", 1))
        db.session.rollback()
    with _recorded(_engine(app)) as recorder, app.app_context(), _profiled(profile):
        system_actor.set((None, "benchmark"))
        started = time.perf_counter()
        table = read_table(data, "csv")
        job = services.create_job("benchmark.csv", data, "csv", table, created_by_id=None,
                                  mapping=guess_mapping(table.headers))
        db.session.commit()
        result = jobs.run_import(job.id)
        seconds = time.perf_counter() - started
    if result.skipped or result.created + result.updated != rows:
        raise RuntimeError(f"The import did not take every row: {result.as_dict()}")
    return OperationResult(f"import {rows:,}-row CSV".replace(",", " "), round(seconds, 2),
                           len(recorder.statements), IMPORT_TARGET_S, seconds < IMPORT_TARGET_S,
                           {**result.as_dict(), "statements": statement_summary(recorder.statements)})


def measure_invitations(app: Flask, info: dict[str, Any], count: int = INVITATIONS,
                        profile: Path | None = None) -> OperationResult:
    """invite() for `count` contact persons to a new event, and the commit."""
    from crm.auth.models import User
    from crm.companies.models import ContactPerson
    from crm.events.invitations import invite
    from crm.events.models import EventKind
    from crm.events.services import EventData, create_event
    from crm.timeutil import stockholm_to_utc

    with app.app_context():
        organizer = db.session.execute(User.by_email(info["users"]["organizer"][0])).scalar_one()
        day = date.fromisoformat(info["today"]) + timedelta(days=30)
        starts = stockholm_to_utc(datetime(day.year, day.month, day.day, 15, 0))
        new_event = create_event(EventData(
            title="Temamöte: mätning av inbjudningar", kind=EventKind.THEME, starts_at=starts,
            ends_at=starts + timedelta(hours=2), place="Stadshuset, Stora salen",
        ), organizer)
        db.session.commit()
        event_id = new_event.id
    engine = _engine(app)
    with app.app_context():
        from crm.events.models import Event

        target = db.session.get(Event, event_id)
        contacts = db.session.scalars(
            select(ContactPerson).where(
                ContactPerson.objection.is_(False), ContactPerson.email.is_not(None),
                ContactPerson.opt_out_networks.is_(False),
            ).order_by(ContactPerson.id).limit(count)
        ).all()
        with _recorded(engine) as recorder, _profiled(profile):
            started = time.perf_counter()
            created, _plan = invite(target, contacts)
            db.session.commit()
            seconds = time.perf_counter() - started
    if len(created) != count:
        raise RuntimeError(f"{len(created)} invitations queued, not {count}")
    return OperationResult(f"queue {count:,} invitations".replace(",", " "), round(seconds, 2),
                           len(recorder.statements), INVITE_TARGET_S, seconds < INVITE_TARGET_S,
                           {"event_id": event_id, "statements": statement_summary(recorder.statements)})


def measure_outbox(app: Flask, expected: int = INVITATIONS, profile: Path | None = None) -> OperationResult:
    """deliver_due until nothing is due, to an aiosmtpd server on 127.0.0.1."""
    from crm.mail.delivery import deliver_due
    from crm.mail.models import OutboxMessage, OutboxStatus
    from tests.support.smtpserver import SmtpServer

    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_SECURITY")}
    engine = _engine(app)
    with SmtpServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_SECURITY="none")
        try:
            with app.app_context():
                pending = db.session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
                )
                db.session.rollback()
                sent = runs = 0
                with _recorded(engine) as recorder, _profiled(profile):
                    started = time.perf_counter()
                    while True:
                        report = deliver_due()
                        runs += 1
                        sent += report.sent
                        if not report.claimed:
                            break
                    seconds = time.perf_counter() - started
        finally:
            app.config.update(saved)
        received = len(server.messages)
    if sent != pending or received != pending or pending != expected:
        raise RuntimeError(f"Outbox: {pending} pending, {sent} sent, {received} received, {expected} expected")
    return OperationResult(f"outbox: deliver {expected:,} messages".replace(",", " "), round(seconds, 2),
                           len(recorder.statements), None, None,
                           {"delivery_runs": runs, "received": received,
                            "statements": statement_summary(recorder.statements)})


# --- Databases, apps, machine --------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """An empty database for one run: an SQLite file in the work directory or a throwaway PostgreSQL server."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    from tests.support.pgserver import PostgresServer

    server = PostgresServer()
    previous = os.environ.get("PGOPTIONS")
    try:
        url = server.start()
        # Every connection the app opens cancels a statement running past the timeout.
        os.environ["PGOPTIONS"] = f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}"
        yield url
    finally:
        if previous is None:
            os.environ.pop("PGOPTIONS", None)
        else:
            os.environ["PGOPTIONS"] = previous
        server.stop()


def make_app(url: str, workdir: Path) -> Flask:
    """The app as it runs in development, on the given database, its files kept in the work directory."""
    from crm import create_app

    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        app = create_app("development")
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
    app.config.update(IMPORT_FOLDER=str(workdir / "imports"), MAIL_FILE_DIR=str(workdir / "outbox"),
                      PROPAGATE_EXCEPTIONS=True)
    return app


def migrate(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(MIGRATIONS))


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


def database_version(app: Flask) -> str:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            return db.session.scalar(select(func.current_setting("server_version")))
        return sqlite3.sqlite_version


# --- One database ----------------------------------------------------------------------------------


def run_database(kind: str, *, scale: float, seed: int, today: date, repeat: int, warmup: int,
                 profile_dir: Path | None, echo=print) -> dict[str, Any]:
    started_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix=f"crm-bench-{kind}-") as directory:
        workdir = Path(directory)
        with database(kind, workdir) as url:
            app = make_app(url, workdir)
            migrate(app)
            echo(f"{DATABASE_NAMES[kind]}: genererar data i skala {scale} (frö {seed}, dag {today}) ...")
            with app.app_context():
                from crm.audit.mixins import system_actor

                system_actor.set((None, "benchmark"))
                generated = generate(scale, seed, today, echo=echo)
            info_path = workdir / INFO_FILE
            write_info(generated.info, info_path)
            info = json.loads(info_path.read_text(encoding="utf-8"))
            echo(f"{DATABASE_NAMES[kind]}: data klar på {generated.seconds:.0f} s; mäter sidorna ...")
            page_results = measure_pages(app, info, repeat=repeat, warmup=warmup, profile_dir=profile_dir,
                                         profile_prefix=f"{kind}-")
            echo(f"{DATABASE_NAMES[kind]}: import, inbjudningar och utskick ...")
            def profile(name: str) -> Path | None:
                return profile_dir / f"{kind}-{name}.txt" if profile_dir is not None else None

            operations = [
                measure_import(app, info, profile=profile("import")),
                measure_invitations(app, info, profile=profile("invitations")),
                measure_outbox(app, profile=profile("outbox")),
            ]
            version = database_version(app)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return {
        "database": kind,
        "database_version": version,
        "scale": scale,
        "seed": seed,
        "today": today.isoformat(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "generation": {
            "seconds": round(generated.seconds, 1),
            "steps": [{"name": step.name, "seconds": round(step.seconds, 2), "rows": step.rows}
                      for step in generated.steps],
        },
        "rows": generated.table_rows(),
        "requests_per_page": repeat,
        "warmup_requests": warmup,
        "page_target_ms": PAGE_TARGET_MS,
        "pages": [asdict(result) for result in page_results],
        "operations": [asdict(result) for result in operations],
    }


# --- Output ------------------------------------------------------------------------------------------


def _number(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", " ")


def table(result: dict[str, Any]) -> str:
    """The printed table of one database's run."""
    rows = result["rows"]
    head = (f"{DATABASE_NAMES[result['database']]} {result['database_version']}, scale {result['scale']} "
            f"({_number(rows.get('companies', 0), 0)} companies, {_number(rows.get('interactions', 0), 0)} "
            f"interactions, {_number(rows.get('invitations', 0), 0)} invitations), data generated in "
            f"{_number(result['generation']['seconds'], 0)} s; {result['requests_per_page']} requests per page")
    lines = [head, ""]
    header = (f"{'page':<30} {'p50 ms':>8} {'p95 ms':>8} {'n':>4} {'SQL n':>6} {'SQL ms p50':>11} "
              f"{'SQL alone ms':>13} {'ratio':>6}  p95 < {result['page_target_ms']:.0f} ms")
    lines += [header, "-" * len(header)]
    for page in result["pages"]:
        if page["timed_out"]:
            lines.append(f"{page['key']:<30} {'> ' + str(STATEMENT_TIMEOUT_S) + ' s':>8} {'':>8} {'':>4} "
                         f"{'':>6} {'':>11} {'':>13} {'':>6}  MISS (a statement ran past the timeout)")
            continue
        counts = page["statement_counts"]
        count = f"{page['statements']}" + ("*" if len(counts) > 1 else "")
        lines.append(
            f"{page['key']:<30} {_number(page['p50_ms']):>8} {_number(page['p95_ms']):>8} {page['requests']:>4} "
            f"{count:>6} {_number(page['sql_cursor_ms_p50']):>11} {_number(page['sql_alone_ms_p50']):>13} "
            f"{_number(page['ratio'] or 0):>6}  {'ok' if page['met'] else 'MISS'}"
        )
    lines.append("")
    header = f"{'operation':<30} {'seconds':>8} {'SQL n':>8}  target"
    lines += [header, "-" * len(header)]
    for operation in result["operations"]:
        target = operation["target_s"]
        verdict = "–" if target is None else f"< {target:.0f} s {'ok' if operation['met'] else 'MISS'}"
        lines.append(f"{operation['key']:<30} {_number(operation['seconds'], 2):>8} "
                     f"{operation['statements']:>8}  {verdict}")
    if any(len(page["statement_counts"]) > 1 for page in result["pages"]):
        lines.append("* the statement count varied between requests: " + ", ".join(
            f"{page['key']} {page['statement_counts']}" for page in result["pages"] if len(page["statement_counts"]) > 1
        ))
    return "\n".join(lines)


def measure_existing(url: str, info_file: Path, only: tuple[str, ...], repeat: int, warmup: int,
                     profile_dir: Path | None) -> int:
    """The pages alone, on a database generated earlier: for working on one page without generating again."""
    info = json.loads(info_file.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as directory:
        app = make_app(url, Path(directory))
        wanted = [page for page in pages(info) if not only or any(part in page.key for part in only)]
        results = measure_pages(app, info, repeat=repeat, warmup=warmup, profile_dir=profile_dir,
                                profile_prefix=app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0] + "-",
                                keys={page.key for page in wanted})
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    for result in results:
        if result.timed_out:
            click.echo(f"{result.key:<30} timed out")
            continue
        click.echo(f"{result.key:<30} p50 {result.p50_ms:>7.1f} ms  p95 {result.p95_ms:>7.1f} ms  "
                   f"SQL n {result.statements:>3}  SQL {result.sql_cursor_ms_p50:>6.1f} ms  "
                   f"alone {result.sql_alone_ms_p50:>6.1f} ms")
        for statement in result.slowest_statements:
            click.echo(f"    {statement}"[:400])
    return 0


@click.command()
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True))
@click.option("--seed", default=1, show_default=True)
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The day the data is dated relative to (default: today in Stockholm; give the day of an "
                   "earlier run to repeat it).")
@click.option("--db", "databases", multiple=True, type=click.Choice(DATABASES), help="Default: both.")
@click.option("--repeat", default=30, show_default=True, help="Timed requests per page.")
@click.option("--warmup", default=3, show_default=True, help="Untimed requests per page first.")
@click.option("--out", default=str(BASE_DIR / "bench"), show_default=True, type=click.Path(file_okay=False))
@click.option("--profile", is_flag=True,
              help="Also write pyinstrument call trees to OUT/profiles/: one more request per page after the timed "
                   "ones, and the operations as timed (so their seconds include the profiler's overhead).")
@click.option("--url", help="Measure only the pages, on this existing database made by `flask generate-data` "
                            "(not migrated nor generated again: run `flask db upgrade` on it first); needs --info.")
@click.option("--info", "info_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The info file `flask generate-data` wrote for --url.")
@click.option("--page", "only", multiple=True, help="With --url: only the pages whose name contains this.")
def main(scale: float, seed: int, today: datetime | None, databases: tuple[str, ...], repeat: int, warmup: int,
         out: str, profile: bool, url: str | None, info_file: Path | None, only: tuple[str, ...]) -> None:
    """Measure the main pages and the bulk operations on generated data, on SQLite and PostgreSQL."""
    from crm.timeutil import stockholm_today

    if url:
        if info_file is None:
            raise click.UsageError("--url needs --info.")
        sys.exit(measure_existing(url, info_file, only, repeat, warmup,
                                  Path(out) / "profiles" if profile else None))

    day = today.date() if today else stockholm_today()
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    tables = []
    for kind in databases or DATABASES:
        result = run_database(kind, scale=scale, seed=seed, today=day, repeat=repeat, warmup=warmup,
                              profile_dir=directory / "profiles" if profile else None,
                              echo=lambda message: click.echo(message, err=True))
        path = directory / f"results-{kind}.json"
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tables.append(table(result))
        click.echo(f"Resultat: {path}", err=True)
    click.echo("")
    click.echo("\n\n".join(tables))
    sys.exit(0)


if __name__ == "__main__":
    main()
