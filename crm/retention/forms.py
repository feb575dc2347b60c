"""The gallring plan's form (one rule per kind: bevaras, or gallras N units after X) and the approval."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import TextInput

from crm.retention.kinds import KINDS, Kind
from crm.retention.plan import Rule

KEEP, DISPOSE = "bevaras", "gallras"


class PeriodField(IntegerField):
    """A whole number of days, months or years; anything else gets a plain Swedish message. A text box with a
    numeric keyboard on phones (a number input would let a browser refuse text silently)."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            self.data = None
            return
        if not (text.isascii() and text.isdigit()):
            self.data = None
            raise ValueError(_l("Skriv ett heltal, till exempel 12."))
        self.data = int(text)


class PlanForm(FlaskForm):
    """Fields are added per kind by `plan_form`: `<kind>_keep` and `<kind>_amount`."""

    submit = SubmitField(_l("Spara planen"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for kind in KINDS:
            keep, amount = self[f"{kind.key}_keep"], self[f"{kind.key}_amount"]
            if keep.data != DISPOSE or amount.errors:
                continue
            if amount.data is None:
                amount.errors.append(_l("Fyll i hur många %(unit)s, eller välj Bevaras.", unit=kind.unit.label))
                valid = False
            elif not 1 <= amount.data <= kind.period_limit:
                amount.errors.append(_l("Antalet ska vara mellan 1 och %(max)d %(unit)s.",
                                        max=kind.period_limit, unit=kind.unit.label))
                valid = False
        return valid

    def choices(self) -> dict[str, tuple[bool, int | None]]:
        return {kind.key: (self[f"{kind.key}_keep"].data == KEEP, self[f"{kind.key}_amount"].data) for kind in KINDS}

    def kind_fields(self):
        """(kind, keep field, amount field) in the plan's order, for the template."""
        return [(kind, self[f"{kind.key}_keep"], self[f"{kind.key}_amount"]) for kind in KINDS]


def _fields_for(kind: Kind) -> dict:
    return {
        f"{kind.key}_keep": RadioField(
            kind.label, description=kind.explanation,
            choices=[SelectChoice(DISPOSE, _l("Gallras")), SelectChoice(KEEP, _l("Bevaras"))],
            validators=[InputRequired(_l("Välj Gallras eller Bevaras."))]),
        f"{kind.key}_amount": PeriodField(
            _l("Antal %(unit)s %(counts_from)s", unit=kind.unit.label, counts_from=kind.counts_from),
            description=_l("Förval: %(default)s", default=_default_text(kind)),
            render_kw={"inputmode": "numeric", "autocomplete": "off"}),
    }


def _default_text(kind: Kind) -> str:
    return str(_l("bevaras")) if kind.default_keep else kind.unit.amount_text(kind.default_amount)


def plan_form(rules: dict[str, Rule]) -> PlanForm:
    """The form, filled with the rules as they stand (a POST's data takes precedence)."""
    fields: dict = {}
    for kind in KINDS:
        fields.update(_fields_for(kind))
    form_class = type("PlanForm", (PlanForm,), fields)
    data = {}
    for key, rule in rules.items():
        data[f"{key}_keep"] = KEEP if rule.keep else DISPOSE
        data[f"{key}_amount"] = rule.amount
    return form_class(data=data)


class ApproveForm(FlaskForm):
    proposal = HiddenField()
    submit = SubmitField(_l("Godkänn gallring"))


class PreserveForm(FlaskForm):
    """Mark a company or contact person "bevaras" (gallring never touches it), or take the mark away."""

    preserve = HiddenField()
