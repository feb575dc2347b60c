"""Factories for test data: sensible defaults, every field overridable."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date

from stdnum import luhn
from stdnum.se import orgnr

from crm.auth.models import Role, User
from crm.companies.models import Company, CompanyContact, ContactPerson, Topic
from crm.extensions import db
from crm.meetings.models import Interaction, InteractionKind, NoteStatus
from crm.timeutil import utcnow

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
