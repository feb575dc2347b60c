"""Every kind of message the outbox knows: its Swedish label, and who gets it.

The audience decides what the gate (`crm.mail.gate`) does: "users" are the municipality's own staff
(digests, reminders, follow-up mail, the test mail), "people" are contact persons and guests
(invitations and everything about events). Every "people" message passes the gate, which drops a
recipient who objected to mailings (GDPR art. 21) or whose address is a Reklamspärr company's.

`crm.mail.outbox.queue`/`queue_many` refuse a kind not listed here: a new kind of mail is added
here first, with its audience, and `tests/mail/test_objection_sweep.py` then asks for a walk through
its real path when it goes to people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flask_babel import lazy_gettext as _l

Audience = Literal["users", "people"]
USERS: Audience = "users"
PEOPLE: Audience = "people"


@dataclass(frozen=True)
class MailKind:
    kind: str
    label: object  # a lazy Swedish string
    audience: Audience


class UnknownKind(LookupError):
    """A message of a kind the outbox does not know: a programming error."""


KINDS: dict[str, MailKind] = {
    kind.kind: kind for kind in (
        MailKind("test", _l("Testmejl"), USERS),
        MailKind("digest", _l("Dagens sammanfattning"), USERS),
        MailKind("visit-reminder", _l("Påminnelse om besök"), USERS),
        MailKind("followup-assigned", _l("Uppföljning tilldelad"), USERS),
        MailKind("event-request", _l("Inbjudan eller ändrad träff"), PEOPLE),
        MailKind("event-cancel", _l("Inställd träff eller avbokning"), PEOPLE),
        MailKind("event-reminder", _l("Påminnelse om att svara på inbjudan"), PEOPLE),
        MailKind("event-place", _l("Plats från väntelistan"), PEOPLE),
        MailKind("registration-confirm", _l("Bekräfta anmälan"), PEOPLE),
    )
}


def mail_kind(kind: str) -> MailKind:
    """The kind, or UnknownKind for one that is not listed."""
    try:
        return KINDS[kind]
    except KeyError:
        raise UnknownKind(f"the outbox knows no mail kind {kind!r}; add it to crm.mail.kinds.KINDS") from None


def label(kind: str) -> str:
    """The kind's Swedish label; a kind no longer listed (an old outbox row) shows as it is stored."""
    known = KINDS.get(kind)
    return str(known.label) if known is not None else kind


def people_kinds() -> frozenset[str]:
    return frozenset(kind for kind, known in KINDS.items() if known.audience == PEOPLE)


def goes_to_people(kind: str) -> bool:
    return mail_kind(kind).audience == PEOPLE
