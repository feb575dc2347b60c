"""The kinds of record the gallring plan has a rule for, and the automatic purges beside them.

Each rule kind says what kind of record it is (a Swedish label), the unit of its period, what the
period counts from, and its default. The defaults are a starting point only: the municipality checks
them against its own informationshanteringsplan and changes them on /admin/gallring/.

The automatic purges are technical: they run every night without approval (dietary needs 24 hours
after the event, as before; sign-in records; the scheduler's runs; unconfirmed open registrations).
They are listed so that the plan shows everything the system deletes by itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from crm.auth.tasks import SESSIONS_KEPT
from crm.events.registration import UNCONFIRMED_KEPT_DAYS
from crm.events.services import DIETARY_KEPT_HOURS


class Unit(enum.StrEnum):
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"

    def amount_text(self, amount: int) -> str:
        """'36 månader', '1 år', '90 dagar'."""
        if self is Unit.DAYS:
            return ngettext("%(num)d dag", "%(num)d dagar", amount)
        if self is Unit.MONTHS:
            return ngettext("%(num)d månad", "%(num)d månader", amount)
        return ngettext("%(num)d år", "%(num)d år", amount)

    @property
    def label(self):
        """'dagar', 'månader', 'år' (lazy: translated when shown)."""
        return _UNIT_LABELS[self]


_UNIT_LABELS = {Unit.DAYS: _l("dagar"), Unit.MONTHS: _l("månader"), Unit.YEARS: _l("år")}


# The rule kinds' keys, stored in retention_rules.kind, retention_items.kind and retention_log.kind.
COMPANIES = "companies"
CONTACTS = "contacts"
EVENT_INVITATIONS = "event_invitations"
OUTBOX = "outbox"
IMPORT_FILES = "import_files"
DRAFT_NOTES = "draft_notes"
FINAL_NOTES = "final_notes"
AUDIT_LOG = "audit_log"
# The automatic purge the gallringslogg records (crm.retention.tasks.purge_dietary_needs).
DIETARY_NEEDS = "dietary_needs"


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # what kind of record (lazy; str() it to translate)
    unit: Unit
    counts_from: str  # "efter senaste aktivitet"… (lazy)
    default_amount: int
    default_keep: bool = False
    explanation: str = ""  # what exactly is gallrat, and what is left (lazy)
    max_amount: int = 0  # the largest period the form accepts, in the kind's unit

    @property
    def period_limit(self) -> int:
        return self.max_amount or {Unit.DAYS: 3650, Unit.MONTHS: 600, Unit.YEARS: 100}[self.unit]


KINDS: tuple[Kind, ...] = (
    Kind(COMPANIES, _l("Företag som inte är aktiva"), Unit.YEARS, _l("efter senaste aktivitet"), 5,
         explanation=_l("Företag med en annan status än aktiv och utan aktivitet (ändringar av företaget, "
                        "möten, besök, uppföljningar, inbjudningar av dess kontaktpersoner) under perioden. "
                        "Företagets kopplingar, nätverksmedlemskap, besök och uppföljningar gallras med det. "
                        "Ett företag med mötesanteckningar som bevaras gallras inte så länge anteckningarna finns.")),
    Kind(CONTACTS, _l("Kontaktpersoner utan företagskoppling"), Unit.YEARS, _l("efter senaste aktivitet"), 3,
         explanation=_l("Kontaktpersoner som inte är kopplade till något företag och inte har haft någon "
                        "aktivitet (ändringar, möten, inbjudningar) under perioden. Deras inbjudningar och "
                        "nätverksmedlemskap gallras med dem. En kontaktperson som nämns i mötesanteckningar "
                        "som bevaras gallras inte så länge anteckningarna finns.")),
    Kind(EVENT_INVITATIONS, _l("Inbjudningar, anmälningar och närvaro vid evenemang"), Unit.MONTHS,
         _l("efter evenemanget"), 24,
         explanation=_l("Inbjudningar, svar, anmälningar och närvaro för evenemang som slutade för längre "
                        "sedan än perioden. Evenemanget självt finns kvar.")),
    Kind(OUTBOX, _l("Skickade e-postmeddelanden (utkorgen)"), Unit.DAYS, _l("efter sändning"), 90,
         explanation=_l("Meddelanden som har skickats eller som inte gick att skicka. Meddelanden som väntar "
                        "på att skickas gallras aldrig.")),
    Kind(IMPORT_FILES, _l("Importfiler"), Unit.DAYS, _l("efter importen"), 30,
         explanation=_l("Den uppladdade filen och importens mellanlagrade rader. Importens rad med filnamn, "
                        "datum och antal finns kvar, eftersom företag och kontaktpersoner pekar på den som "
                        "sitt ursprung.")),
    Kind(DRAFT_NOTES, _l("Mötesanteckningar som aldrig slutförts (utkast)"), Unit.MONTHS,
         _l("efter senaste ändringen"), 12),
    Kind(FINAL_NOTES, _l("Slutförda mötesanteckningar"), Unit.YEARS, _l("efter händelsen"), 10,
         default_keep=True,
         explanation=_l("Slutförda anteckningar är allmänna handlingar och bevaras om inte planen säger "
                        "något annat.")),
    Kind(AUDIT_LOG, _l("Ändringsloggen"), Unit.YEARS, _l("efter händelsen"), 5,
         explanation=_l("Loggraderna om vem som ändrade vad och när. Gallringsloggen gallras aldrig.")),
)

BY_KEY: dict[str, Kind] = {kind.key: kind for kind in KINDS}


def kind(key: str) -> Kind:
    return BY_KEY[key]


@dataclass(frozen=True)
class AutomaticPurge:
    """A purge that runs every night without approval; its text is fixed by the code."""

    key: str
    label: str  # lazy
    text: str  # lazy, e.g. "Gallras 24 timmar efter evenemanget"


AUTOMATIC: tuple[AutomaticPurge, ...] = (
    AutomaticPurge(DIETARY_NEEDS, _l("Kostbehov och allergier"),
                   _l("Gallras %(hours)d timmar efter evenemanget", hours=DIETARY_KEPT_HOURS)),
    AutomaticPurge("unconfirmed_registrations", _l("Obekräftade anmälningar via öppen anmälan"),
                   _l("Gallras %(days)d dagar efter anmälan", days=UNCONFIRMED_KEPT_DAYS)),
    AutomaticPurge("sign_ins", _l("Inloggningar och misslyckade inloggningsförsök"),
                   _l("Gallras %(days)d dagar efter att inloggningen upphört", days=SESSIONS_KEPT.days)),
    # crm.scheduler.tasks.RUNS_KEPT (a higher layer: not imported here)
    AutomaticPurge("scheduler_runs", _l("De schemalagda jobbens körningar"),
                   _l("Gallras %(days)d dagar efter körningen", days=14)),
)
