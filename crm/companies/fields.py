"""Parsing and validation of Swedish register values, shared by forms and the import."""

from __future__ import annotations

import csv
import functools
import io
import re
from importlib import resources

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

_POSTCODE = re.compile(r"^\s*(\d{3})\s?(\d{2})\s*$")
_CFAR_NUMBER = re.compile(r"^\d{8}$")
_WHOLE_NUMBER_TEXT = re.compile(r"^(\d+)\.0+$")  # "12345678.0": a number a spreadsheet turned into text
MASKED_ORG_NUMBER = re.compile(r"^\s*\d{6}-?\*{4}\s*$")


class FieldError(ValueError):
    """A value that cannot be stored; the message is Swedish and fit to show the user."""


def normalise_org_number(value: str | None) -> str | None:
    """'5560360793', '556036-0793' or '16556036-0793' -> '556036-0793'; None for empty; FieldError if invalid."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    whole = _WHOLE_NUMBER_TEXT.match(text.replace(" ", ""))
    digits = whole.group(1) if whole else re.sub(r"\D", "", text)
    if len(digits) == 12 and digits[:2] in ("16", "18", "19", "20"):
        digits = digits[2:]  # a century prefix or the 16 that some registers put before organisations
    try:
        return orgnr.format(orgnr.validate(digits))
    except StdnumError:
        if len(digits) != 10:
            raise FieldError("Ett organisationsnummer har tio siffror, till exempel 556036-0793.")
        raise FieldError("Organisationsnumret är inte giltigt (kontrollsiffran stämmer inte).")


def looks_like_personnummer(value: str | None) -> bool:
    """Whether a number's third and fourth digits are a month (a personnummer), as a sole trader's is."""
    digits = re.sub(r"\D", "", str(value or ""))
    if len(digits) == 12:
        digits = digits[2:]
    return len(digits) >= 4 and int(digits[2:4]) < 20


def mask_personnummer(value: str | None) -> str:
    """'640823-3234' -> '640823-****'; an organisation number stays as it is."""
    text = str(value or "").strip()
    if not looks_like_personnummer(text):
        return text
    digits = re.sub(r"\D", "", text)
    return f"{digits[-10:-4]}-****"


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


def normalise_cfar_number(value: str | None) -> str | None:
    """SCB's CFAR number of a workplace: eight digits ('12 345 678' -> '12345678')."""
    if value is None or not str(value).strip():
        return None
    text = re.sub(r"\s", "", str(value))
    whole = _WHOLE_NUMBER_TEXT.match(text)
    text = whole.group(1) if whole else text
    if not _CFAR_NUMBER.match(text):
        raise FieldError(_l("Ett CFAR-nummer har åtta siffror, till exempel 12345678."))
    return text


@functools.cache
def legal_forms() -> dict[str, str]:
    """SCB's codes for juridisk form -> name, from data/legal_forms.csv (its header names the sources)."""
    text = resources.files(__package__).joinpath("data", "legal_forms.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return {row["code"]: row["name"] for row in csv.DictReader(io.StringIO("\n".join(lines)))}


def legal_form_name(value: str | None) -> str | None:
    """A JurForm code ('49', '049', '49.0') as its name ('Övriga aktiebolag'); text that is no code stays as given.

    FieldError for a number that is no code."""
    if value is None or not str(value).strip():
        return None
    text = " ".join(str(value).split())
    whole = _WHOLE_NUMBER_TEXT.match(text)
    digits = whole.group(1) if whole else text
    if not digits.isdigit():
        return text
    code = digits.lstrip("0").zfill(2) if len(digits) <= 3 else digits
    if code not in legal_forms():
        raise FieldError(_l("%(code)s är ingen kod för juridisk form i SCB:s register.", code=text))
    return legal_forms()[code]


def size_class_from_scb(code: int) -> str | None:
    """SCB's storleksklass code (0-16) as our stored code: SCB's 0 is "uppgift saknas", its 1 our "0"."""
    from crm.companies.models import SIZE_CLASSES

    if code == 0:
        return None
    key = str(code - 1)
    if key not in SIZE_CLASSES:
        raise FieldError(_l("Okänd storleksklass. SCB:s klasser är 0–16."))
    return key
