"""Text keys for search and matching, tolerant of case, accents and how Swedes type å, ä, ö."""

from __future__ import annotations

import functools
import re
import unicodedata

# Legal-form words that do not tell two companies apart when matching names.
LEGAL_FORM_WORDS = frozenset(
    {"ab", "aktiebolag", "publ", "hb", "handelsbolag", "kb", "kommanditbolag", "ek", "for", "forening",
     "ekonomisk", "ef", "enskild", "firma"}
)
_NON_WORD = re.compile(r"[^0-9a-z]+")
_NON_SWEDISH_WORD = re.compile(r"[^0-9a-zåäö]+")
# Private-use stand-ins that keep å, ä, ö whole while other accents are stripped.
_KEEP_SWEDISH = str.maketrans({"å": "\ue001", "ä": "\ue002", "æ": "\ue002", "ö": "\ue003", "ø": "\ue003"})
_RESTORE_SWEDISH = str.maketrans({"\ue001": "å", "\ue002": "ä", "\ue003": "ö"})


def fold(text: str | None) -> str:
    """Lower case without diacritics or punctuation: 'Åbyvik Mekaniska AB' -> 'abyvik mekaniska ab'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("æ", "ae").replace("ø", "o").replace("ß", "ss")
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def swedish_fold(text: str | None) -> str:
    """As `fold`, but å, ä and ö stay letters of their own (æ and ø count as ä and ö): 'Trä-Teknik' -> 'trä teknik'."""
    if not text:
        return ""
    kept = unicodedata.normalize("NFC", text.casefold()).translate(_KEEP_SWEDISH)
    decomposed = unicodedata.normalize("NFKD", kept)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_RESTORE_SWEDISH)
    stripped = stripped.replace("ß", "ss")
    return " ".join(_NON_SWEDISH_WORD.sub(" ", stripped).split())


def has_swedish_letters(text: str | None) -> bool:
    """Whether `text` has an å, ä or ö, which a search then matches as typed, not folded to a or o."""
    return any(letter in swedish_fold(text) for letter in "åäö")


def same_words(text: str | None, typed: str | None) -> bool:
    """Whether `text` is what was typed, as a search compares: case and accents aside, but an å, ä or ö
    that was typed must be there ('Besoksnaring' finds 'Besöksnäring', 'Trä' does not find 'Tra')."""
    if has_swedish_letters(typed):
        return swedish_fold(text) == swedish_fold(typed)
    return fold(text) == fold(typed) != ""


def name_key(name: str | None) -> str:
    """A company name for matching: folded, legal-form words left out ('Bygg & Co AB' ~ 'BYGG CO')."""
    words = fold(name).split()
    kept = [word for word in words if word not in LEGAL_FORM_WORDS]
    return " ".join(kept or words)


# Swedish alphabetical order (SFS/TNC and ICU's "sv"): a–z, then å, ä, ö. Æ and ø are filed as ä and ö,
# ü as y; other accents (é, à, ç …) count only when names are otherwise equal, and case last, lower first.
_AFTER_Z = {"å": "\U000f0001", "ä": "\U000f0002", "æ": "\U000f0002", "ö": "\U000f0003", "ø": "\U000f0003",
            "ü": "y"}
_SWEDISH_LETTERS = str.maketrans(_AFTER_Z)


def _swedish_letters(text: str) -> str:
    return unicodedata.normalize("NFC", text.casefold()).translate(_SWEDISH_LETTERS)


@functools.lru_cache(maxsize=65536)
def swedish_sort_key(text: str | None) -> tuple[str, str, str]:
    """A key that sorts names as a Swedish reader expects: 'Zeta' < 'Åbyvik' < 'Ängelholm' < 'Öberg'.

    Three levels, as in every national collation: the letters (case and accents aside), then the
    accents ('Ekström' before 'Ékström'), then the case ('aab' before 'Aab').
    """
    if not text:
        return ("", "", "")
    letters = _swedish_letters(text)
    primary = "".join(ch for ch in unicodedata.normalize("NFD", letters) if not unicodedata.combining(ch))
    return (primary, letters, unicodedata.normalize("NFC", text).swapcase())


def swedish_compare(first: str | None, second: str | None) -> int:
    """-1, 0 or 1 in Swedish order: the comparison the SQLite collation "sv" uses."""
    a, b = swedish_sort_key(first), swedish_sort_key(second)
    return (a > b) - (a < b)


# --- Control characters in single-line text ----------------------------------------------------------

# C0, DEL and C1. The ones that break or space a line (tab, LF, VT, FF, CR, the separators, NEL)
# become a space, so "Anna\nBerg" reads "Anna Berg"; U+2028 and U+2029 break lines too.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACING = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")


def has_control_characters(text: str | None) -> bool:
    """Whether `text` holds a control character (C0 including tab, DEL, C1) or a line or paragraph separator."""
    return bool(text) and _CONTROL.search(text) is not None


def single_line(text: str | None) -> str | None:
    """`text` without control characters: those that space or break a line become a space, the rest go."""
    if not text or _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda match: " " if match.group() in _SPACING else "", text)
