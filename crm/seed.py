"""A believable demo organisation: the business unit of the fictional Åbyviks kommun."""

from __future__ import annotations

import random
from datetime import date

from stdnum import luhn
from stdnum.se import orgnr

from crm.auth.models import Role
from crm.auth.services import create_user
from crm.companies.models import (
    Company,
    CompanyContact,
    CompanySni,
    CompanyStatus,
    ContactPerson,
    SniVersion,
    Tag,
)
from crm.extensions import db

DEMO_USERS = [
    (Role.ADMIN, "Karin Lindqvist", "admin@abyvik.se"),
    (Role.STAFF, "Johan Bergström", "johan.bergstrom@abyvik.se"),
    (Role.STAFF, "Amira Haddad", "amira.haddad@abyvik.se"),
    (Role.ORGANIZER, "Eva Sjöberg", "eva.sjoberg@abyvik.se"),
    (Role.POLITICIAN, "Lars Öhman", "lars.ohman@abyvik.se"),
]

DISTRICTS = ["Centrum", "Södra Porten", "Norra industriområdet", "Hamnen", "Lövsta", "Åby by", "Alfred Nobels allé"]
TAGS = ["Medtech", "Besöksnäring", "Nyetablerad", "Nyckelföretag", "Livsmedel", "Logistik", "Tillverkning"]

# (name, legal form, SNI 2007 codes, size class, tags)
COMPANIES = [
    ("Åbyvik Mekaniska AB", "Aktiebolag", ["25620"], "5", ["Tillverkning", "Nyckelföretag"]),
    ("Södra Portens Logistik AB", "Aktiebolag", ["52100", "49410"], "6", ["Logistik"]),
    ("Hamnkrogen i Åbyvik AB", "Aktiebolag", ["56101"], "3", ["Besöksnäring"]),
    ("Lövsta Gårdsmejeri HB", "Handelsbolag", ["10510"], "2", ["Livsmedel"]),
    ("Nordic Implant Solutions AB", "Aktiebolag", ["32500"], "4", ["Medtech", "Nyetablerad"]),
    ("Bergs Bygg & Snickeri AB", "Aktiebolag", ["41200", "43320"], "3", []),
    ("Åby Elteknik AB", "Aktiebolag", ["43210"], "3", []),
    ("Sjöbodens Café", "Enskild näringsverksamhet", ["56102"], "1", ["Besöksnäring"]),
    ("Mälarstrandens Camping AB", "Aktiebolag", ["55300"], "2", ["Besöksnäring"]),
    ("Kvarnbackens Bageri AB", "Aktiebolag", ["10710"], "2", ["Livsmedel"]),
    ("Åbyvik Plast & Form AB", "Aktiebolag", ["22290"], "5", ["Tillverkning"]),
    ("Hedlunds Åkeri AB", "Aktiebolag", ["49410"], "4", ["Logistik"]),
    ("Norrby Redovisning", "Enskild näringsverksamhet", ["69201"], "1", []),
    ("Medivo Diagnostics AB", "Aktiebolag", ["26600", "72110"], "4", ["Medtech"]),
    ("Gröna Dalens Trädgård AB", "Aktiebolag", ["47761"], "2", []),
    ("Hamnens Fisk & Skaldjur AB", "Aktiebolag", ["10200"], "2", ["Livsmedel"]),
    ("Åbyviks Hotell AB", "Aktiebolag", ["55101"], "4", ["Besöksnäring", "Nyckelföretag"]),
    ("Lindgren Data Konsult AB", "Aktiebolag", ["62010"], "2", ["Nyetablerad"]),
    ("Stenhuggeriet i Lövsta AB", "Aktiebolag", ["23700"], "2", ["Tillverkning"]),
    ("Ekonomisk förening Åby Bygdegård", "Ekonomisk förening", ["93290"], "0", []),
    ("Solkraft Mälardalen AB", "Aktiebolag", ["35110", "43210"], "3", ["Nyetablerad"]),
    ("Wikström Frisör", "Enskild näringsverksamhet", ["96021"], "1", []),
    ("Centrumapoteket Åbyvik AB", "Aktiebolag", ["47730"], "2", []),
    ("Nobelparkens Laboratorier AB", "Aktiebolag", ["72190"], "5", ["Medtech", "Nyckelföretag"]),
    ("Åbyvik Trä & Emballage AB", "Aktiebolag", ["16240"], "4", ["Tillverkning"]),
    ("Mälardalens Städservice AB", "Aktiebolag", ["81210"], "4", []),
    ("Hamnmagasinet Event AB", "Aktiebolag", ["82300"], "2", ["Besöksnäring"]),
    ("Karlssons Bil & Däck AB", "Aktiebolag", ["45201", "45320"], "3", []),
    ("Åby Vårdcentral AB", "Aktiebolag", ["86211"], "4", []),
    ("Svensk Kylteknik i Åbyvik AB", "Aktiebolag", ["28250"], "5", ["Tillverkning"]),
    ("Lövsta Hästgård", "Enskild näringsverksamhet", ["01430"], "1", ["Besöksnäring"]),
    ("Dahl & Partners Advokatbyrå KB", "Kommanditbolag", ["69101"], "2", []),
    ("Åbyvik Energi AB", "Aktiebolag", ["35300"], "5", ["Nyckelföretag"]),
    ("Fjällgren Arkitekter AB", "Aktiebolag", ["71110"], "2", []),
    ("Norra Lagret Fastigheter AB", "Aktiebolag", ["68201"], "1", []),
    ("BioNova Mälardalen AB", "Aktiebolag", ["21200"], "6", ["Medtech", "Nyckelföretag"]),
]

FIRST_NAMES = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Sara",
    "Mohammed",
    "Elin",
    "Per",
    "Fatima",
    "Karl",
    "Ingrid",
    "Oskar",
    "Linnéa",
    "Ali",
    "Helena",
    "Björn",
    "Sofia",
    "Mats",
    "Emma",
    "Göran",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Lindberg",
    "Åberg",
    "Öberg",
    "Holm",
]
CONTACT_ROLES = ["VD", "Ägare", "HR-chef", "Inköpschef", "Platschef", "Ekonomichef"]
STREETS = ["Storgatan", "Hamngatan", "Industrivägen", "Kvarngatan", "Lövstavägen", "Nobelvägen", "Verkstadsgatan"]


def _org_number(rng: random.Random, sole_trader: bool) -> str:
    """A valid number: a personnummer (month 01-12) for a sole trader, else a legal person's (third digit >= 2)."""
    while True:
        if sole_trader:
            digits = f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
        else:
            digits = f"55{rng.randint(6, 9)}{rng.randint(0, 999999):06d}"
        number = digits + luhn.calc_check_digit(digits)
        if orgnr.is_valid(number):
            return orgnr.format(number)


def _slug(text: str) -> str:
    table = str.maketrans("åäöéÅÄÖÉ", "aaoeAAOE")
    return "".join(ch for ch in text.translate(table).lower() if ch.isalnum())


def seed_demo_organisation(password: str, seed: int = 2026) -> list[tuple[str, str]]:
    """Create users, tags, companies and contacts; return (role, e-mail) of each login."""
    rng = random.Random(seed)
    users = [create_user(name, email, role, password) for role, name, email in DEMO_USERS]
    staff = [user for user in users if user.role == Role.STAFF]
    tags = {name: Tag(name=name) for name in TAGS}
    db.session.add_all(tags.values())

    used_numbers: set[str] = set()
    for index, (name, legal_form, sni, size_class, tag_names) in enumerate(COMPANIES):
        sole_trader = legal_form == "Enskild näringsverksamhet"
        number = _org_number(rng, sole_trader)
        while number in used_numbers:
            number = _org_number(rng, sole_trader)
        used_numbers.add(number)
        postcode = f"64{rng.randint(1, 9)} {rng.randint(10, 99)}"
        company = Company(
            org_number=number,
            name=name,
            legal_form=legal_form,
            size_class=size_class,
            employees={"0": 0, "1": 2, "2": 7, "3": 14, "4": 32, "5": 70, "6": 140}[size_class],
            employees_date=date(2026, rng.randint(1, 10), 1),
            visiting_address=f"{rng.choice(STREETS)} {rng.randint(1, 80)}",
            visiting_postcode=postcode,
            visiting_city="Åbyvik",
            district=rng.choice(DISTRICTS),
            website=f"https://www.{_slug(name)[:20]}.se",
            switchboard=f"0152-{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            women_led=rng.random() < 0.3,
            women_reported_on=date(2026, 3, 1),
            status=CompanyStatus.DORMANT if index == 19 else CompanyStatus.ACTIVE,
            owner=staff[index % len(staff)],
            tags=[tags[tag] for tag in tag_names],
            sni_codes=[CompanySni(code=code, version=SniVersion.SNI2007, position=i) for i, code in enumerate(sni)],
        )
        db.session.add(company)
        for position in range(rng.randint(1, 2)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            contact = ContactPerson(
                name=f"{first} {last}",
                email=f"{_slug(first)}.{_slug(last)}@{_slug(name)[:20]}.se",
                phone=f"070-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            )
            db.session.add(
                CompanyContact(
                    company=company,
                    contact=contact,
                    role=CONTACT_ROLES[position],
                    start_date=date(2020 + rng.randint(0, 5), 1, 1),
                )
            )
    db.session.flush()
    return [(user.role.value, user.email) for user in users]
