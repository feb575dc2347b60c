"""Open registration's forms: the public sign-up (with its honeypot), the confirmation button, an organizer's
settings for the page, and the button that accepts a guest as a contact person."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from crm.companies.fields import FieldError, normalise_org_number
from crm.events.registration import RegistrationData
from crm.events.rsvp_forms import dietary_fields
from crm.formfields import single_line_text

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\Z")
HONEYPOT = "webbplats"  # a field people never see; a bot that fills every field fills it


class RegistrationForm(FlaskForm):
    name = StringField(_l("Namn"), filters=[single_line_text],
                       validators=[DataRequired(_l("Fyll i ditt namn.")),
                                   Length(max=200, message=_l("Skriv högst %(max)d tecken.", max=200))])
    email = EmailField(
        _l("E-postadress"), filters=[single_line_text],
        description=_l("Vi skickar en länk hit. Du är anmäld först när du har bekräftat."),
        validators=[DataRequired(_l("Fyll i din e-postadress.")),
                    Email(_l("Skriv en giltig e-postadress, till exempel namn@foretaget.se."),
                          check_deliverability=False),
                    Length(max=254, message=_l("Skriv högst %(max)d tecken.", max=254))],
    )
    company_name = StringField(_l("Företag eller organisation (frivilligt)"), filters=[single_line_text],
                               validators=[Length(max=200, message=_l("Skriv högst %(max)d tecken.", max=200))])
    org_number = StringField(_l("Organisationsnummer (frivilligt)"), filters=[single_line_text],
                             description=_l("Till exempel 556036-0793."))
    dietary, other = dietary_fields()
    webbplats = StringField(_l("Lämna det här fältet tomt"))

    def validate_org_number(self, field) -> None:
        try:
            field.data = normalise_org_number(field.data) or ""
        except FieldError as error:
            raise ValidationError(str(error)) from error

    def is_spam(self) -> bool:
        return bool((self.webbplats.data or "").strip())

    def to_data(self) -> RegistrationData:
        dietary = (self.dietary.data or []) if "dietary" in self else []
        other = (self.other.data or "") if "other" in self else ""
        return RegistrationData(
            name=self.name.data, email=self.email.data, company_name=self.company_name.data or "",
            org_number=self.org_number.data or "", dietary=list(dietary), dietary_other=other,
        )


class RegistrationConfirmForm(FlaskForm):
    pass


class RegistrationPageForm(FlaskForm):
    slug = StringField(
        _l("Adress för anmälan"), filters=[lambda value: value.strip().lower() if isinstance(value, str) else value],
        description=_l("Små bokstäver a–z, siffror och bindestreck, till exempel frukost-december."),
        validators=[DataRequired(_l("Fyll i en adress.")),
                    Length(min=3, max=80, message=_l("Skriv mellan %(min)d och %(max)d tecken.", min=3, max=80))],
    )
    is_open = BooleanField(_l("Öppen för anmälan"))

    def validate_slug(self, field) -> None:
        if field.data == "bekrafta":  # the confirmation links' path
            raise ValidationError(_l("Den adressen är upptagen. Välj en annan."))
        if field.data and not SLUG.match(field.data):
            raise ValidationError(_l("Använd bara a–z, siffror och bindestreck, till exempel frukost-december."))


class AcceptForm(FlaskForm):
    pass
