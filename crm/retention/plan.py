"""The gallring plan as it stands: the stored rules, with the defaults of crm.retention.kinds where none is
stored, and the plan described in plain Swedish (for the admin page, the registerutdrag and the record
of processing)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from crm.extensions import db
from crm.retention.kinds import AUTOMATIC, BY_KEY, KINDS, Kind
from crm.retention.models import RetentionRule


@dataclass(frozen=True)
class Rule:
    """One kind's rule as it applies now: bevaras (`keep`), or gallras `amount` units after the kind's event."""

    kind: Kind
    keep: bool
    amount: int
    stored: bool  # False: the default of crm.retention.kinds applies

    @property
    def text(self) -> str:
        return rule_text(self.kind, self.keep, self.amount)


@dataclass(frozen=True)
class PlanLine:
    kind: str  # the kind's key (crm.retention.kinds), or the automatic purge's key
    label: str  # what kind of record, in Swedish
    text: str  # "Gallras 36 månader efter senaste aktivitet", or "Bevaras"
    automatic: bool  # runs every night without approval


def rule_text(kind: Kind, keep: bool, amount: int) -> str:
    if keep:
        return _("Bevaras")
    return _("Gallras %(period)s %(counts_from)s", period=kind.unit.amount_text(amount),
             counts_from=str(kind.counts_from))


def rules() -> dict[str, Rule]:
    """Every kind's rule, in the plan's order: the stored one, or the default."""
    stored = {rule.kind: rule for rule in db.session.scalars(select(RetentionRule))}
    out: dict[str, Rule] = {}
    for kind in KINDS:
        row = stored.get(kind.key)
        out[kind.key] = (Rule(kind, row.keep, row.amount, True) if row is not None
                         else Rule(kind, kind.default_keep, kind.default_amount, False))
    return out


def rule(key: str) -> Rule:
    row = db.session.get(RetentionRule, key)
    kind = BY_KEY[key]
    return Rule(kind, row.keep, row.amount, True) if row else Rule(kind, kind.default_keep, kind.default_amount, False)


def described_plan() -> list[PlanLine]:
    """The whole plan in Swedish: each rule kind, then the automatic purges."""
    lines = [PlanLine(key, str(rule.kind.label), rule.text, False) for key, rule in rules().items()]
    lines += [PlanLine(purge.key, str(purge.label), str(purge.text), True) for purge in AUTOMATIC]
    return lines
