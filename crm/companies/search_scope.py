"""What a search may be, and what each role may search on: one rule for every search box.

A role searches only what its pages show it in full. A politician sees a sole trader's personnummer as
its birth date ('640823-****') and no contact person's e-mail address or phone number, so a politician's
search never matches on the last four digits of a personnummer, nor on an e-mail address: otherwise the
matches would give away, a character at a time, what the page masks.

Every LIKE built from what someone typed escapes `%`, `_` and the escape character, so they match only
themselves, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from crm.auth.models import Role

# A company name or an e-mail address is a few words; a search longer than this is refused with a message
# rather than turned into hundreds of conditions.
MAX_SEARCH_CHARACTERS = 200
MAX_SEARCH_WORDS = 20
TOO_LONG = _l("Sökningen är för lång. Skriv högst %(words)d ord och %(characters)d tecken.",
              words=MAX_SEARCH_WORDS, characters=MAX_SEARCH_CHARACTERS)

LIKE_ESCAPE = "/"  # as SQLAlchemy's autoescape: a backslash then means itself on both databases


@dataclass(frozen=True)
class SearchScope:
    """The fields a viewer may search on, besides names and tags, which every reader sees."""

    personal_numbers: bool  # a sole trader's whole personnummer, not only its birth date
    contact_details: bool  # contact persons' e-mail addresses (and phone numbers, which no search reads)

    @classmethod
    def of(cls, user) -> SearchScope:
        return FULL if sees_in_full(user) else MASKED


FULL = SearchScope(personal_numbers=True, contact_details=True)
MASKED = SearchScope(personal_numbers=False, contact_details=False)

# A personnummer shows its first six digits, the birth date; the rest is masked ('640823-****').
VISIBLE_PERSONNUMMER_DIGITS = 6


def sees_in_full(user) -> bool:
    """Whether `user` sees personnummer and contact details unmasked: staff and organizers (and admins)."""
    return user.has_role(Role.STAFF, Role.ORGANIZER)


def clean_search(text: str | None) -> str:
    """What was typed, as a search reads it: NUL and other control characters are spaces, runs of space one."""
    if not text:
        return ""
    normalised = unicodedata.normalize("NFC", str(text))
    spaced = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in normalised)
    return " ".join(spaced.split())


def search_refusal(text: str) -> str | None:
    """The Swedish message for a search too long to run, or None when it can be run."""
    if len(text) > MAX_SEARCH_CHARACTERS or len(text.split()) > MAX_SEARCH_WORDS:
        return str(TOO_LONG)
    return None


def like_escaped(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character escaped: it matches only itself."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return text


def containing(column, text: str):
    """`column` LIKE '%text%', `text` taken literally; one bound pattern, so pg_trgm can serve it."""
    return column.like(f"%{like_escaped(text)}%", escape=LIKE_ESCAPE)


def starting_with(column, text: str):
    """`column` LIKE 'text%', `text` taken literally."""
    return column.like(f"{like_escaped(text)}%", escape=LIKE_ESCAPE)
