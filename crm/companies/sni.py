"""SNI codes: look-up, checks and search against the shipped SNI 2007 and SNI 2025 classifications.

A company's code is a detailed code: five digits, the first four a NACE class, the fifth SCB's subdivision
(0 where there is none). `resolve` checks what a person typed and never pads it silently: a shorter code
gets the matching detailed codes as suggestions, a code the classification lacks is refused.
`normalise_code` is for files (imports), where Excel drops leading zeros: see its docstring.
Every function that takes `version` accepts an `SniVersion` or its text and defaults to SNI 2007.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from crm.companies.sni_data import (
    DETAILED_LENGTH,
    LEVELS,
    SNI2007,
    Classification,
    Entry,
    all_versions,
    classification,
)
from crm.text import fold

_DIGITS = re.compile(r"[0-9]+")
_FLOAT_TEXT = re.compile(r"([0-9]{3,5})\.0+")  # "1110.0": a number Excel or pandas turned into text
_SPACES = re.compile(r"\s+")
MAX_LISTED = 8  # suggestions listed in a message; more are left to the search page


def level(code: object) -> str | None:
    """'section', 'division', 'group', 'class' or 'detailed' by the code's shape, or None."""
    if not isinstance(code, str):
        return None
    code = code.strip()
    if len(code) == 1 and code.isalpha() and code.isascii():
        return "section"
    if code.isascii() and code.isdigit() and 2 <= len(code) <= DETAILED_LENGTH:
        return LEVELS[len(code) - 1]
    return None


def _entry(code: object, version: object) -> Entry | None:
    if not isinstance(code, str):
        return None
    return classification(version).entries.get(code.strip().upper())


def title(code: object, version: object = SNI2007) -> str | None:
    """The code's own title in the classification (any level), or None if the version has no such code."""
    entry = _entry(code, version)
    return entry.name if entry else None


def is_valid(code: object, version: object = SNI2007) -> bool:
    """True for a detailed (five-digit) code of the classification: the only kind a company stores."""
    entry = _entry(code, version)
    return entry is not None and entry.level == "detailed"


def sections(version: object = SNI2007) -> list[tuple[str, str]]:
    """Return every section as (letter, name) in SCB order."""
    return [(entry.code, entry.name) for entry in classification(version).sections()]


def divisions_in(letter: str, version: object = SNI2007) -> list[str]:
    """The two-digit divisions of a section, e.g. 'I' -> ['55', '56']."""
    wanted = letter.strip().upper()
    return [entry.code for entry in classification(version).divisions() if entry.parent == wanted]


def _division(code: object, version: object) -> Entry | None:
    if level(code) not in ("division", "group", "class", "detailed"):
        return None
    return classification(version).entries.get(code.strip()[:2])  # type: ignore[union-attr]


def section_of(code: str, version: object = SNI2007) -> str | None:
    """Return the section letter of a 2–5 digit SNI code, or None if its division does not exist."""
    division = _division(code, version)
    return division.parent if division else None


def division_name(code: str, version: object = SNI2007) -> str | None:
    """Return the name of the division a 2–5 digit SNI code belongs to, or None if unknown."""
    division = _division(code, version)
    return division.name if division else None


def section_name(letter: str, version: object = SNI2007) -> str | None:
    """Return the name of a section given its letter, or None if unknown."""
    if not isinstance(letter, str) or level(letter.strip().upper()) != "section":
        return None
    return title(letter.strip().upper(), version)


def describe(code: str, version: object = SNI2007) -> str:
    """Return "code – its own title", or the code itself when the classification has no such code."""
    name = title(code, version)
    return f"{code.strip()} – {name}" if name else code


def suggestions(prefix: str, version: object = SNI2007) -> list[Entry]:
    """Detailed codes a short entry may mean: those starting with it, then with a lost leading zero put back.

    '6201' -> [62010]; '1110' -> [01110] (Excel drops the zero); '62' -> every detailed code of division 62.
    """
    digits = (prefix or "").strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) >= DETAILED_LENGTH:
        return []
    found = classification(version).detailed_under(digits) if len(digits) >= 2 else []
    if len(digits) in (1, 4):  # '1' is division 01; '1110' is a detailed code from a number cell
        found += [entry for entry in classification(version).detailed_under("0" + digits) if entry not in found]
    return found


def search(text: str, version: object = SNI2007, limit: int = 50) -> tuple[list[Entry], int]:
    """Detailed codes matching a code prefix or words of the title; (the first `limit`, how many in all).

    Titles match however å, ä, ö and case are typed; a title starting with the text as written ranks first,
    then one holding it as written, then the rest.
    """
    query = (text or "").strip()
    if not query:
        return [], 0
    digits = _SPACES.sub("", query).replace(".", "")
    if digits.isascii() and digits.isdigit():
        exact = [classification(version).entries[digits]] if is_valid(digits, version) else []
        found = exact + suggestions(digits, version)
    else:
        words = fold(query).split()
        if not words:
            return [], 0
        written = query.casefold()
        found = [entry for entry in classification(version).detailed if all(w in entry.folded for w in words)]
        # stable sort: code order within each rank
        found.sort(key=lambda entry: (not entry.name.casefold().startswith(written),
                                      written not in entry.name.casefold()))
    return found[:limit], len(found)


@dataclass(frozen=True)
class Resolution:
    """What a typed code stands for: `code` when it is a detailed code of the version, else a message."""

    code: str | None
    suggestions: list[Entry] = field(default_factory=list)
    message: str | None = None


def _choices(entries: list[Entry]) -> str:
    return "; ".join(f"{entry.code} {entry.name}" for entry in entries)


def resolve(value: object, version: object = SNI2007) -> Resolution:
    """Check one typed code against the classification; nothing is padded or guessed without saying so."""
    raw = str(value).strip() if value is not None else ""
    name = classification(version).version
    digits, _dotted = _clean(value)
    if digits is None:
        return Resolution(None, [], _l("%(code)s är ingen SNI-kod.", code=raw))
    if len(digits) == DETAILED_LENGTH:
        if is_valid(digits, version):
            return Resolution(digits)
        near = classification(version).detailed_under(digits[:4])
        if digits.startswith("0"):  # '06201': a class padded with a zero it never had ('6201' -> 62010)
            near = [entry for entry in suggestions(digits[1:], version) if entry not in near] + near
        message = _l("%(code)s finns inte i %(version)s.", code=digits, version=name)
        if near and len(near) <= MAX_LISTED:
            message = _l("%(code)s finns inte i %(version)s. Menar du %(choices)s?", code=digits,
                         version=name, choices=_choices(near))
        return Resolution(None, near, message)
    found = suggestions(digits, version)
    if not found:
        return Resolution(None, [], _l("%(code)s finns inte i %(version)s.", code=raw, version=name))
    if len(found) == 1:
        message = _l("En SNI-kod har fem siffror. Menar du %(choices)s?", choices=_choices(found))
    elif len(found) <= MAX_LISTED:
        message = _l("En SNI-kod har fem siffror. Menar du någon av dessa: %(choices)s?", choices=_choices(found))
    else:
        message = _l("En SNI-kod har fem siffror, och %(count)d koder börjar på %(code)s. Välj en med Sök SNI-kod.",
                     count=len(found), code=digits)
    return Resolution(None, found, message)


def _clean(value: object) -> tuple[str | None, bool]:
    """The digits a cell or field means, spaces, dots and Excel's float text taken away (None if none), and
    whether dots placed them: '62.01' is a class, never a detailed code missing its leading zero."""
    if value is None or isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        text = str(value) if value >= 0 else ""
    elif isinstance(value, float):
        if not math.isfinite(value) or value < 0:
            return None, False
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value)

    text = _SPACES.sub("", text).replace(",", ".")  # a Swedish decimal comma reads as a dot
    float_text = _FLOAT_TEXT.fullmatch(text)
    if float_text:
        text = float_text.group(1)
    elif "." in text:
        if len(text.split(".", 1)[0]) == 1:  # "1.110": the division lost its leading zero
            text = "0" + text
        text = text.replace(".", "")
        return (text, True) if _DIGITS.fullmatch(text) and text.isascii() else (None, False)
    if not _DIGITS.fullmatch(text) or not text.isascii():
        return None, False
    return ("0" + text if len(text) == 1 else text), False


def normalise_code(value: object, version: object = None) -> str | None:
    """Turn a cell of a file into the SNI code it stands for (2–5 digits of a known division), or None.

    Formatting is cleaned (spaces, dots, Excel's 1110.0). Four plain digits are read as a detailed code that
    lost its leading zero ('1110' -> '01110') only when that detailed code exists; otherwise they stay as
    written ('6201', a class). The result is a candidate, as before: `is_valid` says whether it is a detailed
    code of a version, and `resolve` gives the message and suggestions for one that is not. Without `version`
    the codes of every shipped version count.
    """
    text, dotted = _clean(value)
    if text is None or len(text) > DETAILED_LENGTH:
        return None
    books: list[Classification] = [classification(version)] if version is not None else all_versions()
    if len(text) == 4 and not dotted:
        padded = "0" + text
        if any(padded in book.entries and book.entries[padded].level == "detailed" for book in books):
            return padded
    return text if any(book.section_of_division(text[:2]) for book in books) else None
