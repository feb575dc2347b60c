"""SNI 2007 sections and divisions, read from the CSV that ships with the app."""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from dataclasses import dataclass
from importlib import resources

_CODE = re.compile(r"[0-9]{2,5}")
_DIGITS = re.compile(r"[0-9]+")
_FLOAT_TEXT = re.compile(r"([0-9]{3,5})\.0+")  # "1110.0": a number Excel or pandas turned into text
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class _Codes:
    sections: dict[str, str]  # letter -> name, in SCB order
    divisions: dict[str, tuple[str, str]]  # "01" -> (section letter, name)


@functools.cache
def _load() -> _Codes:
    """Read sni2007.csv once and index its sections and divisions."""
    text = resources.files(__package__).joinpath("data", "sni2007.csv").read_text(encoding="utf-8")
    sections: dict[str, str] = {}
    divisions: dict[str, tuple[str, str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["level"] == "section":
            sections[row["code"]] = row["name"]
        elif row["level"] == "division":
            divisions[row["code"]] = (row["section"], row["name"])
    return _Codes(sections, divisions)


def _division(code: object) -> tuple[str, str] | None:
    """Return (section letter, division name) for a 2–5 digit code string, or None."""
    if not isinstance(code, str):
        return None
    code = code.strip()
    if not _CODE.fullmatch(code):
        return None
    return _load().divisions.get(code[:2])


def sections() -> list[tuple[str, str]]:
    """Return every section as (letter, name) in SCB order."""
    return list(_load().sections.items())


def divisions_in(letter: str) -> list[str]:
    """The two-digit divisions of a section, e.g. 'I' -> ['55', '56']."""
    wanted = letter.strip().upper()
    return [code for code, (section, _name) in _load().divisions.items() if section == wanted]


def section_of(code: str) -> str | None:
    """Return the section letter of a 2–5 digit SNI code, or None if its division does not exist."""
    division = _division(code)
    return division[0] if division else None


def division_name(code: str) -> str | None:
    """Return the name of the division a 2–5 digit SNI code belongs to, or None if unknown."""
    division = _division(code)
    return division[1] if division else None


def section_name(letter: str) -> str | None:
    """Return the name of a section given its letter, or None if unknown."""
    if not isinstance(letter, str):
        return None
    return _load().sections.get(letter.strip().upper())


def describe(code: str) -> str:
    """Return "code – division name", or the code itself when the division is unknown."""
    name = division_name(code)
    return f"{code.strip()} – {name}" if name else code


def _pad_four(digits: str) -> str:
    """Read four digits as a five-digit code missing its leading zero when that gives a real division."""
    padded = "0" + digits
    return padded if padded[:2] in _load().divisions else digits


def normalise_code(value: object) -> str | None:
    """Turn user or Excel input into a clean 2–5 digit SNI code string, or None if it is not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        text = str(value) if value >= 0 else ""
    elif isinstance(value, float):
        if not math.isfinite(value) or value < 0:
            return None
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value)

    text = _SPACES.sub("", text).replace(",", ".")  # a Swedish decimal comma reads as a dot
    dotted = False
    float_text = _FLOAT_TEXT.fullmatch(text)
    if float_text:
        text = float_text.group(1)
    elif "." in text:
        dotted = True  # "62.01": the dots place the division, so four digits are a class code
        if len(text.split(".", 1)[0]) == 1:  # "1.110": the division lost its leading zero
            text = "0" + text
        text = text.replace(".", "")

    if not _DIGITS.fullmatch(text):
        return None
    if len(text) == 1:
        text = "0" + text
    elif len(text) == 4 and not dotted:
        text = _pad_four(text)
    if len(text) > 5:
        return None
    return text if text[:2] in _load().divisions else None
