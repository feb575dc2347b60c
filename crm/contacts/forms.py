"""Contact person forms: the person (work e-mail unique, an objection with its scope, date and note), and their
role at a company."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from crm.companies.models import ContactPerson, ObjectionScope
from crm.extensions import db
from crm.formfields import DayField, single_line_text
from crm.timeutil import stockholm_today

SCOPE_REQUIRED = _l("Välj vad invändningen gäller.")
OBJECTION_IN_FUTURE = _l("Datumet för invändningen kan inte vara senare än i dag.")


def scope_choices() -> list[tuple[str, str]]:
    return [(scope.value, scope.label) for scope in ObjectionScope]


class ContactForm(FlaskForm):
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Fyll i namnet.")), Length(max=200)],
                       filters=[single_line_text])
    email = EmailField(
        _l("E-postadress (arbete)"),
        filters=[single_line_text],
        validators=[
            Optional(),
            Email(_l("Skriv en giltig e-postadress, till exempel namn@foretaget.se."), check_deliverability=False),
            Length(max=254),
        ],
    )
    phone = TelField(_l("Telefon (arbete)"), validators=[Length(max=40)], filters=[single_line_text])
    opt_out_networks = BooleanField(_l("Vill inte ha utskick om nätverk"))
    opt_out_breakfasts = BooleanField(_l("Vill inte ha inbjudningar till frukostmöten"))
    opt_out_procurement = BooleanField(_l("Vill inte ha information om upphandlingar"))
    objection = BooleanField(
        _l("Har invänt mot utskick (inga utskick alls)"),
        description=_l("Personen har motsatt sig behandling för utskick. Gäller före allt annat."),
    )
    objection_scope = RadioField(
        _l("Vad invändningen gäller"), choices=scope_choices, validate_choice=False,
        description=_l("Båda stoppar alla utskick. Gäller invändningen all behandling prövar ni också radering "
                       "eller begränsning."),
    )
    objection_on = DayField(
        _l("Datum för invändningen"), validators=[Optional()],
        description=_l("När personen invände (ÅÅÅÅ-MM-DD). Lämnar du fältet tomt blir det dagens datum."),
    )
    objection_note = TextAreaField(
        _l("Anteckning om invändningen"), validators=[Length(max=2000)], render_kw={"rows": 3},
        description=_l("Till exempel hur invändningen kom in (mejl, telefon) och vad personen sa."),
    )
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, contact_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._contact_id = contact_id

    def validate_email(self, field) -> None:
        if not field.data:
            return
        query = select(ContactPerson.id).where(func.lower(ContactPerson.email) == field.data.strip().lower())
        if self._contact_id is not None:
            query = query.where(ContactPerson.id != self._contact_id)
        if db.session.execute(query).first():
            raise ValidationError(_l("Det finns redan en kontaktperson med den e-postadressen."))

    def validate_objection_scope(self, field) -> None:
        if field.data and field.data not in {scope.value for scope in ObjectionScope}:
            raise ValidationError(SCOPE_REQUIRED)
        if self.objection.data and not field.data:
            raise ValidationError(SCOPE_REQUIRED)

    def validate_objection_on(self, field) -> None:
        if self.objection.data and field.data and field.data > stockholm_today():
            raise ValidationError(OBJECTION_IN_FUTURE)


class CompanyLinkForm(FlaskForm):
    """A contact's role at a company."""

    role = StringField(_l("Roll"), validators=[Length(max=100)], filters=[single_line_text],
                       render_kw={"list": "contact-roles"},
                       description=_l("Till exempel VD, ägare, HR, inköp, platschef."))
    start_date = DateField(_l("Från"), validators=[Optional()])
    end_date = DateField(_l("Till"), validators=[Optional()])
    submit = SubmitField(_l("Spara"))

    def validate_end_date(self, field) -> None:
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("Slutdatum kan inte vara före startdatum."))


class NewContactForCompanyForm(ContactForm, CompanyLinkForm):
    pass
