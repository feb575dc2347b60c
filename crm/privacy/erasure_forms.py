"""The erasure form: a reason and a confirmation that the person has read what happens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm.formfields import single_line_text


class ErasureForm(FlaskForm):
    reason = TextAreaField(
        _l("Skäl till raderingen"),
        filters=[single_line_text],
        validators=[DataRequired(_l("Skriv varför personen raderas.")),
                    Length(max=500, message=_l("Skriv högst 500 tecken."))],
        description=_l("Till exempel: Personen begärde radering i mejl den 3 december. "
                       "Skriv inte personens namn eller adress här; skälet sparas i loggen."),
    )
    confirm = BooleanField(
        _l("Jag har läst vad som tas bort och vad som finns kvar, och vill radera personen"),
        validators=[DataRequired(_l("Kryssa i rutan för att bekräfta raderingen."))],
    )
    submit = SubmitField(_l("Radera kontaktpersonen"))
