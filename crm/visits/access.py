"""Who may see and do what with a company visit: staff manage and read all, politicians what concerns them."""

from __future__ import annotations

from crm.auth.models import Role, User
from crm.visits.models import Visit, VisitStatus

# What a politician who does not take part may know of a visit at all.
OPEN_TO_POLITICIANS = (VisitStatus.BOOKED, VisitStatus.DONE)


def manages(user: User) -> bool:
    """Staff (and admins) create, edit, book, complete and cancel visits."""
    return user.has_role(Role.STAFF)


def reads_all(user: User) -> bool:
    """Staff read every visit in full; politicians only what concerns them. Organizers see what a politician
    who takes part in nothing sees: booked and done visits' basic facts, never a protocol or notes."""
    return user.has_role(Role.STAFF)


def takes_part(user: User, visit: Visit) -> bool:
    return any(participant.id == user.id for participant in visit.participants)


def can_see(user: User, visit: Visit) -> bool:
    """May the user open the visit at all (basic facts at least)?"""
    if reads_all(user):
        return True
    return visit.status in OPEN_TO_POLITICIANS or (
        visit.status != VisitStatus.PROPOSED and takes_part(user, visit)
    )


def sees_in_full(user: User, visit: Visit) -> bool:
    """Purpose, place, company participants, protocol and notes: readers of all, and politicians who take part."""
    if reads_all(user):
        return True
    return visit.status != VisitStatus.PROPOSED and takes_part(user, visit)


def sees_contact_details(user: User) -> bool:
    """Contact persons' e-mail and phone: never for politicians."""
    return reads_all(user)


def may_add_note(user: User, visit: Visit) -> bool:
    return manages(user) or (user.has_role(Role.POLITICIAN) and sees_in_full(user, visit))
