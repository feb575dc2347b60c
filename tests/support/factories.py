"""Factories for test data: sensible defaults, every field overridable."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from stdnum import luhn
from stdnum.se import orgnr

from crm.auth.models import Role, User
from crm.companies.models import Company, CompanyContact, ContactPerson, Topic
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.meetings.models import Interaction, InteractionKind, NoteStatus
from crm.timeutil import local, stockholm_to_utc, utcnow
from crm.visits.models import Visit, VisitKind, VisitStatus

_sequence = itertools.count(1)


def valid_org_number(n: int, sole_trader: bool = False) -> str:
    digits = f"{(n % 90) + 10:02d}{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}" if sole_trader else f"556{n:06d}"
    number = digits + luhn.calc_check_digit(digits)
    assert orgnr.is_valid(number)
    return orgnr.format(number)


class Factories:
    def __init__(self, password: str):
        self.password = password

    def user(self, role: str = "staff", **fields) -> User:
        n = next(_sequence)
        user = User(
            name=fields.pop("name", f"Test Användare {n}"),
            email=fields.pop("email", f"user{n}@kommun.example"),
            role=Role(role),
            locale=fields.pop("locale", "sv"),
            active=fields.pop("active", True),
        )
        user.set_password(fields.pop("password", self.password))
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.add(user)
        db.session.flush()
        return user

    def company(self, **fields) -> Company:
        n = next(_sequence)
        fields.setdefault("name", f"Företag {n} AB")
        fields.setdefault("org_number", valid_org_number(n))
        company = Company(**fields)
        db.session.add(company)
        db.session.flush()
        return company

    def contact(self, company: Company | None = None, role: str = "VD", **fields) -> ContactPerson:
        n = next(_sequence)
        fields.setdefault("name", f"Kontakt {n}")
        fields.setdefault("email", f"kontakt{n}@foretag.example")
        contact = ContactPerson(**fields)
        db.session.add(contact)
        if company is not None:
            db.session.add(CompanyContact(company=company, contact=contact, role=role))
        db.session.flush()
        return contact

    def topic(self, **fields) -> Topic:
        n = next(_sequence)
        fields.setdefault("name", f"Ämne {n}")
        fields.setdefault("position", n)
        topic = Topic(**fields)
        db.session.add(topic)
        db.session.flush()
        return topic

    def interaction(
        self,
        company: Company | None = None,
        *,
        author: User | None = None,
        final: bool = False,
        kind: InteractionKind = InteractionKind.MEETING,
        occurred_on: date | None = None,
        contacts: Iterable[ContactPerson] = (),
        participants: Iterable[User] = (),
        topics: Iterable[Topic] = (),
        **fields,
    ) -> Interaction:
        """A logged interaction, a draft unless `final` (then finalised now by its author)."""
        n = next(_sequence)
        interaction = Interaction(
            company=company or self.company(),
            kind=kind,
            occurred_on=occurred_on or date(2026, 11, 2),
            note=fields.pop("note", f"Anteckning {n}"),
            created_by=author,
            contacts=list(contacts),
            participants=list(participants),
            topics=list(topics),
            **fields,
        )
        if final:
            interaction.status = NoteStatus.FINAL
            interaction.finalized_at = utcnow()
            interaction.finalized_by = author
        db.session.add(interaction)
        db.session.flush()
        return interaction

    def follow_up(
        self,
        company: Company | None = None,
        *,
        visit: Visit | None = None,
        interaction: Interaction | None = None,
        assignee: User | None = None,
        status: FollowUpStatus = FollowUpStatus.OPEN,
        **fields,
    ) -> FollowUp:
        """A follow-up on the company (or the visit's or meeting's); a closed one gets closed_at and a reason."""
        n = next(_sequence)
        source = visit or interaction
        status = FollowUpStatus(status)
        closed = status in (FollowUpStatus.DONE, FollowUpStatus.NOT_DONE)
        fields.setdefault("description", f"Uppföljning {n}")
        fields.setdefault("closed_at", utcnow() if closed else None)
        if status == FollowUpStatus.NOT_DONE:
            fields.setdefault("not_done_reason", "Gick inte att lösa")
        follow_up = FollowUp(
            company=company or (source.company if source else self.company()),
            visit=visit,
            interaction=interaction,
            assignee=assignee,
            status=status,
            **fields,
        )
        db.session.add(follow_up)
        db.session.flush()
        return follow_up

    def visit(
        self,
        company: Company | None = None,
        *,
        status: VisitStatus = VisitStatus.PROPOSED,
        kind: VisitKind = VisitKind.POLITICIAN,
        start: datetime | None = None,
        duration: timedelta = timedelta(hours=1),
        participants: Iterable[User] = (),
        contacts: Iterable[ContactPerson] = (),
        topics: Iterable[Topic] = (),
        author: User | None = None,
        **fields,
    ) -> Visit:
        """A visit to the company; `start` is a Stockholm wall-clock time (naive), the end `duration` later."""
        if start is not None:
            fields.setdefault("starts_at", stockholm_to_utc(start))
            fields.setdefault("ends_at", stockholm_to_utc(start + duration))
        starts_at = fields.get("starts_at")
        fields.setdefault("year", local(starts_at).year if starts_at else 2026)
        if status == VisitStatus.DONE:
            fields.setdefault("completed_at", utcnow())
        if status == VisitStatus.CANCELLED:
            fields.setdefault("cancel_reason", "Företaget fick förhinder")
        visit = Visit(
            company=company or self.company(),
            status=VisitStatus(status),
            kind=VisitKind(kind),
            participants=list(participants),
            contacts=list(contacts),
            topics=list(topics),
            created_by=author,
            **fields,
        )
        db.session.add(visit)
        db.session.flush()
        return visit

    def booked_visit(self, company: Company | None = None, *, start: datetime = datetime(2026, 6, 15, 9, 0), **fields):
        """A booked visit, by default 2026-06-15 09:00-10:00 Stockholm time at the company."""
        fields.setdefault("place", "Företagets lokaler")
        fields.setdefault("purpose", "Lära känna företaget och dess behov.")
        return self.visit(company, status=VisitStatus.BOOKED, start=start, **fields)

    # --- Networks and events ---------------------------------------------------------------------

    def network(self, **fields):
        from crm.networks.models import Network, NetworkKind

        n = next(_sequence)
        fields.setdefault("name", f"Nätverk {n}")
        fields.setdefault("kind", NetworkKind.NETWORK)
        network = Network(**fields)
        db.session.add(network)
        db.session.flush()
        return network

    def member(self, network, contact: ContactPerson | None = None, *, role: str = "medlem",
               starts_on: date = date(2026, 1, 1), **fields):
        from crm.networks.models import NetworkMembership

        membership = NetworkMembership(network=network, contact=contact or self.contact(), role=role,
                                       starts_on=starts_on, **fields)
        db.session.add(membership)
        db.session.flush()
        return membership

    def event(self, *, start: datetime = datetime(2026, 12, 4, 7, 30), duration: timedelta = timedelta(minutes=90),
              **fields):
        """An event; `start` is a Stockholm wall-clock time (naive). Default: a breakfast on 2026-12-04 07:30."""
        from crm.events.models import Event, EventKind, EventStatus

        n = next(_sequence)
        fields.setdefault("title", f"Frukostmöte {n}")
        fields.setdefault("kind", EventKind.BREAKFAST)
        fields.setdefault("status", EventStatus.PLANNED)
        fields.setdefault("place", "Stadshuset, Stora salen")
        fields.setdefault("starts_at", stockholm_to_utc(start))
        fields.setdefault("ends_at", stockholm_to_utc(start + duration))
        event = Event(**fields)
        db.session.add(event)
        db.session.flush()
        return event

    def invitation(self, event, contact: ContactPerson | None = None, **fields):
        """An invitation row as if it had been sent (no mail queued; use crm.events.invitations.invite for that)."""
        from crm.events.models import Invitation
        from crm.events.tokens import new_key

        contact = contact or self.contact()
        fields.setdefault("invited_at", utcnow())
        fields.setdefault("sent_sequence", event.sequence)
        invitation = Invitation(event=event, contact=contact, name=contact.name, email=contact.email,
                                rsvp_key=new_key(), **fields)
        db.session.add(invitation)
        db.session.flush()
        return invitation
