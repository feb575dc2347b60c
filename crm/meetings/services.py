"""The meeting log's rules: drafts, finalising, versions, who reads what, and the queries the pages need.

Services take the acting user as an argument and never read the request; the view commits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, raiseload, selectinload

from crm.auth.models import Role, User
from crm.companies.models import Company, CompanyContact, ContactPerson, Topic
from crm.companies.timeline import TimelinePosition, older_than_day
from crm.dbtypes import swedish
from crm.errors import RuleRefused
from crm.extensions import db
from crm.meetings.models import Interaction, InteractionKind, NoteStatus, interaction_participants
from crm.text import name_key
from crm.timeutil import utcnow

COMPANY_MATCH_LIMIT = 10
TIMELINE_KIND = "interaction"


class MeetingLogError(RuleRefused):
    """A rule of the meeting log refused the operation; `message` is for the user."""


class InteractionLocked(MeetingLogError):
    message = _l("Anteckningen är färdigställd och kan inte ändras eller tas bort. Skapa en ny version i stället.")


class NotFinalised(MeetingLogError):
    message = _l("Bara en färdigställd anteckning kan få en ny version. Ett utkast ändrar du direkt.")


class AlreadySuperseded(MeetingLogError):
    message = _l("Det finns redan en nyare version. Bara den senaste versionen kan få en ny version.")


class NotTheAuthor(MeetingLogError):
    message = _l("Utkastet är någon annans. Bara den som skrev det kan ändra, färdigställa eller ta bort det.")


class NotAnAuthor(MeetingLogError):
    message = _l("Välj en aktiv näringslivsutvecklare eller administratör som ny ansvarig.")


@dataclass(frozen=True)
class InteractionData:
    """What a staff member fills in for an interaction."""

    kind: InteractionKind
    occurred_on: date
    note: str
    contact_ids: Sequence[int] = ()
    participant_ids: Sequence[int] = ()
    topic_ids: Sequence[int] = ()




# --- Who may read what -----------------------------------------------------------------------


def reads_log(user: User) -> bool:
    """Staff and admins read the meeting log, drafts included; organizers and politicians nothing of it."""
    return user.has_role(Role.STAFF)


def owns_draft(user: User, interaction: Interaction) -> bool:
    """A draft belongs to its author until it is finalised: only they change, finalise or delete it."""
    return not interaction.is_final and interaction.created_by_id == user.id


def may_reassign(user: User, interaction: Interaction) -> bool:
    """Admins hand a draft over to another author (when its author is away or has left)."""
    return not interaction.is_final and user.role == Role.ADMIN


def check_owner(interaction: Interaction, user: User) -> None:
    """Refuse unless `user` may change the interaction: a draft, and theirs."""
    if interaction.is_final:
        raise InteractionLocked()
    if interaction.created_by_id != user.id:
        raise NotTheAuthor()


# --- Writes ----------------------------------------------------------------------------------


def _rows(model, ids: Sequence[int]) -> list:
    if not ids:
        return []
    return list(db.session.execute(select(model).where(model.id.in_(set(ids))).order_by(model.id)).scalars())


def _apply(interaction: Interaction, data: InteractionData) -> None:
    interaction.kind = data.kind
    interaction.occurred_on = data.occurred_on
    interaction.note = data.note.strip()
    interaction.contacts = _rows(ContactPerson, data.contact_ids)
    interaction.participants = _rows(User, data.participant_ids)
    interaction.topics = _rows(Topic, data.topic_ids)


def create_interaction(company: Company, data: InteractionData, author: User) -> Interaction:
    """Log a new interaction as a draft."""
    interaction = Interaction(company=company, created_by=author, status=NoteStatus.DRAFT, version=1)
    _apply(interaction, data)
    db.session.add(interaction)
    db.session.flush()
    return interaction


def update_draft(interaction: Interaction, data: InteractionData, user: User) -> None:
    check_owner(interaction, user)
    _apply(interaction, data)
    db.session.flush()


def delete_draft(interaction: Interaction, user: User) -> None:
    check_owner(interaction, user)
    db.session.delete(interaction)
    db.session.flush()


def finalize(interaction: Interaction, user: User) -> None:
    """Lock the note: from now on it is an allmän handling with a reliable timestamp. Only its author may."""
    check_owner(interaction, user)
    interaction.status = NoteStatus.FINAL
    interaction.finalized_at = utcnow()
    interaction.finalized_by = user
    db.session.flush()


def new_version(previous: Interaction, author: User) -> Interaction:
    """Start a new draft version of a finalised interaction, copying what it says.

    Only the newest version may be followed; two people trying at once meet the unique
    `supersedes_id`, and the loser's transaction is rolled back.
    """
    if not previous.is_final:
        raise NotFinalised()
    if previous.superseded_by is not None:
        raise AlreadySuperseded()
    successor = Interaction(
        company_id=previous.company_id,
        kind=previous.kind,
        occurred_on=previous.occurred_on,
        note=previous.note,
        status=NoteStatus.DRAFT,
        version=previous.version + 1,
        supersedes=previous,
        created_by=author,
        contacts=list(previous.contacts),
        participants=list(previous.participants),
        topics=list(previous.topics),
    )
    db.session.add(successor)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadySuperseded() from None
    return successor


def reassign(interaction: Interaction, author: User, admin: User) -> None:
    """Give a draft to another author (audited as a change of `created_by_id`)."""
    if interaction.is_final:
        raise InteractionLocked()
    if admin.role != Role.ADMIN:
        raise NotTheAuthor()
    if not (author.active and author.has_role(Role.STAFF)):
        raise NotAnAuthor()
    interaction.created_by = author
    db.session.flush()


# --- Queries ---------------------------------------------------------------------------------


def _newest():
    """True for the newest version of each chain."""
    successor = aliased(Interaction)
    return ~exists(select(successor.id).where(successor.supersedes_id == Interaction.id))


def _newest_first(query: Select) -> Select:
    return query.order_by(Interaction.occurred_on.desc(), Interaction.created_at.desc(), Interaction.id.desc())


def log_query(
    viewer: User, *, kind: InteractionKind | None = None, mine: bool = False, drafts_only: bool = False
) -> Select:
    """The meeting log, newest first: one row per chain, everything a list row shows loaded up front."""
    query = select(Interaction).where(_newest())
    if kind is not None:
        query = query.where(Interaction.kind == kind)
    if mine:
        took_part = exists().where(
            interaction_participants.c.interaction_id == Interaction.id,
            interaction_participants.c.user_id == viewer.id,
        )
        query = query.where(or_(Interaction.created_by_id == viewer.id, took_part))
    if drafts_only:
        query = query.where(Interaction.status == NoteStatus.DRAFT)
    query = query.options(
        joinedload(Interaction.company),
        joinedload(Interaction.created_by),
        selectinload(Interaction.topics),
        raiseload("*"),
    )
    return _newest_first(query)


def company_interactions(
    company_id: int, viewer: User, before: TimelinePosition | None = None, limit: int | None = None
) -> list[Interaction]:
    """A company's interactions for its timeline, newest first, at most `limit` of those after `before`.

    A fixed number of queries whatever their count.
    """
    if not reads_log(viewer):
        return []
    query = (
        select(Interaction)
        .where(
            Interaction.company_id == company_id,
            _newest(),
            older_than_day(before, TIMELINE_KIND, Interaction.occurred_on, Interaction.id),
        )
        .order_by(Interaction.occurred_on.desc(), Interaction.id.desc())
        .limit(limit)
        .options(
            joinedload(Interaction.created_by),
            selectinload(Interaction.contacts),
            selectinload(Interaction.participants),
            selectinload(Interaction.topics),
            raiseload("*"),
        )
    )
    return list(db.session.execute(query).scalars())


def load_for_page(interaction_id: int) -> Interaction | None:
    return db.session.get(
        Interaction,
        interaction_id,
        options=[
            joinedload(Interaction.company),
            joinedload(Interaction.created_by),
            joinedload(Interaction.finalized_by),
            selectinload(Interaction.contacts),
            selectinload(Interaction.participants),
            selectinload(Interaction.topics),
        ],
    )


def versions_of(interaction: Interaction) -> list[Interaction]:
    """Every version in the interaction's chain, oldest first."""
    up = select(Interaction.id, Interaction.supersedes_id).where(Interaction.id == interaction.id)
    up = up.cte("earlier", recursive=True)
    parent = aliased(Interaction)
    up = up.union_all(select(parent.id, parent.supersedes_id).join(up, parent.id == up.c.supersedes_id))

    down = select(Interaction.id).where(Interaction.id == interaction.id).cte("later", recursive=True)
    child = aliased(Interaction)
    down = down.union_all(select(child.id).join(down, child.supersedes_id == down.c.id))

    query = select(Interaction).where(
        or_(Interaction.id.in_(select(up.c.id)), Interaction.id.in_(select(down.c.id)))
    )
    return list(db.session.execute(query.order_by(Interaction.version)).scalars())


def successor_in(versions: Sequence[Interaction], interaction: Interaction) -> Interaction | None:
    return next((version for version in versions if version.supersedes_id == interaction.id), None)


# --- Choices for the form --------------------------------------------------------------------


def company_contacts(company_id: int) -> list[ContactPerson]:
    linked = select(CompanyContact.contact_id).where(CompanyContact.company_id == company_id)
    query = select(ContactPerson).where(ContactPerson.id.in_(linked))
    query = query.order_by(swedish(ContactPerson.name), ContactPerson.id)
    return list(db.session.execute(query).scalars())


def author_candidates(current: User | None) -> list[User]:
    """Whom an admin may give a draft to: active staff and admins other than its present author."""
    query = select(User).where(User.active.is_(True), User.role.in_([Role.STAFF, Role.ADMIN]))
    if current is not None:
        query = query.where(User.id != current.id)
    return list(db.session.execute(query.order_by(swedish(User.name), User.id)).scalars())


def participant_candidates(keep: Sequence[User] = ()) -> list[User]:
    """Active users, and any already taking part even if deactivated since."""
    query = select(User).where(or_(User.active.is_(True), User.id.in_([user.id for user in keep])))
    return list(db.session.execute(query.order_by(swedish(User.name), User.id)).scalars())


def topic_candidates(keep: Sequence[Topic] = ()) -> list[Topic]:
    """Active topics in their set order, and any already chosen even if retired since."""
    query = select(Topic).where(or_(Topic.active.is_(True), Topic.id.in_([topic.id for topic in keep])))
    return list(db.session.execute(query.order_by(Topic.position, swedish(Topic.name))).scalars())


# --- Finding the company for a quick log -----------------------------------------------------


def _org_number_in(text: str) -> str | None:
    """'556036-0793', '5560360793' or '165560360793' as the stored 'NNNNNN-NNNN', else None."""
    if re.search(r"[^\d\s-]", text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 12:
        digits = digits[2:]
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 10 else None


@dataclass(frozen=True)
class CompanyMatches:
    """The companies that match what was typed in the quick log's company box."""

    companies: list[Company]
    more: bool = False  # there were more matches than `companies` holds

    @property
    def single(self) -> Company | None:
        return self.companies[0] if len(self.companies) == 1 and not self.more else None


def match_companies(text: str, limit: int = COMPANY_MATCH_LIMIT) -> CompanyMatches:
    """Companies for what was typed: an exact org number or name wins, else names holding every word.

    Accent- and case-tolerant ('abyvik' finds 'Åbyvik Mekaniska AB'); legal-form words are ignored.
    """
    text = text.strip()
    number = _org_number_in(text)
    if number is not None:
        return CompanyMatches(list(db.session.execute(select(Company).where(Company.org_number == number)).scalars()))
    key = name_key(text)
    if not key:
        return CompanyMatches([])
    by_name = select(Company).order_by(swedish(Company.name), Company.id).limit(limit + 1)
    found = list(db.session.execute(by_name.where(Company.name_key == key)).scalars())
    if not found:
        containing = by_name.where(*(Company.name_key.contains(word, autoescape=True) for word in key.split()))
        found = list(db.session.execute(containing).scalars())
    return CompanyMatches(found[:limit], more=len(found) > limit)
