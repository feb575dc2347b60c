"""Contact person forms: the person (work e-mail unique), and their role at a company."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, DateField, EmailField, StringField, SubmitField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from crm.companies.models import ContactPerson
from crm.extensions import db
from crm.formfields import single_line_text


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
