"""Text keys for search and matching, tolerant of case, accents and how Swedes type å, ä, ö."""

from __future__ import annotations

import re
import unicodedata

# Legal-form words that do not tell two companies apart when matching names.
LEGAL_FORM_WORDS = frozenset(
    {"ab", "aktiebolag", "publ", "hb", "handelsbolag", "kb", "kommanditbolag", "ek", "for", "forening",
     "ekonomisk", "ef", "enskild", "firma"}
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str | None) -> str:
    """Lower case without diacritics or punctuation: 'Åbyvik Mekaniska AB' -> 'abyvik mekaniska ab'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("æ", "ae").replace("ø", "o").replace("ß", "ss")
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def name_key(name: str | None) -> str:
    """A company name for matching: folded, legal-form words left out ('Bygg & Co AB' ~ 'BYGG CO')."""
    words = fold(name).split()
    kept = [word for word in words if word not in LEGAL_FORM_WORDS]
    return " ".join(kept or words)
