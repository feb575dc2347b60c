"""Filters for the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

ACTION_LABELS = {
    "create": _l("Skapad"),
    "update": _l("Ändrad"),
    "delete": _l("Borttagen"),
    "login": _l("Inloggning"),
    "logout": _l("Utloggning"),
    "merge": _l("Sammanslagen"),
    "erase": _l("Raderad på begäran (GDPR)"),
    "retry": _l("Skickad igen"),
    "retry_dead": _l("Alla som gav upp skickade igen"),
    "login_refused": _l("Inloggning nekad"),
    "break_glass": _l("Lokal inloggning (reservkonto)"),
    "break_glass_refused": _l("Lokal inloggning nekad"),
}


class AuditFilterForm(FlaskForm):
    """A GET form: filters travel in the URL so a filtered view can be bookmarked."""

    class Meta:
        csrf = False

    entity = SelectField(_l("Typ"), validators=[Optional()])
    entity_id = StringField(_l("Id"), validators=[Optional()])
    action = SelectField(
        _l("Händelse"),
        choices=[SelectChoice("", _l("Alla"))] + [SelectChoice(k, v) for k, v in ACTION_LABELS.items()],
        validators=[Optional()],
    )
    user_id = SelectField(_l("Utförd av"), validators=[Optional()])
    date_from = DateField(_l("Från och med"), validators=[Optional()])
    date_to = DateField(_l("Till och med"), validators=[Optional()])
