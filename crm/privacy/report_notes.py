"""The registerutdrag's notes: meeting notes (every version, drafts too), visits with their notes and the follow-ups
raised from them, where the person is linked; and the notes that only mention them (their name, an address, a
sole trader's personnummer), found by search for the handläggare to review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.followups.models import FollowUp
from crm.meetings.models import Interaction, interaction_contacts
from crm.privacy.report import Section, plain
from crm.visits.models import Visit, VisitNote, visit_contacts

# A chain of versions is followed this many steps at most (a note is rarely re-versioned more than a few times).
MAX_VERSION_STEPS = 20
# At most this many notes of each kind are listed as mentions; a common name would otherwise list the log.
MENTION_LIMIT = 200


def linked_meetings(contact_id: int) -> list[Interaction]:
    """The meeting notes the person is linked to, with every version of each (drafts too)."""
    ids = set(db.session.scalars(
        select(interaction_contacts.c.interaction_id).where(interaction_contacts.c.contact_id == contact_id)))
    return _with_versions(ids)


def _with_versions(ids: set[int]) -> list[Interaction]:
    found: dict[int, Interaction] = {}
    frontier = set(ids)
    for _step in range(MAX_VERSION_STEPS):
        if not frontier:
            break
        rows = db.session.scalars(
            select(Interaction).where(or_(Interaction.id.in_(frontier), Interaction.supersedes_id.in_(frontier)))
            .options(selectinload(Interaction.company), selectinload(Interaction.created_by))
        ).all()
        new = [row for row in rows if row.id not in found]
        found.update((row.id, row) for row in new)
        # Next: the later versions of the rows found as later versions, and the earlier versions not yet found.
        frontier = ({row.id for row in new if row.id not in frontier}
                    | {row.supersedes_id for row in new if row.supersedes_id and row.supersedes_id not in found})
    return sorted(found.values(), key=lambda row: (row.occurred_on, row.version, row.id))


def company_meetings(company_id: int) -> list[Interaction]:
    return list(db.session.scalars(
        select(Interaction).where(Interaction.company_id == company_id)
        .options(selectinload(Interaction.company), selectinload(Interaction.created_by))
        .order_by(Interaction.occurred_on, Interaction.version, Interaction.id)))


def meetings_section(meetings: list[Interaction]) -> Section:
    section = Section("meetings", _("Anteckningar från möten"),
                      [("id", _("Id")), ("occurred_on", _("Datum")), ("company", _("Företag")), ("kind", _("Typ")),
                       ("status", _("Status")), ("version", _("Version")), ("supersedes_id", _("Ersätter")),
                       ("note", _("Anteckning")), ("created_by", _("Skriven av")), ("finalized_at", _("Färdigställd"))],
                      empty=_("Inga mötesanteckningar."))
    for row in meetings:
        section.add(id=row.id, occurred_on=row.occurred_on, company=row.company.name, kind=row.kind, status=row.status,
                    version=row.version, supersedes_id=row.supersedes_id, note=row.note,
                    created_by=row.created_by.name if row.created_by else None, finalized_at=row.finalized_at)
    return section


def linked_visits(contact_id: int) -> list[Visit]:
    return _visits(Visit.id.in_(select(visit_contacts.c.visit_id).where(visit_contacts.c.contact_id == contact_id)))


def company_visits(company_id: int) -> list[Visit]:
    return _visits(Visit.company_id == company_id)


def _visits(condition) -> list[Visit]:
    return list(db.session.scalars(
        select(Visit).where(condition)
        .options(selectinload(Visit.company), selectinload(Visit.notes).selectinload(VisitNote.author))
        .order_by(Visit.starts_at, Visit.id)))


VISIT_TEXTS = ("purpose", "satisfied_with", "less_satisfied_with", "feedback_preference", "summary")


def visits_section(visits: list[Visit]) -> Section:
    section = Section("visits", _("Företagsbesök"),
                      [("id", _("Id")), ("starts_at", _("Tid")), ("company", _("Företag")), ("kind", _("Typ")),
                       ("status", _("Status")), ("place", _("Plats")), ("purpose", _("Syfte")),
                       ("satisfied_with", _("Nöjd med")), ("less_satisfied_with", _("Mindre nöjd med")),
                       ("feedback_preference", _("Vill få återkoppling")), ("summary", _("Sammanfattning")),
                       ("cancel_reason", _("Skäl till att besöket ställdes in"))],
                      empty=_("Inga besök."))
    for visit in visits:
        section.add(id=visit.id, starts_at=visit.starts_at, company=visit.company.name, kind=visit.kind,
                    status=visit.status, place=visit.place, cancel_reason=visit.cancel_reason,
                    **{name: getattr(visit, name) for name in VISIT_TEXTS})
    return section


def visit_notes_section(visits: list[Visit]) -> Section:
    section = Section("visit_notes", _("Anteckningar från besök"),
                      [("visit_id", _("Besök")), ("created_at", _("Skriven")), ("author", _("Av")),
                       ("text", _("Text"))],
                      empty=_("Inga anteckningar från besök."))
    for visit in visits:
        for note in visit.notes:
            section.add(visit_id=visit.id, created_at=note.created_at,
                        author=note.author.name if note.author else None, text=note.text)
    return section


def linked_follow_ups(meeting_ids: set[int], visit_ids: set[int]) -> list[FollowUp]:
    conditions = []
    if meeting_ids:
        conditions.append(FollowUp.interaction_id.in_(meeting_ids))
    if visit_ids:
        conditions.append(FollowUp.visit_id.in_(visit_ids))
    if not conditions:
        return []
    return _follow_ups(or_(*conditions))


def company_follow_ups(company_id: int) -> list[FollowUp]:
    return _follow_ups(FollowUp.company_id == company_id)


def _follow_ups(condition) -> list[FollowUp]:
    return list(db.session.scalars(
        select(FollowUp).where(condition)
        .options(selectinload(FollowUp.company), selectinload(FollowUp.assignee))
        .order_by(FollowUp.created_at, FollowUp.id)))


def follow_ups_section(follow_ups: list[FollowUp]) -> Section:
    section = Section("follow_ups", _("Uppföljningar"),
                      [("id", _("Id")), ("created_at", _("Skapad")), ("company", _("Företag")),
                       ("raised_from", _("Från")), ("description", _("Beskrivning")), ("status", _("Status")),
                       ("due_date", _("Klart senast")), ("assignee", _("Ansvarig")),
                       ("not_done_reason", _("Skäl till att den inte åtgärdades")),
                       ("feedback_on", _("Återkoppling, datum")), ("feedback_how", _("Återkoppling, hur")),
                       ("closed_at", _("Avslutad"))],
                      empty=_("Inga uppföljningar."))
    for row in follow_ups:
        raised_from = (_("möte %(id)s", id=row.interaction_id) if row.interaction_id
                       else _("besök %(id)s", id=row.visit_id) if row.visit_id else _("företagssidan"))
        section.add(id=row.id, created_at=row.created_at, company=row.company.name, raised_from=raised_from,
                    description=row.description, status=row.status, due_date=row.due_date,
                    assignee=row.assignee.name if row.assignee else None, not_done_reason=row.not_done_reason,
                    feedback_on=row.feedback_on, feedback_how=row.feedback_how, closed_at=row.closed_at)
    return section


# --- Notes that mention the person without a link ---------------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    key: str  # "mote-12", "besok-4", "besoksanteckning-7", "uppfoljning-3": what the review form sends back
    source: str  # what kind of note, in Swedish
    record_id: int
    day: Any
    company: str
    text: str

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "source": self.source, "id": self.record_id, "date": plain(self.day),
                "company": self.company, "text": self.text}


def _lower(column):
    """`column` in lower case, Å, Ä and Ö too (SQLite's lower() knows only ASCII)."""
    lowered = func.lower(column)
    for upper, lower in zip("ÅÄÖ", "åäö", strict=True):
        lowered = func.replace(lowered, upper, lower)
    return lowered


def _mentioning(columns, terms: list[str]):
    return or_(*(_lower(column).contains(term, autoescape=True) for column in columns for term in terms))


def search_terms(*values: str | None) -> list[str]:
    """The lower-cased terms to look for: a name, addresses, a personnummer (at least 4 characters each)."""
    terms = []
    for value in values:
        term = (value or "").strip().lower()
        if len(term) >= 4 and term not in terms:
            terms.append(term)
    return terms


def mentions(terms: list[str], *, meeting_ids: set[int], visit_ids: set[int], follow_up_ids: set[int]) -> list[Mention]:
    """The notes whose text holds one of the terms and that are not already in the registerutdrag (four queries)."""
    if not terms:
        return []
    found: list[Mention] = []
    meetings = db.session.scalars(
        select(Interaction).where(_mentioning([Interaction.note], terms), Interaction.id.not_in(meeting_ids))
        .options(selectinload(Interaction.company)).order_by(Interaction.occurred_on, Interaction.id)
        .limit(MENTION_LIMIT))
    found += [Mention(f"mote-{row.id}", _("Mötesanteckning"), row.id, row.occurred_on, row.company.name, row.note)
              for row in meetings]
    visit_columns = [getattr(Visit, name) for name in VISIT_TEXTS]
    visits = db.session.scalars(
        select(Visit).where(_mentioning(visit_columns, terms), Visit.id.not_in(visit_ids))
        .options(selectinload(Visit.company)).order_by(Visit.starts_at, Visit.id).limit(MENTION_LIMIT))
    found += [Mention(f"besok-{row.id}", _("Besök"), row.id, row.starts_at, row.company.name,
                      "\n\n".join(getattr(row, name) for name in VISIT_TEXTS if getattr(row, name)))
              for row in visits]
    notes = db.session.scalars(
        select(VisitNote).where(_mentioning([VisitNote.text], terms), VisitNote.visit_id.not_in(visit_ids))
        .options(selectinload(VisitNote.visit).selectinload(Visit.company)).order_by(VisitNote.created_at)
        .limit(MENTION_LIMIT))
    found += [Mention(f"besoksanteckning-{row.id}", _("Anteckning från besök"), row.id, row.created_at,
                      row.visit.company.name, row.text) for row in notes]
    follow_ups = db.session.scalars(
        select(FollowUp).where(_mentioning([FollowUp.description], terms), FollowUp.id.not_in(follow_up_ids))
        .options(selectinload(FollowUp.company)).order_by(FollowUp.created_at, FollowUp.id).limit(MENTION_LIMIT))
    found += [Mention(f"uppfoljning-{row.id}", _("Uppföljning"), row.id, row.created_at, row.company.name,
                      row.description) for row in follow_ups]
    return found
