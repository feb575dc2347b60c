"""Company and contact person forms; each owns its validation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from crm.auth.models import Role, User
from crm.companies.fields import (
    FieldError,
    legal_forms,
    normalise_cfar_number,
    normalise_org_number,
    normalise_postcode,
    normalise_website,
)
from crm.companies.models import SIZE_CLASSES, Company, CompanyStatus, SniVersion
from crm.dbtypes import swedish
from crm.extensions import db
from crm.formfields import single_line_text

LEGAL_FORMS = [
    "Aktiebolag",
    "Enskild näringsverksamhet",
    "Handelsbolag",
    "Kommanditbolag",
    "Ekonomisk förening",
    "Ideell förening",
    "Stiftelse",
    "Filial",
    "Annan",
]

def legal_form_choices(current: str | None = None) -> list[SelectChoice]:
    """Our short list, SCB's names for juridisk form, and a company's present value if it is neither."""
    names = list(dict.fromkeys([*LEGAL_FORMS, *legal_forms().values(), *([current] if current else [])]))
    return [SelectChoice("", _l("Uppgift saknas"))] + [SelectChoice(name) for name in names]


TRISTATE = [SelectChoice("", _l("Uppgift saknas")), SelectChoice("ja", _l("Ja")), SelectChoice("nej", _l("Nej"))]


def tristate_to_bool(value: str) -> bool | None:
    return {"ja": True, "nej": False}.get(value)


def bool_to_tristate(value: bool | None) -> str:
    return "" if value is None else ("ja" if value else "nej")


def _normalising(normaliser):
    """A WTForms validator that stores the normalised value or shows the FieldError's message."""

    def validator(form, field) -> None:
        try:
            field.data = normaliser(field.data)
        except FieldError as error:
            raise ValidationError(str(error))

    return validator


def owner_choices() -> list[SelectChoice]:
    users = db.session.execute(
        select(User.id, User.name)
        .where(User.active.is_(True), User.role.in_([Role.STAFF, Role.ADMIN]))
        .order_by(swedish(User.name), User.id)
    ).all()
    return [SelectChoice("", _l("Ingen"))] + [SelectChoice(str(user.id), user.name) for user in users]


class CompanyForm(FlaskForm):
    name = StringField(
        _l("Företagsnamn"), validators=[DataRequired(_l("Fyll i företagets namn.")), Length(max=200)],
        filters=[single_line_text],
    )
    org_number = StringField(
        _l("Organisationsnummer"),
        validators=[Optional(), _normalising(normalise_org_number)],
        description=_l("Tio siffror, till exempel 556036-0793. Lämna tomt om det saknas."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    legal_form = SelectField(_l("Juridisk form"), choices=legal_form_choices)
    status = SelectField(_l("Status"), choices=[SelectChoice(s.value, s.label) for s in CompanyStatus])
    sni_codes = StringField(
        _l("SNI-koder"),
        description=_l("En eller flera koder, åtskilda med komma, till exempel 62010, 47761."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    sni_version = SelectField(_l("SNI-version"), choices=[SelectChoice(v.value, v.label) for v in SniVersion])
    size_class = SelectField(
        _l("Storleksklass (SCB)"),
        choices=[SelectChoice("", _l("Uppgift saknas"))] + [SelectChoice(k, v) for k, v in SIZE_CLASSES.items()],
    )
    employees = IntegerField(
        _l("Antal anställda (egen uppgift)"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000, message=_l("Skriv ett antal, 0 eller fler."))],
        render_kw={"inputmode": "numeric"},
    )
    employees_date = DateField(_l("Antal anställda per datum"), validators=[Optional()])
    visiting_address = StringField(_l("Besöksadress"), validators=[Length(max=200)])
    visiting_postcode = StringField(
        _l("Postnummer"), validators=[Optional(), _normalising(normalise_postcode)], render_kw={"inputmode": "numeric"}
    )
    visiting_city = StringField(_l("Ort"), validators=[Length(max=100)])
    postal_address = StringField(_l("Postadress"), validators=[Length(max=200)])
    postal_postcode = StringField(
        _l("Postnummer (post)"),
        validators=[Optional(), _normalising(normalise_postcode)],
        render_kw={"inputmode": "numeric"},
    )
    postal_city = StringField(_l("Postort"), validators=[Length(max=100)])
    district = StringField(
        _l("Kommundel eller verksamhetsområde"), validators=[Length(max=100)], render_kw={"list": "districts"}
    )
    website = StringField(
        _l("Webbplats"), validators=[Optional(), Length(max=300), _normalising(normalise_website)],
        render_kw={"inputmode": "url"},
    )
    switchboard = TelField(_l("Växel"), validators=[Length(max=40)])
    email = EmailField(
        _l("Företagets e-post"),
        filters=[single_line_text],
        validators=[
            Optional(),
            Email(_l("Skriv en giltig e-postadress, till exempel info@foretaget.se."), check_deliverability=False),
            Length(max=254),
        ],
        description=_l("Företagets allmänna adress, till exempel info@foretaget.se."),
    )
    ad_block = BooleanField(
        _l("Reklamspärr"),
        description=_l(
            "Företagets allmänna adress får inga utskick. Kontaktpersoner som vill ha inbjudningar får dem."
        ),
    )
    cfar_number = StringField(
        _l("CFAR-nummer"),
        validators=[Optional(), _normalising(normalise_cfar_number)],
        description=_l("Arbetsställets nummer hos SCB, åtta siffror."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    municipality = StringField(_l("Kommun"), validators=[Length(max=100)])
    tags = StringField(
        _l("Taggar"),
        description=_l("Åtskilda med komma, till exempel Medtech, Nyckelföretag."),
        render_kw={"list": "tag-names"},
    )
    women_led = SelectField(_l("Kvinnligt ledd"), choices=TRISTATE)
    women_owned = SelectField(_l("Majoritetsägt av kvinnor"), choices=TRISTATE)
    women_reported_on = DateField(_l("Uppgiften om kvinnligt ledd/ägt lämnad"), validators=[Optional()])
    owner_id = SelectField(_l("Ansvarig handläggare"), choices=owner_choices)
    # Shown only when the name is close to an existing company's (crm.companies.similar).
    not_a_duplicate = BooleanField(_l("Jag har kontrollerat: det är ett annat företag. Spara ändå."))
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, company_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._company_id = company_id
        self.legal_form.choices = legal_form_choices(getattr(kwargs.get("obj"), "legal_form", None))

    def validate_org_number(self, field) -> None:
        if not field.data:
            return
        query = select(Company.id, Company.name).where(Company.org_number == field.data)
        if self._company_id is not None:
            query = query.where(Company.id != self._company_id)
        existing = db.session.execute(query).first()
        if existing:
            raise ValidationError(
                _l("Organisationsnumret finns redan hos %(name)s.", name=existing.name)
            )

    def validate_sni_codes(self, field) -> None:
        """Every code must be a detailed code of the chosen version; a shorter one gets suggestions, never padding."""
        from crm.companies.fields import split_list
        from crm.companies.sni import resolve

        codes, problems = [], []
        for raw in split_list((field.data or "").replace(" ", ",")):
            resolution = resolve(raw, self.sni_version.data)
            if resolution.code is None:
                problems.append(str(resolution.message))
            else:
                codes.append(resolution.code)
        if problems:
            raise ValidationError(" ".join(problems))
        field.data = ", ".join(dict.fromkeys(codes))


class MergeForm(FlaskForm):
    keep = SelectField(_l("Behåll"), choices=[])
    confirm = BooleanField(
        _l("Jag har kontrollerat att det är samma företag"),
        validators=[DataRequired(_l("Bekräfta att det är samma företag."))],
    )
    submit = SubmitField(_l("Slå ihop"))
