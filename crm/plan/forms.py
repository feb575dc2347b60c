"""The visit plan's forms: the year's target and the one-step proposal of a suggested company."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange, StopValidation

from crm.plan.services import TARGET_MAX


class WholeNumberField(IntegerField):
    """An integer field whose complaint about anything but a whole number is plain Swedish."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            self.data = None
            return
        if not (text.isascii() and text.lstrip("-").isdigit()):
            self.data = None
            raise ValueError(_l("Skriv ett heltal, till exempel 50."))
        self.data = int(text)

    def pre_validate(self, form) -> None:
        if self.process_errors:  # one message is enough: skip the range check
            raise StopValidation()


class TargetForm(FlaskForm):
    target = WholeNumberField(
        _l("Mål: antal besök under året"),
        validators=[
            InputRequired(_l("Fyll i målet.")),
            NumberRange(min=0, max=TARGET_MAX, message=_l("Målet ska vara mellan 0 och 1 000.")),
        ],
        description=_l("Ett heltal mellan 0 och 1 000. Bara besök som räknas mot målet räknas."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    submit = SubmitField(_l("Spara målet"))


BACK_TO_LIST = "lista"


class ProposeForm(FlaskForm):
    """A button beside each suggestion; `back` says which page to return to."""

    back = HiddenField()
