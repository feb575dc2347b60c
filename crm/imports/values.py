"""Turning one cell's text into the value the register stores, or a FieldProblem saying what is wrong with it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from crm.companies.fields import (
    FieldError,
    is_masked_org_number,
    legal_form_name,
    normalise_cfar_number,
    normalise_org_number,
    normalise_postcode,
    normalise_website,
    size_class_from_scb,
)
from crm.companies.models import SIZE_CLASSES, Company, CompanyStatus, SniVersion
from crm.companies.sni import is_valid, normalise_code, resolve
from crm.text import fold, single_line

_TRUE = frozenset({"ja", "j", "x", "1", "true", "sant", "yes", "y"})
_FALSE = frozenset({"nej", "n", "0", "false", "falskt", "no"})
_SNI_SEPARATORS = re.compile(r"[,;\s]+")
_INTEGER = re.compile(r"^\d+(?:\.0+)?$")


class FieldProblem(ValueError):
    """A cell's value the register cannot take; `kind` is a stable code, `message` says why."""

    def __init__(self, kind: str, message: Any):
        super().__init__(kind)
        self.kind = kind
        self.message = message


def column_length(model, key: str) -> int:
    """The most characters a string column of `model` holds."""
    return model.__table__.c[key].type.length


def parse_text(value: str, max_length: int) -> str:
    """One line of text: control characters removed (those that space a line become a space), spaces collapsed."""
    text = " ".join(single_line(value).split())
    if len(text) > max_length:
        raise FieldProblem("too_long", _l("Högst %(max)d tecken.", max=max_length))
    return text


def parse_org_number(value: str) -> tuple[str | None, str | None]:
    """(normalised NNNNNN-NNNN, None), or (None, birth date) for a masked personnummer like '640823-****'."""
    if is_masked_org_number(value):
        return None, value.strip()[:6]
    try:
        return normalise_org_number(value), None
    except FieldError as error:
        raise FieldProblem("org_number", str(error))


def parse_email(value: str) -> str:
    try:
        return validate_email(single_line(value).strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise FieldProblem("email", _l("E-postadressen är inte giltig."))


def parse_postcode(value: str) -> str:
    try:
        return normalise_postcode(value) or ""
    except FieldError as error:
        raise FieldProblem("postcode", str(error))


def parse_website(value: str) -> str:
    try:
        text = normalise_website(value) or ""
    except FieldError as error:
        raise FieldProblem("website", str(error))
    return parse_text(text, column_length(Company, "website"))


_THOUSANDS = re.compile(r"(?<=\d)[\s\u00a0](?=\d{3}(?!\d))")


def _size_label_key(text: str) -> tuple[str, ...]:
    """The bounds a label names: '1 000–1 499 anställda' and '1000-1499' are ('1000', '1499')."""
    return tuple(re.findall(r"\d+", _THOUSANDS.sub("", text)))


def parse_size_class(value: str) -> str | None:
    """SCB's storleksklass code as SCB numbers it ('4' is 10–19 anställda, '0' uppgift saknas), or a label
    ('10–19 anställda', '10-19'); returns our stored code, None when SCB says the figure is missing."""
    text = value.strip()
    if _INTEGER.match(text):
        try:
            return size_class_from_scb(int(float(text)))
        except FieldError as error:
            raise FieldProblem("size_class", error.args[0])
    if fold(text) == "uppgift saknas":
        return None
    wanted = _size_label_key(text)
    for code, label in SIZE_CLASSES.items():
        if wanted and wanted == _size_label_key(label):
            return code
    raise FieldProblem("size_class", _l("Okänd storleksklass. Använd SCB:s klasser 0–16 eller en text som 10–19."))


def parse_legal_form(value: str) -> str:
    """SCB's JurForm code ('49') as its name ('Övriga aktiebolag'); a name is kept as given."""
    try:
        text = legal_form_name(value) or ""
    except FieldError as error:
        raise FieldProblem("legal_form", error.args[0])
    return parse_text(text, column_length(Company, "legal_form"))


def parse_cfar_number(value: str) -> str:
    try:
        return normalise_cfar_number(value) or ""
    except FieldError as error:
        raise FieldProblem("cfar_number", error.args[0])


def parse_bool(value: str) -> bool:
    folded = fold(value)
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise FieldProblem("boolean", _l("Skriv ja eller nej (eller x, 1, 0)."))


def parse_status(value: str) -> CompanyStatus:
    folded = fold(value)
    for status in CompanyStatus:
        if folded == fold(status.value):
            return status
    raise FieldProblem("status", _l("Okänd status. Använd aktiv, vilande, konkurs eller avregistrerad."))


def parse_int(value: str) -> int:
    text = value.replace(" ", "").replace("\u00a0", "")
    if not _INTEGER.match(text) or float(text) > 1_000_000:
        raise FieldProblem("integer", _l("Skriv ett heltal, 0 eller fler."))
    return int(float(text))


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise FieldProblem("date", _l("Skriv datumet som ÅÅÅÅ-MM-DD."))


def parse_sni_version(value: str) -> SniVersion:
    digits = re.sub(r"\D", "", value)
    for version in SniVersion:
        if digits and version.value.endswith(digits):
            return version
    raise FieldProblem("sni_version", _l("Okänd SNI-version. Skriv SNI 2007 eller SNI 2025."))


def parse_sni_codes(values: list[str], version: object = SniVersion.SNI2007) -> list[str]:
    """Detailed codes of `version` from one or more cells, separated by comma, semicolon or space; order kept,
    repeats dropped.

    Leading zeros are kept, and put back where Excel dropped them ('1110' is '01110' when that detailed code
    exists): see sni.normalise_code. Any other code the classification lacks, made up ('12345') or shorter than
    a detailed code ('6201', a class), is refused with the company form's message and suggestions (sni.resolve).
    """
    codes: list[str] = []
    for value in values:
        for part in _SNI_SEPARATORS.split(value.strip()):
            if not part:
                continue
            code = normalise_code(part, version)
            if code is None or not is_valid(code, version):
                resolution = resolve(part, version)
                if resolution.code is None:
                    raise FieldProblem("sni_code", resolution.message)
                code = resolution.code
            if code not in codes:
                codes.append(code)
    return codes


def parse_tags(values: list[str]) -> list[str]:
    """Tag names from comma-separated cells; repeats (whatever their case) dropped."""
    tags: dict[str, str] = {}
    limit = 60
    for value in values:
        for part in value.split(","):
            name = " ".join(part.split())
            if not name:
                continue
            if len(name) > limit:
                raise FieldProblem("too_long", _l("En tagg får ha högst %(max)d tecken.", max=limit))
            tags.setdefault(name.casefold(), name)
    return list(tags.values())
