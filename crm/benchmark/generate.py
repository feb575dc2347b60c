"""`flask generate-data`: a believable register at a chosen scale, the same every time for the same seed.

Scale 1.0 is a large municipality's unit after ten years: 100,000 companies, 150,000 contact persons,
500,000 logged interactions, 20,000 visits with follow-ups, 200 networks, 5,000 events and 100,000
invitations. Everything is dated relative to a reference day (`--today`), never to the clock, so the
same seed and day give the same rows.

Rows are written as the company import writes them: SQLAlchemy Core executemany in chunks, with ids
taken beforehand (`crm.imports.writer`), one transaction per table group. Every column the ORM
would fill is filled here (name keys, calendar UIDs and SEQUENCE, RSVP keys, places taken, created
and updated times). The audit log is not written for generated rows: they were never "changed" by
anyone, and writing a million audit entries would only measure the audit table.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import itertools
import json
import random
import secrets
import time as clock
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import click
from flask import current_app
from sqlalchemy import bindparam, func, insert, select, text, update
from stdnum import luhn
from werkzeug.security import generate_password_hash

from crm.auth.models import Role, User
from crm.benchmark import vocabulary as words
from crm.companies.models import (
    DEFAULT_TOPICS,
    Company,
    CompanyContact,
    CompanySni,
    CompanyStatus,
    ContactPerson,
    SniVersion,
    Tag,
    Topic,
    company_tags,
)
from crm.companies.sni import is_valid, section_of
from crm.events.models import (
    Answer,
    Attendance,
    DietaryNeed,
    Event,
    EventKind,
    EventSeries,
    EventStatus,
    Invitation,
)
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.imports.writer import _allocate_ids
from crm.meetings.models import (
    Interaction,
    InteractionKind,
    NoteStatus,
    interaction_contacts,
    interaction_participants,
    interaction_topics,
)
from crm.networks.models import Network, NetworkKind, NetworkMembership
from crm.plan.models import VisitPlan
from crm.text import fold, name_key
from crm.timeutil import STOCKHOLM, utcnow
from crm.visits.models import Visit, VisitKind, VisitNote, VisitStatus, visit_contacts, visit_participants, visit_topics

DEFAULT_COUNTS = {
    "companies": 100_000,
    "contacts": 150_000,
    "interactions": 500_000,
    "visits": 20_000,
    "networks": 200,
    "events": 5_000,
    "invitations": 100_000,
}
# Below these the pages the benchmark opens would have nothing to show.
MINIMUM_COUNTS = {
    "companies": 40, "contacts": 60, "interactions": 120, "visits": 30, "networks": 3, "events": 12, "invitations": 60,
}
USERS_PER_ROLE = {Role.STAFF: 20, Role.ORGANIZER: 3, Role.POLITICIAN: 10, Role.ADMIN: 2}
DEFAULT_TODAY = date(2026, 11, 22)
DEFAULT_PASSWORD = "benchmark-2026"  # noqa: S105 (the generated users' known password)
INFO_FILE = "benchmark-data.json"
YEARS = 10
DAYS = 365 * YEARS + 2
CHUNK = 5_000

LONG_TIMELINE_INTERACTIONS = 320  # the first company's meeting log, for the "long timeline" page
LONG_TIMELINE_VISITS = 24
BIG_EVENT_INVITATIONS = 500
SEARCH_TERM = "mekanisk"  # a word of the first company's name that many other names share too
FILTER_ARGS = {"district": "Centrum", "sni_section": "C", "status": "aktiv", "sort": "andrad", "order": "desc"}

INTERACTION_KINDS = [
    (InteractionKind.PHONE, 35), (InteractionKind.EMAIL, 25), (InteractionKind.MEETING, 25),
    (InteractionKind.ADVICE, 8), (InteractionKind.GUIDE_MEETING, 4), (InteractionKind.COORDINATED_ADVICE, 2),
    (InteractionKind.ESTABLISHMENT, 1),
]
VISIT_KINDS = [(VisitKind.POLITICIAN, 50), (VisitKind.OFFICIAL, 35), (VisitKind.WELCOME, 10), (VisitKind.FOLLOW_UP, 5)]
EVENT_KIND_BY_NETWORK = {
    NetworkKind.BREAKFAST: [EventKind.BREAKFAST],
    NetworkKind.BUSINESS_COUNCIL: [EventKind.THEME],
    NetworkKind.SECTOR_COUNCIL: [EventKind.THEME, EventKind.NETWORK_MEETING],
    NetworkKind.NETWORK: [EventKind.NETWORK_MEETING, EventKind.NETWORK_MEETING, EventKind.WORKSHOP],
}
STANDALONE_EVENT_KINDS = [EventKind.PROCUREMENT_INFO, EventKind.PROCUREMENT_INFO, EventKind.THEME, EventKind.WORKSHOP]
EVENT_TITLES = {
    EventKind.BREAKFAST: "Frukostmöte",
    EventKind.THEME: "Temamöte",
    EventKind.NETWORK_MEETING: "Nätverksträff",
    EventKind.PROCUREMENT_INFO: "Informationsmöte inför upphandling",
    EventKind.WORKSHOP: "Workshop",
}
DIETARY = ["vegetarisk", "vegansk", "glutenfri", "laktosfri", "notter"]


class DatabaseNotEmpty(Exception):
    """The database already has companies and the caller did not say to add to them."""


# --- Small helpers -------------------------------------------------------------------------------


def counts_for(scale: float) -> dict[str, int]:
    return {key: max(MINIMUM_COUNTS[key], round(value * scale)) for key, value in DEFAULT_COUNTS.items()}


def _slug(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


class Weighted:
    """A weighted choice by bisecting cumulative weights (what random.choices does, without its per-call setup)."""

    def __init__(self, items: list[Any], weights: list[float]):
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _pairs(pairs: list[tuple[Any, float]]) -> Weighted:
    return Weighted([item for item, _weight in pairs], [weight for _item, weight in pairs])


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _uid(rng: random.Random) -> str:
    return f"{uuid.UUID(int=rng.getrandbits(128), version=4)}@naringsliv-crm"


def _rsvp_key(rng: random.Random) -> str:
    """As `crm.events.tokens.new_key` makes them (16 random bytes, URL-safe), but from the seed."""
    return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).rstrip(b"=").decode("ascii")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time as UTC (the hours used here never fall in a DST gap)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM).astimezone(UTC)


def _first_friday(year: int, month: int) -> date:
    """The month's first Friday; in January the first one after the holidays (Epiphany is 6 January)."""
    first = date(year, month, 7 if month == 1 else 1)
    return first + timedelta(days=(4 - first.weekday()) % 7)


def _org_number(rng: random.Random, stem: str | None) -> str:
    """A valid number: a sole trader's personnummer, else a legal person's (third digit 2-9) with the form's stem."""
    if stem is None:
        year = rng.choice([*range(40, 100), 0, 1, 2, 3, 4])
        digits = f"{year:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    else:
        first = {"5": "55", "9": "96", "7": "76", "8": "80"}[stem]
        digits = f"{first}{rng.randint(6 if stem != '8' else 2, 9)}{rng.randint(0, 999_999):06d}"
    check = luhn.calc_check_digit(digits)
    return f"{digits[:6]}-{digits[6:]}{check}"


# --- The report ------------------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    seconds: float
    rows: dict[str, int]


@dataclass
class Generated:
    counts: dict[str, int]
    steps: list[Step] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    def table_rows(self) -> dict[str, int]:
        rows: dict[str, int] = {}
        for step in self.steps:
            rows.update(step.rows)
        return rows


# --- The generator ---------------------------------------------------------------------------------


class Generator:
    def __init__(self, scale: float, seed: int, today: date, password: str, echo=None):
        self.counts = counts_for(scale)
        self.scale = scale
        self.seed = seed
        self.today = today
        self.reference = _at(today, 12)
        self.password = password
        self.echo = echo or (lambda message: None)
        self.existing_companies = db.session.scalar(select(func.count()).select_from(Company)) or 0
        # Adding to a register that has rows: a stream of its own, so new keys do not collide with the old.
        self.rng = random.Random(seed if not self.existing_companies else f"{seed}+{self.existing_companies}")
        self.result = Generated(self.counts)
        self.written: Counter[str] = Counter()

    # Writing ---------------------------------------------------------------------------------------

    def _insert(self, table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        for part in _chunks(rows, CHUNK):
            db.session.execute(insert(table), part)
        self.written[table.name] += len(rows)

    def _step(self, name: str, work) -> None:
        before = dict(self.written)
        started = clock.perf_counter()
        work()
        db.session.commit()
        seconds = clock.perf_counter() - started
        rows = {table: count - before.get(table, 0) for table, count in self.written.items()
                if count != before.get(table, 0)}
        self.result.steps.append(Step(name, seconds, rows))
        detail = ", ".join(f"{table} {count:,}".replace(",", " ") for table, count in rows.items())
        self.echo(f"  {name:<13} {seconds:7.1f} s  {detail}")

    def _days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def run(self) -> Generated:
        self._step("users", self.users)
        self._step("companies", self.companies)
        self._step("contacts", self.contacts)
        self._step("interactions", self.interactions)
        self._step("visits", self.visits)
        self._step("follow-ups", self.follow_ups)
        self._step("networks", self.networks)
        self._step("events", self.events)
        self._step("feed tokens", self.feed_tokens)
        self._analyze()
        self._step("register counts", self.register_counts)
        self.result.info = self.info()
        return self.result

    def register_counts(self) -> None:
        """The visit plan's register counts and ranked suggestions, as the scheduler's job would have them (after
        the statistics)."""
        from crm.plan.tasks import refresh_plan_figures

        refresh_plan_figures(utcnow(), self.today)

    def _analyze(self) -> None:
        """On PostgreSQL, what autovacuum would do soon after a bulk load; on SQLite, what the nightly job does."""
        started = clock.perf_counter()
        if db.engine.dialect.name != "postgresql":
            from crm.scheduler.tasks import refresh_planner_statistics

            refresh_planner_statistics()
            db.session.commit()
            seconds = clock.perf_counter() - started
            self.result.steps.append(Step("analyze", seconds, {}))
            self.echo(f"  {'analyze':<13} {seconds:7.1f} s  ANALYZE (som det nattliga jobbet)")
            return
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SET statement_timeout = 0"))
            connection.execute(text("VACUUM (ANALYZE)"))
        seconds = clock.perf_counter() - started
        self.result.steps.append(Step("vacuum analyze", seconds, {}))
        self.echo(f"  {'analyze':<13} {seconds:7.1f} s  VACUUM (ANALYZE)")

    # Users, topics, tags -----------------------------------------------------------------------------

    def users(self) -> None:
        rng = self.rng
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        password_hash = generate_password_hash(self.password, method=method)
        taken = set(db.session.scalars(select(func.lower(User.email))))
        self.user_ids: dict[Role, list[int]] = {}
        self.user_names: dict[int, str] = {}
        self.user_emails: dict[Role, list[str]] = {}
        rows = []
        for role, count in USERS_PER_ROLE.items():
            for n in range(1, count + 1):
                name = f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"
                email = f"{role.value}{n}@{words.EMAIL_DOMAIN}"
                self.user_emails.setdefault(role, []).append(email)
                if email in taken:
                    continue
                rows.append({
                    "name": name, "email": email, "role": role, "password_hash": password_hash, "active": True,
                    "locale": "sv", "session_token": secrets.token_urlsafe(24),
                    "created_at": self.reference - timedelta(days=DAYS + rng.randint(0, 60)),
                    "digest_enabled": True, "digest_time": time(7, 30), "digest_weekends": False,
                    "visit_reminders_enabled": True, "assignment_mails_enabled": True,
                })
        self._insert_with_ids(User.__table__, rows)
        by_email = dict(db.session.execute(select(func.lower(User.email), User.id)).all())
        names = dict(db.session.execute(select(User.id, User.name)).all())
        for role, emails in self.user_emails.items():
            self.user_ids[role] = [by_email[email] for email in emails]
        self.user_names = names
        self.staff = self.user_ids[Role.STAFF]
        self.politicians = self.user_ids[Role.POLITICIAN]
        self.organizers = self.user_ids[Role.ORGANIZER]

        existing_topics = dict(db.session.execute(select(Topic.name, Topic.id)).all())
        missing = [{"name": name, "position": position, "active": True}
                   for position, name in enumerate(DEFAULT_TOPICS) if name not in existing_topics]
        self._insert_with_ids(Topic.__table__, missing)
        topics = dict(db.session.execute(select(Topic.name, Topic.id)).all())
        self.topic_ids = [topics[name] for name in DEFAULT_TOPICS]

        existing_tags = {name.casefold() for name in db.session.scalars(select(Tag.name))}
        self._insert_with_ids(Tag.__table__, [{"name": name} for name in words.TAGS
                                              if name.casefold() not in existing_tags])
        tags = {name.casefold(): tag_id for name, tag_id in db.session.execute(select(Tag.name, Tag.id))}
        self.tag_ids = [tags[name.casefold()] for name in words.TAGS]

    def _insert_with_ids(self, table, rows: list[dict[str, Any]]) -> list[int]:
        ids = _allocate_ids(table, len(rows))
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
        self._insert(table, rows)
        return ids

    # Companies ---------------------------------------------------------------------------------------

    def companies(self) -> None:
        rng = self.rng
        count = self.counts["companies"]
        used = set(db.session.scalars(select(Company.org_number).where(Company.org_number.is_not(None))))
        ids = _allocate_ids(Company.__table__, count)
        self.company_ids = ids
        self.company_address: list[str] = []
        self.company_domain: list[str] = []
        self.company_district: list[str | None] = []
        self.company_owner: list[int | None] = []
        self.company_size: list[int] = []
        self.company_created: list[datetime] = []
        sni_codes = _pairs(words.SNI_CODES)
        for code, _weight in words.SNI_CODES:
            assert is_valid(code) and section_of(code) in words.TRADE_WORDS, code  # real SNI 2007 codes only
        legal_forms = Weighted(words.LEGAL_FORMS, [share for _form, share, _stem in words.LEGAL_FORMS])
        sizes = _pairs(words.SIZE_CLASS_WEIGHTS)
        districts = Weighted(words.DISTRICTS, words.DISTRICT_WEIGHTS)
        tags = Weighted(self.tag_ids, words.TAG_WEIGHTS)
        statuses = _pairs([(CompanyStatus.ACTIVE, 86), (CompanyStatus.DORMANT, 6), (CompanyStatus.BANKRUPT, 3),
                           (CompanyStatus.DEREGISTERED, 5)])
        rows, sni_rows, tag_rows = [], [], []
        for index, company_id in enumerate(ids):
            if index == 0:
                row, codes, company_tags_ids = self._first_company(company_id, used)
            else:
                row, codes, company_tags_ids = self._company(
                    company_id, used, sni_codes, legal_forms, sizes, districts, tags, statuses
                )
            rows.append(row)
            sni_rows.extend({"company_id": company_id, "code": code, "version": SniVersion.SNI2007, "position": p}
                            for p, code in enumerate(codes))
            tag_rows.extend({"company_id": company_id, "tag_id": tag_id} for tag_id in company_tags_ids)
            self.company_address.append(row["visiting_address"] or "")
            self.company_domain.append(_slug(name_key(row["name"]))[:20] or "foretag")
            self.company_district.append(row["district"])
            self.company_owner.append(row["owner_id"])
            self.company_size.append(int(row["size_class"] or 0))
            self.company_created.append(row["created_at"])
            if len(rows) >= CHUNK:
                self._flush_companies(rows, sni_rows, tag_rows)
                rows, sni_rows, tag_rows = [], [], []
        self._flush_companies(rows, sni_rows, tag_rows)
        # How much attention each company gets: many none, a few a great deal, larger ones more.
        self.attention = [0.0] + [
            0.0 if rng.random() < 0.45 else min(rng.paretovariate(1.3), 40.0) * (1 + self.company_size[i] / 2)
            for i in range(1, count)
        ]

    def _flush_companies(self, rows, sni_rows, tag_rows) -> None:
        self._insert(Company.__table__, rows)
        self._insert(CompanySni.__table__, sni_rows)
        self._insert(company_tags, tag_rows)

    def _unique_number(self, used: set[str], stem: str | None) -> str:
        while True:
            number = _org_number(self.rng, stem)
            if number not in used:
                used.add(number)
                return number

    def _first_company(self, company_id: int, used: set[str]):
        """The register's key company with the long history the company page is measured on."""
        created = self.reference - timedelta(days=DAYS + 30)
        row = self._company_row(
            company_id, name=f"{words.MUNICIPALITY} Mekaniska AB", legal_form="Aktiebolag",
            org_number=self._unique_number(used, "5"), size_class="5", employees=74,
            district="Centrum", status=CompanyStatus.ACTIVE, owner_id=self.staff[0], created_at=created,
            women_led=False,
        )
        return row, ["25620", "33120"], [self.tag_ids[words.TAGS.index("Nyckelföretag")],
                                          self.tag_ids[words.TAGS.index("Tillverkning")]]

    def _company(self, company_id, used, sni_codes, legal_forms, sizes, districts, tags, statuses):
        rng = self.rng
        code = sni_codes.pick(rng)
        codes = [code]
        if rng.random() < 0.2:
            second = sni_codes.pick(rng)
            if second != code:
                codes.append(second)
        legal_form, _share, stem = legal_forms.pick(rng)
        trade = rng.choice(words.TRADE_WORDS[section_of(code)])
        name = self._company_name(legal_form, trade)
        size_class = sizes.pick(rng) if stem is not None else rng.choice(["0", "0", "0", "1"])
        low, high = words.SIZE_CLASS_EMPLOYEES[size_class]
        roll = rng.random()
        if roll < 0.6:  # in the register since it was first loaded
            age = DAYS + rng.randint(0, 60)
        elif roll < 0.95:  # registered since
            age = rng.randint(0, DAYS)
        else:  # new within the last year
            age = rng.randint(0, 364)
        created = self.reference - timedelta(days=age)
        women = rng.random()
        row = self._company_row(
            company_id, name=name, legal_form=legal_form, org_number=self._unique_number(used, stem),
            size_class=size_class, employees=rng.randint(low, high) if rng.random() < 0.4 else None,
            district=districts.pick(rng) if rng.random() < 0.95 else None, status=statuses.pick(rng),
            owner_id=rng.choice(self.staff) if rng.random() < 0.35 else None, created_at=created,
            women_led=True if women < 0.25 else False if women < 0.7 else None,
        )
        chosen = []
        if rng.random() < 0.22:
            chosen.append(tags.pick(rng))
            if rng.random() < 0.35:
                other = tags.pick(rng)
                if other not in chosen:
                    chosen.append(other)
        return row, codes, chosen

    def _company_name(self, legal_form: str, trade: str) -> str:
        rng = self.rng
        last = rng.choice(words.LAST_NAMES)
        place = rng.choice(words.PLACE_PREFIXES) + rng.choice(words.PLACE_SUFFIXES)
        if legal_form == "Enskild näringsverksamhet":
            if rng.random() < 0.5:
                return f"{rng.choice(words.FIRST_NAMES)} {last} {trade}"
            return f"{last}s {trade}"
        if legal_form in ("Handelsbolag", "Kommanditbolag"):
            return f"{last} & {rng.choice(words.LAST_NAMES)} {trade} {words.LEGAL_SUFFIX[legal_form]}"
        if legal_form == "Ekonomisk förening":
            return f"{place} {trade} ekonomisk förening"
        if legal_form == "Ideell förening":
            return f"{place} {rng.choice(['Företagarförening', 'Näringslivsförening', 'Hembygdsförening'])}"
        if legal_form == "Stiftelse":
            return f"Stiftelsen {place} {trade}"
        roll = rng.random()
        if roll < 0.35:
            base = f"{last}s {trade}"
        elif roll < 0.65:
            base = f"{place} {trade}"
        elif roll < 0.85:
            base = f"{rng.choice(words.INVENTED_NAMES)} {trade}"
        else:
            base = f"{rng.choice(words.INVENTED_NAMES)} {rng.choice(['Nordic', 'Sverige', 'Group', 'Solutions'])}"
        if rng.random() < 0.25:
            base += rng.choice([" i Åbyvik", " & Son", " Mälardalen", " Syd", " Norr", " Väst"])
        return f"{base} AB"

    def _company_row(self, company_id: int, *, name: str, legal_form: str, org_number: str, size_class: str,
                     employees: int | None, district: str | None, status: CompanyStatus, owner_id: int | None,
                     created_at: datetime, women_led: bool | None) -> dict[str, Any]:
        rng = self.rng
        postcode = f"64{rng.randint(1, 9)} {rng.randint(10, 99)}"
        has_box = rng.random() < 0.3
        reported = women_led is not None
        updated = min(self.reference, created_at + timedelta(days=rng.randint(0, 900)))
        return {
            "id": company_id,
            "org_number": org_number,
            "name": name,
            "name_key": name_key(name),
            "legal_form": legal_form,
            "size_class": size_class,
            "employees": employees,
            "employees_date": self._days_ago(rng.randint(30, 700)) if employees is not None else None,
            "visiting_address": f"{rng.choice(words.STREETS)} {rng.randint(1, 120)}",
            "visiting_postcode": postcode,
            "visiting_city": words.MUNICIPALITY,
            "postal_address": f"Box {rng.randint(100, 999)}" if has_box else None,
            "postal_postcode": f"64{rng.randint(1, 9)} {rng.randint(10, 99)}" if has_box else None,
            "postal_city": words.MUNICIPALITY if has_box else None,
            "district": district,
            "website": f"https://www.{_slug(name_key(name))[:24]}.se" if rng.random() < 0.5 else None,
            "switchboard": (f"{words.AREA_CODE}-{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
                            if rng.random() < 0.6 else None),
            "women_led": women_led,
            "women_owned": (women_led and rng.random() < 0.7) if reported else None,
            "women_reported_on": self._days_ago(rng.randint(30, 1500)) if reported else None,
            "status": status,
            "owner_id": owner_id,
            "created_at": created_at,
            "updated_at": updated,
        }

    # Contact persons ----------------------------------------------------------------------------------

    def contacts(self) -> None:
        rng = self.rng
        count = self.counts["contacts"]
        companies = len(self.company_ids)
        ids = _allocate_ids(ContactPerson.__table__, count)
        self.contact_ids = ids
        self.contact_name: list[str] = []
        self.contact_email: list[str | None] = []
        self.contact_company: list[int] = []  # index of the contact's first company
        self.eligible: list[int] = []  # indexes of contacts every mailing may reach
        self.eligible_set: set[int] = set()
        self.company_contacts: list[list[int]] = [[] for _ in range(companies)]
        busy = Weighted(list(range(companies)), [weight + 0.3 for weight in self.attention])
        roles = _pairs(words.CONTACT_ROLES)
        rows, links = [], []
        first_company_contacts = min(8, count // 4)
        for index, contact_id in enumerate(ids):
            if index < first_company_contacts:
                company = 0
            elif rng.random() < 0.6:
                company = busy.pick(rng)
            else:
                company = rng.randrange(companies)
            first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
            name = f"{first} {last}"
            email = (f"{_slug(first)}.{_slug(last)}@{self.company_domain[company]}.se"
                     if rng.random() < 0.95 else None)
            objection = rng.random() < 0.01
            opt_outs = [rng.random() < 0.04 for _ in range(3)]
            created = max(self.company_created[company], self.reference - timedelta(days=rng.randint(0, DAYS)))
            rows.append({
                "id": contact_id, "name": name, "name_key": fold(name), "email": email,
                "phone": (f"07{rng.choice('0236')}-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
                          if rng.random() < 0.8 else None),
                "opt_out_networks": opt_outs[0], "opt_out_breakfasts": opt_outs[1], "opt_out_procurement": opt_outs[2],
                "objection": objection, "created_at": created,
                "updated_at": min(self.reference, created + timedelta(days=rng.randint(0, 400))),
            })
            self.contact_name.append(name)
            self.contact_email.append(email)
            self.contact_company.append(company)
            if email and not objection and not any(opt_outs):
                self.eligible.append(index)
                self.eligible_set.add(index)
            companies_of = [company]
            if rng.random() < 0.15:
                other = rng.randrange(companies)
                if other != company:
                    companies_of.append(other)
            for position, linked in enumerate(companies_of):
                self.company_contacts[linked].append(index)
                start = created.date()
                ended = position == 0 and index >= first_company_contacts and rng.random() < 0.08
                links.append({
                    "company_id": self.company_ids[linked], "contact_id": contact_id,
                    "role": roles.pick(rng) if position == 0 else rng.choice(["Styrelseledamot", "Ägare", "Konsult"]),
                    "start_date": start,
                    "end_date": start + timedelta(days=rng.randint(30, max(31, (self.today - start).days)))
                    if ended and start < self.today - timedelta(days=31) else None,
                })
            if len(rows) >= CHUNK:
                self._insert(ContactPerson.__table__, rows)
                self._insert_with_ids(CompanyContact.__table__, links)
                rows, links = [], []
        self._insert(ContactPerson.__table__, rows)
        self._insert_with_ids(CompanyContact.__table__, links)

    def _some_contacts(self, company: int, most: int) -> list[int]:
        """Up to `most` of the company's contact persons (ids), usually one."""
        people = self.company_contacts[company]
        if not people:
            return []
        roll = self.rng.random()
        wanted = 0 if roll < 0.2 else 1 if roll < 0.9 or most == 1 else 2
        wanted = min(wanted, len(people), most)
        return [self.contact_ids[index] for index in self.rng.sample(people, wanted)]

    def _some_topics(self, low: int, high: int) -> list[int]:
        return self.rng.sample(self.topic_ids, self.rng.randint(low, high))

    # Interactions -------------------------------------------------------------------------------------

    def interactions(self) -> None:
        rng = self.rng
        count = self.counts["interactions"]
        ids = _allocate_ids(Interaction.__table__, count)
        long_timeline = min(LONG_TIMELINE_INTERACTIONS, count // 3)
        attention = self.attention if sum(self.attention) > 0 else [0.0] + [1.0] * (len(self.company_ids) - 1)
        busy = Weighted(list(range(len(self.company_ids))), attention)
        kinds = _pairs(INTERACTION_KINDS)
        self.interaction_follow_ups: list[tuple[int, int, datetime, int]] = []
        rows: list[dict] = []
        contacts, participants, topics = [], [], []
        position = 0
        while position < count:
            company = 0 if position < long_timeline else busy.pick(rng)
            row = self._interaction(ids[position], company, kinds.pick(rng), contacts, participants, topics)
            rows.append(row)
            position += 1
            if row["status"] == NoteStatus.FINAL and position < count and rng.random() < 0.008:
                rows.append(self._new_version(ids[position], row, contacts, participants))
                position += 1
            elif row["status"] == NoteStatus.FINAL and rng.random() < 0.01:
                self.interaction_follow_ups.append((company, row["id"], row["created_at"], row["created_by_id"]))
            if len(rows) >= CHUNK:
                self._flush_interactions(rows, contacts, participants, topics)
                rows, contacts, participants, topics = [], [], [], []
        self._flush_interactions(rows, contacts, participants, topics)

    def _flush_interactions(self, rows, contacts, participants, topics) -> None:
        self._insert(Interaction.__table__, rows)
        self._insert(interaction_contacts, contacts)
        self._insert(interaction_participants, participants)
        self._insert(interaction_topics, topics)

    def _interaction(self, interaction_id, company, kind, contacts, participants, topics) -> dict[str, Any]:
        rng = self.rng
        age = rng.randint(0, DAYS)
        occurred = self._days_ago(age)
        owner = self.company_owner[company]
        author = owner if owner is not None and rng.random() < 0.6 else rng.choice(self.staff)
        created = min(self.reference, _at(occurred, rng.randint(8, 16), rng.choice((0, 15, 30, 45))))
        final = rng.random() < 0.96 if age > 14 else rng.random() < 0.5
        finalized = min(self.reference, created + timedelta(hours=rng.randint(0, 72))) if final else None
        note = rng.choice(words.INTERACTION_NOTES).format(district=self.company_district[company] or "centrum")
        contacts.extend({"interaction_id": interaction_id, "contact_id": contact_id}
                        for contact_id in self._some_contacts(company, 2))
        people = [author]
        if rng.random() < 0.2:
            other = rng.choice(self.staff)
            if other != author:
                people.append(other)
        participants.extend({"interaction_id": interaction_id, "user_id": user_id} for user_id in people)
        roll = rng.random()
        chosen = [] if roll < 0.4 else self._some_topics(1, 1 if roll < 0.85 else 2)
        topics.extend({"interaction_id": interaction_id, "topic_id": topic_id} for topic_id in chosen)
        return {
            "id": interaction_id, "company_id": self.company_ids[company], "kind": kind, "occurred_on": occurred,
            "note": note, "status": NoteStatus.FINAL if final else NoteStatus.DRAFT, "version": 1,
            "supersedes_id": None, "created_by_id": author, "created_at": created,
            "updated_at": finalized or created, "finalized_at": finalized,
            "finalized_by_id": author if final else None,
        }

    def _new_version(self, interaction_id, earlier, contacts, participants) -> dict[str, Any]:
        """A finalised note corrected by a new version that supersedes it (the old one stays)."""
        created = min(self.reference, earlier["finalized_at"] + timedelta(days=self.rng.randint(1, 20)))
        earlier_contacts = [item["contact_id"] for item in contacts if item["interaction_id"] == earlier["id"]]
        contacts.extend({"interaction_id": interaction_id, "contact_id": contact_id} for contact_id in earlier_contacts)
        participants.append({"interaction_id": interaction_id, "user_id": earlier["created_by_id"]})
        return {
            **earlier, "id": interaction_id, "note": f"{earlier['note']} {words.INTERACTION_ADDENDUM}", "version": 2,
            "supersedes_id": earlier["id"], "created_at": created, "updated_at": created, "finalized_at": created,
        }

    # Visits -------------------------------------------------------------------------------------------

    def visits(self) -> None:
        rng = self.rng
        count = self.counts["visits"]
        ids = _allocate_ids(Visit.__table__, count)
        long_timeline = min(LONG_TIMELINE_VISITS, count // 4)
        busy = Weighted(list(range(len(self.company_ids))), [weight + 0.5 for weight in self.attention])
        kinds = _pairs(VISIT_KINDS)
        self.visit_follow_ups: list[tuple[int, int, datetime, int, list[int], bool]] = []
        self.plan_counts: Counter[int] = Counter()
        rows, people, contacts, topics, notes = [], [], [], [], []
        for position, visit_id in enumerate(ids):
            if position < long_timeline:
                company = 0
                # The first company's visits: spread over the years, the last two booked in the coming weeks.
                when = ("future", 7 + 11 * (position - long_timeline + 2)) if position >= long_timeline - 2 else \
                    ("past", 20 + (DAYS - 40) * position // long_timeline)
            else:
                company = busy.pick(rng)
                roll = rng.random()
                when = ("past", rng.randint(1, DAYS)) if roll < 0.9 else \
                    ("future", rng.randint(1, 120)) if roll < 0.97 else ("proposed", 0)
            rows.append(self._visit(visit_id, company, kinds.pick(rng), when, people, contacts, topics, notes))
            if len(rows) >= CHUNK:
                self._flush_visits(rows, people, contacts, topics, notes)
                rows, people, contacts, topics, notes = [], [], [], [], []
        self._flush_visits(rows, people, contacts, topics, notes)
        self._visit_plans()

    def _flush_visits(self, rows, people, contacts, topics, notes) -> None:
        self._insert(Visit.__table__, rows)
        self._insert(visit_participants, people)
        self._insert(visit_contacts, contacts)
        self._insert(visit_topics, topics)
        self._insert_with_ids(VisitNote.__table__, notes)

    def _visit(self, visit_id, company, kind, when, people, contacts, topics, notes) -> dict[str, Any]:
        rng = self.rng
        moment, days = when
        first_company = company == 0
        owner = self.company_owner[company]
        official = self.staff[0] if first_company else owner if owner and rng.random() < 0.7 else rng.choice(self.staff)
        politicians = []
        if kind == VisitKind.POLITICIAN:
            politicians = rng.sample(self.politicians, 1 if rng.random() < 0.8 else 2)
        team = [official, *politicians]
        if kind != VisitKind.POLITICIAN and rng.random() < 0.3:
            other = rng.choice(self.staff)
            if other not in team:
                team.append(other)
        starts = ends = completed = None
        cancel_reason = suggestion = None
        purpose = rng.choice(words.VISIT_PURPOSES)
        satisfied = less = feedback = summary = ""
        if moment == "proposed":
            status = VisitStatus.PROPOSED
            year = self.today.year
            created = self.reference - timedelta(days=rng.randint(0, 200))
            suggestion = rng.choice(["Aldrig besökt", "Inte besökt på 3 år", "Stor arbetsgivare", "Nyetablerat"])
            team = [official]
        else:
            day = self._days_ago(days) if moment == "past" else self.today + timedelta(days=days)
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            starts = _at(day, rng.choice((9, 10, 13, 14)), rng.choice((0, 30)))
            ends = starts + timedelta(minutes=rng.choice((60, 90, 120)))
            year = day.year
            created = min(self.reference, starts - timedelta(days=rng.randint(7, 60)))
            if moment == "future" or (days <= 20 and rng.random() < 0.3):
                status = VisitStatus.BOOKED
            elif rng.random() < 0.09 and not first_company:
                status = VisitStatus.CANCELLED
                cancel_reason = rng.choice(words.CANCEL_REASONS)
            else:
                status = VisitStatus.DONE
                completed = min(self.reference, ends + timedelta(hours=rng.randint(2, 120)))
                satisfied = rng.choice(words.VISIT_SATISFIED)
                less = rng.choice(words.VISIT_LESS_SATISFIED)
                feedback = rng.choice(words.FEEDBACK_WAYS)
                summary = rng.choice(words.VISIT_SUMMARIES)
        counts = kind in (VisitKind.POLITICIAN, VisitKind.WELCOME) or (
            kind == VisitKind.OFFICIAL and rng.random() < 0.3
        )
        if counts and status in (VisitStatus.DONE, VisitStatus.BOOKED):
            self.plan_counts[year] += 1
        people.extend({"visit_id": visit_id, "user_id": user_id} for user_id in team)
        if status != VisitStatus.PROPOSED:
            contacts.extend({"visit_id": visit_id, "contact_id": contact_id}
                            for contact_id in self._some_contacts(company, 2))
        chosen = self._some_topics(1, 3) if status == VisitStatus.DONE else self._some_topics(0, 2)
        topics.extend({"visit_id": visit_id, "topic_id": topic_id} for topic_id in chosen)
        if status == VisitStatus.DONE and politicians and rng.random() < 0.15:
            notes.append({"visit_id": visit_id, "author_id": politicians[0], "text": rng.choice(words.VISIT_NOTES),
                          "created_at": min(self.reference, ends + timedelta(days=1))})
        if status == VisitStatus.DONE and (rng.random() < (0.6 if first_company else 0.3)):
            self.visit_follow_ups.append(
                (company, visit_id, completed, official, chosen, kind == VisitKind.POLITICIAN)
            )
        return {
            "id": visit_id, "company_id": self.company_ids[company], "kind": kind, "status": status, "year": year,
            "counts_towards_target": counts, "starts_at": starts, "ends_at": ends,
            "place": self.company_address[company] if starts else None, "purpose": purpose,
            "satisfied_with": satisfied, "less_satisfied_with": less, "feedback_preference": feedback,
            "summary": summary, "cancel_reason": cancel_reason, "suggestion_reason": suggestion,
            "uid": _uid(rng), "sequence": 0, "created_by_id": official, "created_at": created,
            "updated_at": completed or created, "completed_at": completed,
        }

    def _visit_plans(self) -> None:
        rng = self.rng
        existing = set(db.session.scalars(select(VisitPlan.year)))
        rows = []
        for year in range(self.today.year - YEARS, self.today.year + 1):
            if year in existing:
                continue
            done = self.plan_counts.get(year, 0)
            target = max(10, round(done * rng.uniform(0.9, 1.2) / 5) * 5)
            rows.append({"year": year, "target": target, "updated_at": _at(date(year, 1, 20), 10)})
        self._insert_with_ids(VisitPlan.__table__, rows)

    # Follow-ups ---------------------------------------------------------------------------------------

    def follow_ups(self) -> None:
        rng = self.rng
        rows = []
        for company, visit_id, completed, official, topics, political in self.visit_follow_ups:
            for _n in range(1 if rng.random() < 0.75 else 2):
                assignee = official if company == 0 or rng.random() < 0.85 else rng.choice(self.staff)
                topic = rng.choice(topics) if topics else rng.choice(self.topic_ids)
                visible = rng.random() < (0.45 if political else 0.1)
                rows.append(self._follow_up(company, assignee, official, completed, topic, visible, visit_id=visit_id))
        for company, interaction_id, created, author in self.interaction_follow_ups:
            rows.append(self._follow_up(company, author, author, created, rng.choice(self.topic_ids), False,
                                        interaction_id=interaction_id))
        for _n in range(len(self.visit_follow_ups) // 10):
            company = rng.randrange(len(self.company_ids))
            author = rng.choice(self.staff)
            created = self.reference - timedelta(days=rng.randint(0, DAYS))
            rows.append(self._follow_up(company, author, author, created, rng.choice(self.topic_ids), False))
        self._insert_with_ids(FollowUp.__table__, rows)

    def _follow_up(self, company, assignee, author, created, topic, visible, visit_id=None, interaction_id=None):
        rng = self.rng
        created = min(self.reference, created + timedelta(hours=rng.randint(1, 48)))
        due = created.astimezone(STOCKHOLM).date() + timedelta(days=rng.randint(14, 60))
        roll = rng.random()
        if due < self.today - timedelta(days=30):
            status = (FollowUpStatus.DONE if roll < 0.92 else FollowUpStatus.NOT_DONE if roll < 0.97
                      else FollowUpStatus.OPEN if roll < 0.99 else FollowUpStatus.IN_PROGRESS)
        else:
            status = (FollowUpStatus.OPEN if roll < 0.55 else FollowUpStatus.IN_PROGRESS if roll < 0.8
                      else FollowUpStatus.DONE)
        closed = feedback_on = feedback_how = reason = None
        if status in (FollowUpStatus.DONE, FollowUpStatus.NOT_DONE):
            latest = min(self.today, due + timedelta(days=10))
            span = max(0, (latest - created.astimezone(STOCKHOLM).date()).days)
            closed_on = created.astimezone(STOCKHOLM).date() + timedelta(days=rng.randint(0, span))
            closed = min(self.reference, _at(closed_on, rng.randint(8, 16)))
            if status == FollowUpStatus.NOT_DONE:
                reason = rng.choice(words.NOT_DONE_REASONS)
            if status == FollowUpStatus.DONE and rng.random() < 0.9 or status == FollowUpStatus.NOT_DONE:
                feedback_on, feedback_how = closed_on, rng.choice(words.FEEDBACK_WAYS)
        return {
            "company_id": self.company_ids[company], "visit_id": visit_id, "interaction_id": interaction_id,
            "description": rng.choice(words.FOLLOW_UP_TEXTS).format(
                district=self.company_district[company] or "centrum"
            ),
            "topic_id": topic, "assignee_id": assignee, "due_date": due, "status": status,
            "not_done_reason": reason, "feedback_on": feedback_on, "feedback_how": feedback_how,
            "visible_to_politicians": visible, "created_by_id": author, "created_at": created,
            "updated_at": closed or created, "closed_at": closed,
        }

    # Networks -----------------------------------------------------------------------------------------

    def networks(self) -> None:
        rng = self.rng
        count = self.counts["networks"]
        ids = _allocate_ids(Network.__table__, count)
        self.network_ids = ids
        self.network_kind: list[NetworkKind] = []
        self.network_members: list[list[int]] = []
        kinds = _pairs([(NetworkKind(kind), weight) for kind, weight in words.NETWORK_KINDS])
        owners = self.organizers + self.staff[:5]
        rows, memberships = [], []
        for index, network_id in enumerate(ids):
            kind = NetworkKind.BREAKFAST if index == 0 else kinds.pick(rng)
            if index == 0:
                name = "Frukostklubben"
            else:
                base = rng.choice(words.NETWORK_NAMES[kind.value])
                name = base if rng.random() < 0.3 else f"{base} – {rng.choice(words.DISTRICTS)}"
            created = self.reference - timedelta(days=DAYS + 30 if index == 0 else rng.randint(30, DAYS))
            rows.append({
                "id": network_id, "name": name, "kind": kind, "description": words.NETWORK_DESCRIPTIONS[kind.value],
                "owner_id": self.organizers[0] if index == 0 else rng.choice(owners),
                "active": index == 0 or rng.random() < 0.85, "created_at": created,
                "updated_at": min(self.reference, created + timedelta(days=rng.randint(0, 300))),
            })
            self.network_kind.append(kind)
            size = 120 if index == 0 else max(6, min(150, int(rng.lognormvariate(3.3, 0.6))))
            size = min(size, len(self.contact_ids))
            members = rng.sample(range(len(self.contact_ids)), size)
            self.network_members.append(members)
            for position, member in enumerate(members):
                starts = created.astimezone(STOCKHOLM).date() + timedelta(
                    days=rng.randint(0, max(0, (self.today - created.astimezone(STOCKHOLM).date()).days))
                )
                ended = rng.random() < 0.15 and starts < self.today - timedelta(days=60)
                memberships.append({
                    "network_id": network_id, "contact_id": self.contact_ids[member],
                    "company_id": self.company_ids[self.contact_company[member]],
                    "role": "ordförande" if position == 0 else "vice ordförande" if position == 1 else "medlem",
                    "starts_on": starts,
                    "ends_on": starts + timedelta(days=rng.randint(30, max(31, (self.today - starts).days - 1)))
                    if ended else None,
                    "created_at": _at(starts, 10),
                })
        self._insert(Network.__table__, rows)
        self._insert_with_ids(NetworkMembership.__table__, memberships)

    # Events and invitations -----------------------------------------------------------------------------

    def events(self) -> None:
        rng = self.rng
        count = self.counts["events"]
        plans = self._breakfast_series(count)
        others = count - len(plans)
        network_weights = [0.0] + [
            {NetworkKind.BREAKFAST: 6, NetworkKind.BUSINESS_COUNCIL: 4, NetworkKind.SECTOR_COUNCIL: 3,
             NetworkKind.NETWORK: 3}[kind] for kind in self.network_kind[1:]
        ]
        networks = Weighted(list(range(len(self.network_ids))), network_weights) if len(self.network_ids) > 1 else None
        for _n in range(others):
            network = networks.pick(rng) if networks is not None and rng.random() < 0.75 else None
            kind = rng.choice(EVENT_KIND_BY_NETWORK[self.network_kind[network]] if network is not None
                              else STANDALONE_EVENT_KINDS)
            offset = rng.randint(-DAYS, 365) if rng.random() < 0.92 else rng.randint(1, 365)
            day = self.today + timedelta(days=offset)
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            hour = 7 if kind == EventKind.BREAKFAST else rng.choice((9, 13, 15, 16, 18))
            plans.append({"network": network, "kind": kind, "day": day, "hour": hour, "series": None})
        ids = _allocate_ids(Event.__table__, len(plans))
        series_ids = self._insert_series(plans)
        big = self._big_event(plans)
        rows = []
        self.event_plans = []
        for index, (event_id, plan) in enumerate(zip(ids, plans, strict=True)):
            row = self._event(event_id, plan, series_ids, big=index == big)
            rows.append(row)
            self.event_plans.append((row, plan))
        self._insert(Event.__table__, rows)
        self.big_event_id = ids[big]
        self._invitations(big)

    def _breakfast_series(self, count: int) -> list[dict[str, Any]]:
        """Frukostklubben meets the first Friday of each month, September to May, as a series per season."""
        horizon = self.today + timedelta(days=365)
        plans = []
        for year in range(self.today.year - YEARS, self.today.year + 2):
            for month in (1, 2, 3, 4, 5, 9, 10, 11, 12):
                day = _first_friday(year, month)
                if day > horizon or day < self.today - timedelta(days=DAYS):
                    continue
                season = year if month >= 9 else year - 1
                plans.append({"network": 0, "kind": EventKind.BREAKFAST, "day": day, "hour": 7, "series": season})
        plans.sort(key=lambda plan: plan["day"])
        upcoming = next(n for n, plan in enumerate(plans) if plan["day"] > self.today + timedelta(days=3))
        # At small scales the series keeps its latest meetings: at most 40 % of the events, the next ones included.
        allowed = max(4, int(count * 0.4))
        end = len(plans) if allowed >= len(plans) else min(len(plans), upcoming + 3)
        return plans[max(0, end - allowed):end]

    def _insert_series(self, plans) -> dict[int, int]:
        seasons = sorted({plan["series"] for plan in plans if plan["series"] is not None})
        rows = [{"title": "Frukostmöte", "rule": "Första fredagen varje månad, september–maj",
                 "created_by_id": self.organizers[0], "created_at": _at(date(season, 8, 1), 10)} for season in seasons]
        ids = self._insert_with_ids(EventSeries.__table__, rows)
        return dict(zip(seasons, ids, strict=True))

    def _big_event(self, plans) -> int:
        """The next breakfast more than three days ahead: the event with 500 invitations."""
        return next(n for n, plan in enumerate(plans)
                    if plan["series"] is not None and plan["day"] > self.today + timedelta(days=3))

    def _event(self, event_id, plan, series_ids, big: bool) -> dict[str, Any]:
        rng = self.rng
        kind = plan["kind"]
        starts = _at(plan["day"], plan["hour"], 30 if kind == EventKind.BREAKFAST else 0)
        ends = starts + timedelta(minutes=90 if kind == EventKind.BREAKFAST else rng.choice((90, 120, 180)))
        past = ends < self.reference
        cancelled = None
        if past:
            status = EventStatus.CANCELLED if rng.random() < 0.05 and not big else EventStatus.HELD
            if status == EventStatus.CANCELLED:
                cancelled = starts - timedelta(days=rng.randint(1, 10))
        else:
            invitations_out = big or plan["day"] <= self.today + timedelta(days=45)
            status = EventStatus.INVITED if invitations_out else EventStatus.PLANNED
        theme = rng.choice(words.EVENT_THEMES)
        capacity = 150 if big else (rng.choice((30, 40, 50, 60, 80, 100, 150)) if rng.random() < 0.5 else None)
        deadline = _at(plan["day"] - timedelta(days=2), 12) if big or rng.random() < 0.8 else None
        organizer = self.organizers[0] if plan["network"] == 0 else (
            self.staff[0] if rng.random() < 0.05 else rng.choice(self.organizers)
        )
        created = min(self.reference, starts - timedelta(days=rng.randint(30, 90)))
        return {
            "id": event_id, "uid": _uid(rng), "sequence": 1 if rng.random() < 0.1 else 0,
            "title": f"{EVENT_TITLES[kind]}: {theme}", "kind": kind, "status": status,
            "network_id": self.network_ids[plan["network"]] if plan["network"] is not None else None,
            "series_id": series_ids.get(plan["series"]) if plan["series"] is not None else None,
            "organizer_id": organizer, "starts_at": starts, "ends_at": ends,
            "place": rng.choice(words.EVENT_PLACES), "link": "",
            "description": f"{theme}: en kort dragning och tid att prata med varandra.",
            "capacity": capacity, "places_taken": 0, "registration_deadline": deadline,
            "asks_dietary": big or (kind in (EventKind.BREAKFAST, EventKind.THEME) and rng.random() < 0.6),
            "cancelled_at": cancelled, "created_at": created, "updated_at": cancelled or created,
        }

    def _invitations(self, big: int) -> None:
        """Invitations to events whose invitations have gone out, answers and attendance for the past ones."""
        rng = self.rng
        total = self.counts["invitations"]
        pool = self.eligible
        big_count = min(BIG_EVENT_INVITATIONS, len(pool), total)
        invited = [n for n, (row, _plan) in enumerate(self.event_plans)
                   if row["status"] != EventStatus.PLANNED and n != big]
        weights = [
            max(10, len(self.network_members[plan["network"]])) if plan["network"] is not None else 25
            for row, plan in (self.event_plans[n] for n in invited)
        ]
        share: Counter[int] = Counter()
        if invited and total > big_count:
            share.update(Weighted(invited, weights).pick(rng) for _n in range(total - big_count))
        share[big] = big_count
        ids_needed = sum(min(count, len(pool)) for count in share.values())
        ids = iter(_allocate_ids(Invitation.__table__, ids_needed))
        rows, dietary, places = [], [], {}
        for n in sorted(share):
            row, plan = self.event_plans[n]
            wanted = min(share[n], len(pool))
            chosen = self._invitees(plan, wanted)
            taken = self._invite(row, chosen, ids, rows, dietary)
            places[row["id"]] = taken
            if len(rows) >= CHUNK:
                self._insert(Invitation.__table__, rows)
                self._insert_with_ids(DietaryNeed.__table__, dietary)
                rows, dietary = [], []
        self._insert(Invitation.__table__, rows)
        self._insert_with_ids(DietaryNeed.__table__, dietary)
        self._set_places(places)

    def _invitees(self, plan, wanted: int) -> list[int]:
        """Contact indexes: the network's members who may be mailed first, then others who may."""
        rng = self.rng
        chosen: list[int] = []
        seen: set[int] = set()
        if plan["network"] is not None:
            for member in self.network_members[plan["network"]]:
                if member in self.eligible_set and len(chosen) < wanted:
                    chosen.append(member)
                    seen.add(member)
        while len(chosen) < wanted:
            for member in rng.sample(self.eligible, min(len(self.eligible), wanted - len(chosen) + 5)):
                if member not in seen and len(chosen) < wanted:
                    chosen.append(member)
                    seen.add(member)
        return chosen

    def _invite(self, event: dict, chosen: list[int], ids, rows: list, dietary: list) -> int:
        rng = self.rng
        starts = event["starts_at"]
        past = event["status"] in (EventStatus.HELD, EventStatus.CANCELLED)
        invited_at = min(self.reference, starts - timedelta(days=rng.randint(14, 21)))
        deadline = event["registration_deadline"] or starts
        answer_until = min(deadline, self.reference)
        answered = []
        for member in chosen:
            row = {
                "id": next(ids), "event_id": event["id"], "contact_id": self.contact_ids[member],
                "name": self.contact_name[member], "email": self.contact_email[member], "rsvp_key": _rsvp_key(rng),
                "invited_at": invited_at, "sent_sequence": event["sequence"], "uninvited_at": None,
                "answer": None, "answered_at": None, "waitlisted_at": None, "attendance": None, "walk_in": False,
                "reminded_at": None, "created_at": invited_at,
            }
            roll = rng.random()
            if not past:  # the invitation is out: under half have answered so far
                roll = rng.random() * 0.75 if roll < 0.45 else 1.0
            if roll < 0.5:
                row["answer"] = Answer.YES
            elif roll < 0.7:
                row["answer"] = Answer.NO
            elif roll < 0.75:
                row["answer"] = Answer.MAYBE
            if row["answer"] is not None and answer_until > invited_at:
                seconds = int((answer_until - invited_at).total_seconds())
                row["answered_at"] = invited_at + timedelta(seconds=rng.randint(60, max(61, seconds)))
            elif row["answer"] is not None:
                row["answered_at"] = invited_at
            elif not past and rng.random() < 0.2 and invited_at + timedelta(days=7) < self.reference:
                row["reminded_at"] = invited_at + timedelta(days=7)
            if rng.random() < 0.01 and row["answer"] is None:
                row["uninvited_at"] = min(self.reference, invited_at + timedelta(days=2))
            rows.append(row)
            answered.append(row)
        # Places go to "ja" in the order answered; beyond the capacity they wait in line.
        taken = 0
        yes = sorted((row for row in answered if row["answer"] == Answer.YES),
                     key=lambda row: (row["answered_at"], row["id"]))
        for row in yes:
            if event["capacity"] is not None and taken >= event["capacity"]:
                row["waitlisted_at"] = row["answered_at"]
                continue
            taken += 1
            if event["status"] == EventStatus.HELD:
                row["attendance"] = Attendance.ATTENDED if rng.random() < 0.85 else Attendance.NO_SHOW
            elif not past and event["asks_dietary"] and rng.random() < 0.08:
                dietary.append({"invitation_id": row["id"], "categories": rng.choice(DIETARY), "other": ""})
        return taken

    def _set_places(self, places: dict[int, int]) -> None:
        table = Event.__table__
        params = [{"b_id": event_id, "places_taken": taken} for event_id, taken in places.items() if taken]
        for part in _chunks(params, CHUNK):
            db.session.execute(update(table).where(table.c.id == bindparam("b_id")), part)

    # Feed tokens ----------------------------------------------------------------------------------------

    def feed_tokens(self) -> None:
        """A calendar token for the first staff member and one for Frukostklubben, through the feed services."""
        from crm.feeds.models import FeedKind
        from crm.feeds.services import issue

        staff = db.session.get(User, self.staff[0])
        organizer = db.session.get(User, self.organizers[0])
        network = db.session.get(Network, self.network_ids[0])
        self.tokens = {
            "user": issue(FeedKind.MINE, created_by=staff, user=staff),
            "network": issue(FeedKind.NETWORK, created_by=organizer, network=network),
        }
        self.written["feed_tokens"] += 2

    # What the benchmark needs to know -------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "scale": self.scale,
            "today": self.today.isoformat(),
            "password": self.password,
            "users": {role.value: emails for role, emails in self.user_emails.items()},
            "long_timeline_company_id": self.company_ids[0],
            "big_event_id": self.big_event_id,
            "network_id": self.network_ids[0],
            "feed_tokens": self.tokens,
            "search_term": SEARCH_TERM,
            "filter_args": FILTER_ARGS,
            "counts": self.counts,
            "rows": dict(self.written),
        }


def generate(scale: float = 1.0, seed: int = 1, today: date = DEFAULT_TODAY, password: str = DEFAULT_PASSWORD,
             allow_existing: bool = False, echo=None) -> Generated:
    """Fill the database (in the current app context) and return what was written and how long it took."""
    if not allow_existing and db.session.scalar(select(func.count()).select_from(Company)):
        raise DatabaseNotEmpty()
    return Generator(scale, seed, today, password, echo).run()


def register_digest() -> str:
    """A digest of the generated register's identity (numbers, names, e-mail, calendar UIDs, RSVP keys)."""
    digest = hashlib.sha256()
    statements = [
        select(Company.org_number, Company.name, Company.district, Company.size_class).order_by(Company.org_number),
        select(ContactPerson.name, ContactPerson.email).order_by(ContactPerson.id),
        select(Interaction.occurred_on, Interaction.note, Interaction.kind).order_by(Interaction.id),
        select(Visit.uid, Visit.status, Visit.starts_at).order_by(Visit.uid),
        select(Event.uid, Event.title, Event.places_taken).order_by(Event.uid),
        select(Invitation.rsvp_key, Invitation.answer).order_by(Invitation.rsvp_key),
    ]
    for statement in statements:
        for row in db.session.execute(statement):
            digest.update(repr(tuple(str(value) for value in row)).encode("utf-8"))
    return digest.hexdigest()


def write_info(info: dict[str, Any], path: Path) -> None:
    """The file the benchmark reads: logins, ids and feed tokens (secrets: readable by the owner only)."""
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)


@click.command("generate-data")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="1.0: 100,000 companies, 150,000 contacts, 500,000 interactions, 20,000 visits ...")
@click.option("--seed", default=1, show_default=True, help="The same seed (and day) gives the same data.")
@click.option("--today", "today", default=DEFAULT_TODAY.isoformat(), show_default=True,
              type=click.DateTime(formats=["%Y-%m-%d"]), help="The day everything is dated relative to.")
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True, help="Every generated user's password.")
@click.option("--info-file", type=click.Path(dir_okay=False, path_type=Path),
              help=f"Where to write logins, ids and feed tokens (default: <instance>/{INFO_FILE}).")
@click.option("--yes", is_flag=True, help="Add to a database that already has companies.")
def generate_data_command(scale: float, seed: int, today: datetime, password: str, info_file: Path | None,
                          yes: bool) -> None:
    """Generate a large, believable register for benchmarks (deterministic from the seed)."""
    from crm.audit.mixins import system_actor

    system_actor.set((None, "generate-data"))
    if len(password) < 10:
        raise click.BadParameter("Lösenordet måste ha minst 10 tecken.", param_hint="--password")
    click.echo(f"Genererar data i skala {scale} (frö {seed}, dag {today.date()}):")
    try:
        result = generate(scale, seed, today.date(), password, allow_existing=yes, echo=click.echo)
    except DatabaseNotEmpty:
        raise click.ClickException("Databasen har redan företag. Kör med --yes för att lägga till ändå.") from None
    path = info_file or Path(current_app.instance_path) / INFO_FILE
    write_info(result.info, path)
    click.echo(f"Klart på {result.seconds:.1f} s. Rader:")
    for table, count in result.table_rows().items():
        click.echo(f"  {table:<26} {count:>9,}".replace(",", " "))
    click.echo("Inloggning (alla användare har samma lösenord):")
    for role, emails in result.info["users"].items():
        click.echo(f"  {role:<11} {emails[0]}" + (f" … {emails[-1]}" if len(emails) > 1 else ""))
    click.echo(f"  lösenord    {password}")
    click.echo(f"Id:n och kalenderlänkar för mätningen: {path}")
