"""The invitee list on the event page: one page of plain rows, filtered by answer or a name, in three statements.

The rows are read as columns, not as ORM objects, so an event with a thousand invitees costs no more to show
than one with fifty.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, func, or_, select

from crm.companies.models import Company, CompanyContact, ContactPerson
from crm.dbtypes import swedish
from crm.events.models import Answer, Invitation
from crm.extensions import db
from crm.text import fold, swedish_sort_key

PER_PAGE = 50

#: The answer filters in the query string (`?svar=`), matching the answer counts at the top of the page.
ANSWER_FILTERS = ("ja", "ko", "kanske", "nej", "ej-svarat")


@dataclass(frozen=True)
class InviteeFilters:
    """What the organizer asked to see: an answer (one of ANSWER_FILTERS, or "" for all) and a name search."""

    answer: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> InviteeFilters:
        answer = args.get("svar", "")
        try:
            page = max(int(args.get("page", "1")), 1)
        except ValueError:
            page = 1
        return cls(answer=answer if answer in ANSWER_FILTERS else "", q=(args.get("q") or "").strip()[:200],
                   page=page)

    @property
    def active(self) -> bool:
        return bool(self.answer or self.q)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string that shows this list again (page 1 left out), with `changes` applied."""
        values = {"svar": self.answer, "q": self.q, "page": self.page}
        values.update(changes)
        return {key: value for key, value in values.items() if value and not (key == "page" and value == 1)}


@dataclass(frozen=True)
class InviteePage:
    rows: list[Row]
    companies: dict[int, str]  # contact id -> the names of the companies the contact is at today
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _conditions(event_id: int, filters: InviteeFilters) -> list:
    sent = Invitation.invited_at.is_not(None)
    conditions = [Invitation.event_id == event_id, Invitation.uninvited_at.is_(None)]
    if filters.answer == "ej-svarat":
        conditions += [sent, Invitation.answer.is_(None)]
    elif filters.answer == "ko":
        conditions += [sent, Invitation.answer.is_not(None), Invitation.waitlisted_at.is_not(None)]
    elif filters.answer:
        conditions += [sent, Invitation.answer == Answer(filters.answer), Invitation.waitlisted_at.is_(None)]
    if filters.q:
        matches = [Invitation.name.icontains(filters.q, autoescape=True),
                   Invitation.email.icontains(filters.q, autoescape=True)]
        if fold(filters.q):
            # The contact's folded name finds "Åsa Öst" by "asa ost" on SQLite as well. The contacts are matched once,
            # among this event's, in a subquery: joined row by row, PostgreSQL would rather scan every invitation.
            matches.append(Invitation.contact_id.in_(
                select(ContactPerson.id).where(
                    ContactPerson.id.in_(select(Invitation.contact_id).where(Invitation.event_id == event_id)),
                    ContactPerson.name_key.contains(fold(filters.q), autoescape=True),
                )
            ))
        conditions.append(or_(*matches))
    return conditions


def _filtered(query: Select, event_id: int, filters: InviteeFilters) -> Select:
    return query.where(*_conditions(event_id, filters))


def _queue(event_id: int):
    """Everyone waiting for a place, numbered in the order they joined the line."""
    return (
        select(Invitation.id,
               func.row_number().over(order_by=(Invitation.waitlisted_at, Invitation.id)).label("position"))
        .where(Invitation.event_id == event_id, Invitation.uninvited_at.is_(None), Invitation.answer.is_not(None),
               Invitation.waitlisted_at.is_not(None))
        .subquery("queue")
    )


def company_names_for(contact_ids: set[int], on: date) -> dict[int, str]:
    """The companies each contact is at on `on`, as "A AB, B AB" (sorted), in one statement."""
    if not contact_ids:
        return {}
    names: dict[int, list[str]] = {}
    for contact_id, name in db.session.execute(
        select(CompanyContact.contact_id, Company.name)
        .join(Company, Company.id == CompanyContact.company_id)
        .where(CompanyContact.contact_id.in_(contact_ids),
               or_(CompanyContact.end_date.is_(None), CompanyContact.end_date >= on))
    ):
        names.setdefault(contact_id, []).append(name)
    return {contact_id: ", ".join(sorted(found, key=swedish_sort_key)) for contact_id, found in names.items()}


def invitee_page(event_id: int, filters: InviteeFilters, today: date, per_page: int | None = None) -> InviteePage:
    """One page of the event's invitees (not those uninvited) by name, with queue positions and companies.

    A page past the end shows the last one, so removing the last row of the last page leaves something to see.
    """
    per_page = per_page or PER_PAGE
    total = db.session.scalar(_filtered(select(func.count()).select_from(Invitation), event_id, filters)) or 0
    page = min(filters.page, max(math.ceil(total / per_page), 1))
    queue = _queue(event_id)
    rows = list(db.session.execute(
        _filtered(
            select(Invitation.id, Invitation.name, Invitation.contact_id, Invitation.walk_in,
                   Invitation.invited_at.is_not(None).label("invited"), Invitation.answer, Invitation.attendance,
                   queue.c.position)
            .select_from(Invitation).outerjoin(queue, queue.c.id == Invitation.id),
            event_id, filters,
        )
        .order_by(swedish(Invitation.name), Invitation.id).limit(per_page).offset((page - 1) * per_page)
    ))
    companies = company_names_for({row.contact_id for row in rows if row.contact_id is not None}, today)
    return InviteePage(rows=rows, companies=companies, total=total, page=page, per_page=per_page)
