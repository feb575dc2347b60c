"""Network forms: the network itself, the list's filters, adding one or many members, ending and changing roles."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from crm.auth.models import User
from crm.companies.models import CompanyContact
from crm.formfields import DayField, single_line_text
from crm.networks import services
from crm.networks.models import Network, NetworkKind
from crm.timeutil import stockholm_today

DATE_MESSAGE = _l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-22.")
LENGTH_MESSAGE = _l("Högst %(max)d tecken.")


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, kind.label) for kind in NetworkKind]


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role, role.capitalize()) for role in services.MEMBER_ROLES]


def _role_field(label) -> SelectField:
    return SelectField(label, choices=role_choices, default="medlem",
                       invalid_choice_message=_l("Välj en roll i listan."))


def _day_field(label, message) -> DayField:
    return DayField(label, default=stockholm_today, validators=[InputRequired(message)],
                    invalid_value_message=DATE_MESSAGE)


class NetworkForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        validators=[DataRequired(_l("Skriv nätverkets namn.")), Length(max=200, message=LENGTH_MESSAGE)],
        filters=[single_line_text],
    )
    kind = RadioField(
        _l("Typ"), choices=kind_choices, default=NetworkKind.NETWORK.value,
        invalid_choice_message=_l("Välj en av typerna i listan."),
    )
    description = TextAreaField(
        _l("Beskrivning"),
        validators=[Length(max=10_000, message=LENGTH_MESSAGE)],
        description=_l("Vilka nätverket är till för, hur ofta det träffas och var."),
        render_kw={"rows": 5},
    )
    owner_id = SelectField(
        _l("Ansvarig"),
        validators=[DataRequired(_l("Välj vem som ansvarar för nätverket."))],
        invalid_choice_message=_l("Välj en ansvarig i listan."),
    )
    active = BooleanField(
        _l("Aktivt"), default=True,
        description=_l("Ett nätverk som inte längre träffas görs inaktivt; medlemmar och historik finns kvar."),
    )
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, owners: Iterable[User] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = [SelectChoice("", _l("Välj ansvarig"))] + [
            SelectChoice(str(user.id), user.name) for user in owners
        ]

    @staticmethod
    def initial_data(network: Network) -> dict:
        return {
            "name": network.name,
            "kind": network.kind.value,
            "description": network.description,
            "owner_id": str(network.owner_id or ""),
            "active": network.active,
        }

    def to_data(self) -> services.NetworkData:
        return services.NetworkData(
            name=self.name.data or "",
            kind=NetworkKind(self.kind.data),
            description=self.description.data or "",
            owner_id=int(self.owner_id.data) if self.owner_id.data else None,
            active=bool(self.active.data),
        )


class NetworkFilterForm(FlaskForm):
    """A GET form: the filters travel in the URL."""

    class Meta:
        csrf = False

    ACTIVE, INACTIVE, ALL = "aktiva", "inaktiva", "alla"

    kind = SelectField(
        _l("Typ"), choices=lambda: [SelectChoice("", _l("Alla typer")), *kind_choices()], validators=[Optional()]
    )
    active = SelectField(
        _l("Visa"),
        choices=lambda: [
            SelectChoice(NetworkFilterForm.ACTIVE, _l("Aktiva nätverk")),
            SelectChoice(NetworkFilterForm.INACTIVE, _l("Inaktiva nätverk")),
            SelectChoice(NetworkFilterForm.ALL, _l("Alla nätverk")),
        ],
        default=ACTIVE,
        validators=[Optional()],
    )

    def to_filters(self) -> tuple[NetworkKind | None, bool | None]:
        kind = NetworkKind(self.kind.data) if self.kind.data else None
        active = {self.ACTIVE: True, self.INACTIVE: False}.get(self.active.data)
        return kind, active


class MemberForm(FlaskForm):
    """One chosen contact person joins: role, the company they represent, and from which day."""

    role = _role_field(_l("Roll i nätverket"))
    company_id = SelectField(_l("Företag"), invalid_choice_message=_l("Välj ett av kontaktpersonens företag."))
    starts_on = _day_field(_l("Medlem från och med"), _l("Fyll i från vilken dag personen är medlem."))
    submit = SubmitField(_l("Lägg till medlemmen"))

    def __init__(self, *args, links: Iterable[CompanyContact] = (), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(str(link.company_id), link.company.name) for link in links]
        self.company_id.choices = choices or [SelectChoice("", _l("Inget företag"))]

    @property
    def company(self) -> int | None:
        return int(self.company_id.data) if self.company_id.data else None


class EndMembershipForm(FlaskForm):
    ends_on = _day_field(_l("Medlem till och med"), _l("Fyll i sista dagen som medlem."))
    submit = SubmitField(_l("Avsluta medlemskapet"))


class ChangeRoleForm(FlaskForm):
    role = _role_field(_l("Ny roll"))
    starts_on = _day_field(_l("Ny roll från och med"), _l("Fyll i från vilken dag den nya rollen gäller."))
    submit = SubmitField(_l("Byt roll"))


class BulkAddForm(FlaskForm):
    """Contact persons chosen by their company role (the row's company becomes the membership's company)."""

    links = SelectMultipleField(
        _l("Kontaktpersoner"), coerce=int, validate_choice=False,
        invalid_value_message=_l("Välj bland kontaktpersonerna i listan."),
    )
    role = _role_field(_l("Roll i nätverket"))
    starts_on = _day_field(_l("Medlem från och med"), _l("Fyll i från vilken dag de är medlemmar."))
    submit = SubmitField(_l("Lägg till de markerade"))

    def validate_links(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError(_l("Markera minst en kontaktperson."))
