"""Factories for test data: sensible defaults, every field overridable."""

from __future__ import annotations

import itertools

from stdnum import luhn
from stdnum.se import orgnr

from crm.auth.models import Role, User
from crm.companies.models import Company, CompanyContact, ContactPerson
from crm.extensions import db

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
