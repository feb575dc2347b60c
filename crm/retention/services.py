"""Changing the plan, reading the gallringslogg and writing it as a file. Never commits."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select

from crm.companies.models import Company, ContactPerson
from crm.extensions import db
from crm.retention.kinds import AUTOMATIC, BY_KEY, KINDS
from crm.retention.models import RetentionLogEntry, RetentionRule
from crm.timeutil import format_date, format_datetime

LOG_PAGE_SIZE = 50


def save_plan(choices: dict[str, tuple[bool, int | None]]) -> int:
    """Store each kind's rule (keep, amount). The first save stores every rule (the plan an admin has confirmed,
    defaults included); after that a rule that did not change is not written. The rows are Audited, so each
    change lands in the audit log. Returns how many rules were written. The caller commits."""
    changed = 0
    for kind in KINDS:
        if kind.key not in choices:
            continue
        keep, amount = choices[kind.key]
        row = db.session.get(RetentionRule, kind.key)
        if row is None:
            row = RetentionRule(kind=kind.key, keep=kind.default_keep, amount=kind.default_amount)
            db.session.add(row)
            changed_now = True
        else:
            changed_now = False
        amount = amount if amount is not None else row.amount
        if row.keep != keep or row.amount != amount:
            row.keep, row.amount = keep, amount
            changed_now = True
        changed += changed_now
    return changed


def set_preserved(record: Company | ContactPerson, preserved: bool) -> bool:
    """Mark the record "bevaras" or take the mark away (audited: both models are Audited); whether it changed.
    The caller commits."""
    if record.preserved == preserved:
        return False
    record.preserved = preserved
    return True


def log_page(page: int):
    return db.paginate(select(RetentionLogEntry).order_by(RetentionLogEntry.at.desc(), RetentionLogEntry.id.desc()),
                       page=page, per_page=LOG_PAGE_SIZE, error_out=False)


def kind_label(key: str) -> str:
    if key in BY_KEY:
        return str(BY_KEY[key].label)
    return next((str(purge.label) for purge in AUTOMATIC if purge.key == key), key)


def log_headers() -> list[str]:
    return [_("Tid"), _("Slag av uppgifter"), _("Regel"), _("Antal"), _("Förslag"), _("Föreslaget"),
            _("Godkänt"), _("Godkänt av")]


def log_rows() -> Iterable[list[str]]:
    """The whole log, oldest first: what kind, how many, by which rule, when and who approved. Never whom."""
    query = select(RetentionLogEntry).order_by(RetentionLogEntry.at, RetentionLogEntry.id)
    for entry in db.session.scalars(query.execution_options(yield_per=500)):
        yield [format_datetime(entry.at), kind_label(entry.kind), entry.rule, str(entry.count),
               str(entry.proposal_id or ""), format_datetime(entry.proposed_at) if entry.proposed_at else "",
               format_datetime(entry.approved_at) if entry.approved_at else "", entry.approved_by]


def log_csv() -> bytes:
    """UTF-8 with a BOM and semicolons, as Swedish Excel reads it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(log_headers())
    writer.writerows(log_rows())
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def log_xlsx() -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Gallringslogg"))
    sheet.append(log_headers())
    for cells in log_rows():
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_name(extension: str, today) -> str:
    return f"gallringslogg-{format_date(today)}.{extension}"
