"""The queue's forms: which invitation (and answer) a message that could not be matched is, or set it aside."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from crm.events.models import Answer


def _id_or_none(value) -> int | None:
    return int(value) if value not in (None, "") else None


class ResolveForm(FlaskForm):
    invitation = SelectField(
        _l("Inbjudan"), coerce=_id_or_none, validate_choice=False,
        validators=[InputRequired(_l("Välj vilken inbjudan svaret gäller."))],
    )
    answer = SelectField(
        _l("Svar"), choices=[SelectChoice(answer.value, answer.label) for answer in Answer],
        validators=[InputRequired(_l("Välj ett svar."))],
    )

    def __init__(self, *args, invitations=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invitation.choices = [
            SelectChoice(invitation.id, f"{invitation.event.title} {invitation.event.starts_at:%Y-%m-%d}: "
                                        f"{invitation.name} <{invitation.email or '–'}>")
            for invitation in invitations
        ]
        self.invitation.choices.insert(0, SelectChoice("", _l("Välj inbjudan")))
        self._allowed = {invitation.id for invitation in invitations}

    def validate_invitation(self, field) -> None:
        if field.data not in self._allowed:
            raise ValidationError(_l("Välj en av de listade inbjudningarna."))


class DismissForm(FlaskForm):
    """Only the CSRF token: setting a message aside needs nothing else."""
