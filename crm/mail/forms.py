"""Utkorg forms: the days whose dead messages an admin sends again."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired, ValidationError

from crm.formfields import DayField
from crm.timeutil import stockholm_today

DATE_MESSAGE = _l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-22.")
RETRY_DAYS = 7  # the form's default range: the last week, today included


def _week_ago() -> date:
    return stockholm_today() - timedelta(days=RETRY_DAYS - 1)


class RetryDeadForm(FlaskForm):
    """Från and Till are Stockholm dates, both included."""

    date_from = DayField(_l("Från"), default=_week_ago, validators=[InputRequired(_l("Skriv första dagen."))],
                         invalid_value_message=DATE_MESSAGE)
    date_to = DayField(_l("Till"), default=stockholm_today, validators=[InputRequired(_l("Skriv sista dagen."))],
                       invalid_value_message=DATE_MESSAGE)

    def validate_date_to(self, field: DayField) -> None:
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError(_l("Till kan inte vara före Från."))
