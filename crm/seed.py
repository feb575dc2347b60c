"""A believable demo organisation: the business unit of the fictional Åbyviks kommun."""

from __future__ import annotations

import random
from datetime import date

from stdnum import luhn
from stdnum.se import orgnr

from crm.auth.models import Role
from crm.auth.services import create_user
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
)
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.meetings.models import Interaction, InteractionKind, NoteStatus
from crm.plan.models import VisitPlan
from crm.timeutil import stockholm_to_utc, utcnow
from crm.visits.models import Visit, VisitKind, VisitStatus

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
    ("Hamnkrogen i Åbyvik AB", "Aktiebolag", ["56100"], "3", ["Besöksnäring"]),
    ("Lövsta Gårdsmejeri HB", "Handelsbolag", ["10519"], "2", ["Livsmedel"]),
    ("Nordic Implant Solutions AB", "Aktiebolag", ["32501"], "4", ["Medtech", "Nyetablerad"]),
    ("Bergs Bygg & Snickeri AB", "Aktiebolag", ["41200", "43320"], "3", []),
    ("Åby Elteknik AB", "Aktiebolag", ["43210"], "3", []),
    ("Sjöbodens Café", "Enskild näringsverksamhet", ["56100"], "1", ["Besöksnäring"]),
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
    ("Stenhuggeriet i Lövsta AB", "Aktiebolag", ["23701"], "2", ["Tillverkning"]),
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
    _seed_visits_and_meetings(rng, users)
    _seed_networks_and_events(rng, users)
    return [(user.role.value, user.email) for user in users]


VISIT_NOTES = [
    ("Svårt att hitta svetsare och CNC-operatörer.", "Snabb hantering av bygglovet förra året.",
     "Kompetensförsörjning"),
    ("Vill bygga ut lagret men detaljplanen är gammal.", "Bra kontakt med företagslotsen.", "Lokaler/mark"),
    ("Trafiksituationen vid infarten på morgonen.", "Nöjda med gatubelysningen i området.", "Infrastruktur"),
    ("Upphandlingarna är för stora för små lokala leverantörer.", "Bra information före upphandlingen.",
     "Upphandling"),
]


def _seed_visits_and_meetings(rng: random.Random, users) -> None:
    """This year's plan with done, booked and proposed visits, follow-ups and meetings, relative to today.

    Done visits all began at least a day ago (Stockholm time), as the service demands of a real one.
    """
    from datetime import datetime, time, timedelta

    from sqlalchemy import select

    from crm.timeutil import stockholm_today

    today = stockholm_today()
    staff = [user for user in users if user.role == Role.STAFF]
    politician = next(user for user in users if user.role == Role.POLITICIAN)
    topics = {topic.name: topic for topic in db.session.execute(select(Topic)).scalars()}
    for position, name in enumerate(DEFAULT_TOPICS):
        if name not in topics:  # the migration seeds them; an emptied database may lack them
            topics[name] = Topic(name=name, position=position)
            db.session.add(topics[name])
    companies = db.session.execute(select(Company).order_by(Company.id)).scalars().all()
    db.session.add(VisitPlan(year=today.year, target=50))

    days_so_far = range(1, max(2, (today - date(today.year, 1, 1)).days))
    done_days = sorted(rng.sample(days_so_far, k=min(12, len(days_so_far))))
    for index, days_ago in enumerate(done_days):
        company = companies[index]
        start = stockholm_to_utc(datetime.combine(today - timedelta(days=days_ago), time(9, 0)))
        end = start + timedelta(hours=1, minutes=30)
        complaint, praise, topic_name = VISIT_NOTES[index % len(VISIT_NOTES)]
        visit = Visit(
            company=company, kind=VisitKind.POLITICIAN, status=VisitStatus.DONE, year=start.year,
            starts_at=start, ends_at=end, place=company.visiting_address,
            purpose="Lära känna företaget och höra hur kommunen kan underlätta.",
            less_satisfied_with=complaint, satisfied_with=praise, feedback_preference="E-post till VD",
            summary="Rundvandring i lokalerna och samtal med ledningen.",
            completed_at=end, completed_by=staff[index % len(staff)],
            participants=[politician, staff[index % len(staff)]], topics=[topics[topic_name]],
            contacts=[link.contact for link in company.contact_links[:1]],
        )
        db.session.add(visit)
        if index % 3 == 0:
            db.session.add(FollowUp(
                company=company, visit=visit, description=f"Återkoppla om: {complaint.lower()}",
                topic=topics[topic_name], assignee=staff[index % len(staff)],
                due_date=today + timedelta(days=rng.randint(-10, 20)), status=FollowUpStatus.OPEN,
                visible_to_politicians=True,
            ))
    for offset, company in enumerate(companies[12:17]):
        start = stockholm_to_utc(datetime.combine(today + timedelta(days=3 + offset * 6), time(13, 0)))
        db.session.add(Visit(
            company=company, kind=VisitKind.POLITICIAN if offset % 2 == 0 else VisitKind.OFFICIAL,
            status=VisitStatus.BOOKED, year=start.year, starts_at=start, ends_at=start + timedelta(hours=1),
            place=company.visiting_address, purpose="Besök enligt besöksplanen.",
            participants=[staff[offset % len(staff)]] + ([politician] if offset % 2 == 0 else []),
        ))
    for company in companies[17:20]:
        db.session.add(Visit(company=company, status=VisitStatus.PROPOSED, year=today.year,
                             suggestion_reason="Aldrig besökt"))
    for index, company in enumerate(companies[:8]):
        author = staff[index % len(staff)]
        final = index % 2 == 0
        db.session.add(Interaction(
            company=company, kind=[InteractionKind.PHONE, InteractionKind.MEETING, InteractionKind.ADVICE][index % 3],
            occurred_on=today - timedelta(days=rng.randint(1, 60)),
            note="Frågade om lediga lokaler och kontakt med bygglovshandläggare.", created_by=author,
            participants=[author], status=NoteStatus.FINAL if final else NoteStatus.DRAFT,
            finalized_at=utcnow() if final else None, finalized_by=author if final else None,
        ))


NETWORKS = [
    ("Kvinnliga företagare i Åbyvik", "natverk",
     "Nätverk för kvinnor som driver företag i kommunen. Träffas varje månad."),
    ("Frukostklubben", "frukostmote", "Frukostmöten med näringslivet första fredagen i månaden, september–maj."),
    ("Näringslivsrådet", "naringslivsrad", "Rådet där kommunledningen och företagen möts fyra gånger om året."),
]


def _seed_networks_and_events(rng: random.Random, users) -> None:
    """Three networks with members, this season's breakfast series and some answers and attendance.

    Invitations are written as already sent, without mail: demo addresses must never receive anything.
    """
    from datetime import datetime, time, timedelta

    from sqlalchemy import select

    from crm.events.models import Answer, Attendance, EventKind, EventStatus, Invitation
    from crm.events.series import Frequency, SeriesRule
    from crm.events.services import EventData, create_event, create_series
    from crm.events.tokens import new_key
    from crm.networks.models import Network, NetworkKind
    from crm.networks.services import add_members

    today = datetime.now().date()
    organizer = next(user for user in users if user.role == Role.ORGANIZER)
    contacts = db.session.execute(select(ContactPerson).order_by(ContactPerson.id)).scalars().all()
    networks = []
    for index, (name, kind, description) in enumerate(NETWORKS):
        network = Network(name=name, kind=NetworkKind(kind), description=description, owner=organizer)
        db.session.add(network)
        db.session.flush()
        members = rng.sample(contacts, k=min(len(contacts), 14 - index * 3))
        add_members(network, members[:1], "ordförande", date(today.year - 1, 1, 1))
        add_members(network, members[1:], "medlem", date(today.year - 1, 1, 1))
        networks.append((network, members))

    breakfast, breakfast_members = networks[1]
    season_start = date(today.year if today.month >= 8 else today.year - 1, 9, 1)
    rule = SeriesRule(Frequency.MONTHLY, weekday=4, first_day=season_start, last_day=date(season_start.year + 1, 5, 31),
                      start_time=time(7, 30), end_time=time(9, 0))
    first = stockholm_to_utc(datetime.combine(season_start, time(7, 30)))
    series = create_series(
        EventData(title="Frukostmöte", kind=EventKind.BREAKFAST, starts_at=first, ends_at=first + timedelta(minutes=90),
                  network_id=breakfast.id, place="Stadshuset, Stora salen",
                  description="Frukost, en kort dragning och tid att prata med varandra.", capacity=40,
                  registration_deadline=first - timedelta(days=2), asks_dietary=True),
        rule, organizer,
    )
    now = utcnow()
    next_event = next((event for event in series.events if event.ends_at >= now), None)
    for event in series.events:
        past = event.ends_at < now
        if not past and event is not next_event:
            continue
        event.status = EventStatus.HELD if past else EventStatus.INVITED
        for contact in breakfast_members:
            invitation = Invitation(event=event, contact=contact, name=contact.name, email=contact.email,
                                    rsvp_key=new_key(), invited_at=event.starts_at - timedelta(days=14),
                                    sent_sequence=event.sequence)
            roll = rng.random()
            if roll < 0.55:
                invitation.answer, invitation.answered_at = Answer.YES, event.starts_at - timedelta(days=5)
                event.places_taken += 1
                if past:
                    invitation.attendance = Attendance.ATTENDED if rng.random() < 0.85 else Attendance.NO_SHOW
            elif roll < 0.75:
                invitation.answer, invitation.answered_at = Answer.NO, event.starts_at - timedelta(days=6)
            db.session.add(invitation)
    council, _members = networks[2]
    start = stockholm_to_utc(datetime.combine(today + timedelta(days=24), time(15, 0)))
    create_event(EventData(title="Näringslivsrådet: kompetensförsörjning", kind=EventKind.THEME, starts_at=start,
                           ends_at=start + timedelta(hours=2), network_id=council.id, place="Stadshuset, Rum 2",
                           capacity=None), organizer)
    db.session.flush()
