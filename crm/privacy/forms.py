"""The registerutdrag's forms: a request registered (received, identity checked how), its delivery, and an
admin's art. 15 texts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from crm.formfields import DayField, single_line_text
from crm.privacy.models import DeliveryWay, IdentityCheck
from crm.privacy.services import RequestData
from crm.timeutil import stockholm_today

DATE_FORMAT_MESSAGE = _l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-22.")


def _choices(enum_class):
    return lambda: [(member.value, member.label) for member in enum_class]


class AccessRequestForm(FlaskForm):
    received_on = DayField(_l("Begäran kom in"), default=stockholm_today,
                           validators=[InputRequired(_l("Fyll i datumet då begäran kom in."))],
                           invalid_value_message=DATE_FORMAT_MESSAGE)
    identity_check = SelectField(_l("Så kontrollerades identiteten"), choices=_choices(IdentityCheck),
                                 validators=[InputRequired(_l("Välj hur identiteten kontrollerades."))],
                                 invalid_choice_message=_l("Välj ett av sätten i listan."))
    identity_note = StringField(_l("Anteckning om identitetskontrollen"), filters=[single_line_text],
                                validators=[Length(max=300, message=_l("Högst 300 tecken."))],
                                description=_l("Till exempel vilken id-handling som visades. Krävs för Annat sätt."))
    note = TextAreaField(_l("Övrig anteckning"), validators=[Length(max=2000, message=_l("Högst 2000 tecken."))])
    submit = SubmitField(_l("Registrera begäran"))

    def to_data(self) -> RequestData:
        return RequestData(received_on=self.received_on.data, identity_check=IdentityCheck(self.identity_check.data),
                           identity_note=self.identity_note.data or "", note=self.note.data or "")


class DeliveredForm(FlaskForm):
    delivered_on = DayField(_l("Utdraget lämnades"), default=stockholm_today,
                            validators=[InputRequired(_l("Fyll i datumet då utdraget lämnades."))],
                            invalid_value_message=DATE_FORMAT_MESSAGE)
    delivered_how = SelectField(_l("Så lämnades det"), choices=_choices(DeliveryWay),
                                validators=[InputRequired(_l("Välj hur utdraget lämnades."))],
                                invalid_choice_message=_l("Välj ett av sätten i listan."))
    submit = SubmitField(_l("Markera som levererad"))


class PrivacyTextForm(FlaskForm):
    text = TextAreaField(_l("Text"), validators=[Length(max=5000, message=_l("Högst 5000 tecken."))],
                         description=_l("Lämna tomt för att använda standardtexten."))
    submit = SubmitField(_l("Spara texten"))


class ResetTextForm(FlaskForm):
    """Återställ standardtext: only the CSRF token."""

    submit = SubmitField(_l("Återställ standardtext"))
