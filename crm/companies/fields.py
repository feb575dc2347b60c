"""Parsing and validation of Swedish register values, shared by forms and the import."""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

_POSTCODE = re.compile(r"^\s*(\d{3})\s?(\d{2})\s*$")
MASKED_ORG_NUMBER = re.compile(r"^\s*\d{6}-?\*{4}\s*$")


class FieldError(ValueError):
    """A value that cannot be stored; the message is Swedish and fit to show the user."""


def normalise_org_number(value: str | None) -> str | None:
    """'5560360793', '556036-0793' or '16556036-0793' -> '556036-0793'; None for empty; FieldError if invalid."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) == 12 and digits[:2] in ("16", "18", "19", "20"):
        digits = digits[2:]  # a century prefix or the 16 that some registers put before organisations
    try:
        return orgnr.format(orgnr.validate(digits))
    except StdnumError:
        if len(digits) != 10:
            raise FieldError("Ett organisationsnummer har tio siffror, till exempel 556036-0793.")
        raise FieldError("Organisationsnumret är inte giltigt (kontrollsiffran stämmer inte).")


def is_masked_org_number(value: str | None) -> bool:
    """Our own exports mask a sole trader's personnummer as 'NNNNNN-****'."""
    return bool(value) and bool(MASKED_ORG_NUMBER.match(str(value)))


def normalise_postcode(value: str | None) -> str | None:
    """'12345' or '123 45' -> '123 45'."""
    if value is None or not str(value).strip():
        return None
    match = _POSTCODE.match(str(value))
    if not match:
        raise FieldError("Ett postnummer har fem siffror, till exempel 123 45.")
    return f"{match.group(1)} {match.group(2)}"


def normalise_website(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not re.match(r"^https?://", text, re.I):
        text = "https://" + text
    if " " in text or "." not in text:
        raise FieldError("Skriv en webbadress, till exempel www.foretaget.se.")
    return text


def split_list(value: str | None) -> list[str]:
    """'a, b; c' -> ['a', 'b', 'c'] without blanks or repeats, order kept."""
    if not value:
        return []
    seen: dict[str, None] = {}
    for part in re.split(r"[,;\n]", value):
        part = part.strip()
        if part and part.lower() not in {key.lower() for key in seen}:
            seen[part] = None
    return list(seen)
