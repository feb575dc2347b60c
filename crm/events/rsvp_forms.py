"""The invitee's answer page's forms: the answer with dietary needs, and the opt-out confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from crm.events.models import Answer
from crm.events.services import DIETARY_CHOICES

ANSWER_CHOICES = {  # the answer as the invitee gives it on the form
    Answer.YES: _l("Ja, jag kommer"),
    Answer.NO: _l("Nej, jag kan inte"),
    Answer.MAYBE: _l("Kanske"),
}
OTHER_MAX = 300



def dietary_fields() -> tuple[SelectMultipleField, TextAreaField]:
    """The optional dietary choices and their free text, as the answer page and the registration page ask them."""
    return (
        SelectMultipleField(
            _l("Specialkost eller allergi"),
            choices=[SelectChoice(value, label) for value, label in DIETARY_CHOICES.items()],
            validate_choice=False,
            description=_l("Frivilligt. Arrangören ser bara hur många som behöver varje slags kost, inte vem. "
                           "Uppgifterna raderas efter träffen."),
        ),
        TextAreaField(
            _l("Beskriv annan specialkost eller allergi"),
            validators=[Length(max=OTHER_MAX, message=_l("Skriv högst %(max)d tecken.", max=OTHER_MAX))],
        ),
    )

class AnswerForm(FlaskForm):
    answer = RadioField(
        _l("Kommer du?"),
        choices=[SelectChoice(answer.value, label) for answer, label in ANSWER_CHOICES.items()],
        validate_choice=False,
        validators=[InputRequired(_l("Välj ett svar.")),
                    AnyOf([answer.value for answer in Answer], message=_l("Välj ett svar."))],
    )
    dietary, other = dietary_fields()


class ConfirmForm(FlaskForm):
    pass
