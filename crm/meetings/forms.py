"""The meeting log's forms: logging an interaction (from a company or quick, from anywhere) and the list filters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from crm.auth.models import User
from crm.companies.models import Company, ContactPerson, Topic
from crm.formfields import DayField, MultiCheckboxField, NoteArea
from crm.meetings import services
from crm.meetings.models import Interaction, InteractionKind
from crm.timeutil import stockholm_today

NOTE_MAX_LENGTH = 10_000


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, kind.label) for kind in InteractionKind]


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def company_label(company: Company) -> str:
    """How a company reads among quick-log matches; a sole trader's personnummer stays masked."""
    parts = [company.name, company.org_number_masked, company.district or ""]
    return ", ".join(part for part in parts if part)


class CompanyPickerMixin:
    """The quick log's company box; declared first so its fields come first in the form."""

    company_query = StringField(
        _l("Företag"),
        validators=[Length(max=200, message=_l("Högst %(max)d tecken."))],
        description=_l("Skriv namnet eller organisationsnumret."),
        render_kw={"autocomplete": "off"},
    )
    company = RadioField(
        _l("Välj företag"),
        coerce=int,
        validate_choice=False,
        invalid_value_message=_l("Välj ett av företagen i listan."),
    )
    search = SubmitField(_l("Sök företag"))


class InteractionForm(FlaskForm):
    kind = RadioField(
        _l("Typ av kontakt"),
        choices=kind_choices,
        default=InteractionKind.MEETING.value,
        invalid_choice_message=_l("Välj en av typerna i listan."),
    )
    occurred_on = DayField(
        _l("Datum"),
        default=stockholm_today,
        validators=[InputRequired(_l("Fyll i datumet."))],
        invalid_value_message=_l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-22."),
    )
    contacts = MultiCheckboxField(
        _l("Kontaktpersoner hos företaget"),
        coerce=int,
        invalid_value_message=_l("Välj bland kontaktpersonerna i listan."),
        invalid_choice_message=_l("Välj bara kontaktpersoner som hör till företaget."),
    )
    participants = MultiCheckboxField(
        _l("Deltagare från kommunen"),
        coerce=int,
        invalid_value_message=_l("Välj bland deltagarna i listan."),
        invalid_choice_message=_l("Välj bara deltagare i listan."),
    )
    topics = MultiCheckboxField(
        _l("Ämnen"),
        coerce=int,
        invalid_value_message=_l("Välj bland ämnena i listan."),
        invalid_choice_message=_l("Välj bara ämnen i listan."),
    )
    note = NoteArea(
        _l("Anteckning"),
        validators=[Length(max=NOTE_MAX_LENGTH, message=_l("Anteckningen får vara högst %(max)d tecken."))],
        description=_l("Vad togs upp, och vad ska hända sedan?"),
        render_kw={"rows": 6},
    )
    save_draft = SubmitField(_l("Spara utkast"))
    save_final = SubmitField(_l("Spara och färdigställ"))

    def __init__(
        self,
        *args,
        contacts: Iterable[ContactPerson] = (),
        users: Iterable[User] = (),
        topics: Iterable[Topic] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.set_contacts(contacts)
        self.participants.choices = [SelectChoice(str(user.id), user.name) for user in users]
        self.topics.choices = [SelectChoice(str(topic.id), topic.name) for topic in topics]

    def set_contacts(self, contacts: Iterable[ContactPerson]) -> None:
        self.contacts.choices = [SelectChoice(str(contact.id), contact.name) for contact in contacts]

    def validate_occurred_on(self, field: DayField) -> None:
        if field.data and field.data > one_year_after(stockholm_today()):
            raise ValidationError(_l("Datumet kan inte ligga mer än ett år fram i tiden."))

    @property
    def finalising(self) -> bool:
        return bool(self.save_final.data)

    def to_data(self) -> services.InteractionData:
        return services.InteractionData(
            kind=InteractionKind(self.kind.data),
            occurred_on=self.occurred_on.data,
            note=self.note.data or "",
            contact_ids=self.contacts.data or [],
            participant_ids=self.participants.data or [],
            topic_ids=self.topics.data or [],
        )

    @staticmethod
    def initial_data(interaction: Interaction) -> dict:
        """The form's starting values for an existing interaction."""
        return {
            "kind": interaction.kind.value,
            "occurred_on": interaction.occurred_on,
            "note": interaction.note,
            "contacts": [contact.id for contact in interaction.contacts],
            "participants": [user.id for user in interaction.participants],
            "topics": [topic.id for topic in interaction.topics],
        }


class QuickInteractionForm(CompanyPickerMixin, InteractionForm):
    """Log from anywhere: the company is found from what was typed, without JavaScript."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_company: Company | None = None
        self.company_error: str | None = None

    @property
    def searching(self) -> bool:
        """Only the company search was asked for: show the matches, save nothing, judge nothing else."""
        return bool(self.search.data)

    def find_company(self) -> Company | None:
        """Pick the company that exactly one match gives, or the one chosen among several matches."""
        text = (self.company_query.data or "").strip()
        if not text:
            self.company.choices, self.contacts.data = [], []
            self.company_error = str(_l("Skriv namnet eller organisationsnumret på företaget."))
            return None
        matches = services.match_companies(text)
        self.company.choices = [SelectChoice(str(company.id), company_label(company)) for company in matches.companies]
        chosen = next((c for c in matches.companies if c.id == self.company.data), None) or matches.single
        self.chosen_company = chosen
        if chosen is not None:
            self.company.data = chosen.id
            self.set_contacts(services.company_contacts(chosen.id))
            return chosen
        self.contacts.data = []  # ticked for a company that no longer is the one asked for
        if matches.more:
            self.company_error = str(
                _l("Fler än %(num)d företag matchar. Skriv mer av namnet.", num=services.COMPANY_MATCH_LIMIT)
            )
        elif matches.companies:
            self.company_error = str(_l("Flera företag matchar. Välj ett av dem."))
        else:
            self.company_error = str(_l("Inget företag matchar ”%(text)s”. Prova en annan stavning.", text=text))
        return None

    def show_company_error(self) -> None:
        if self.company_error:
            self.company_query.errors = [*self.company_query.errors, self.company_error]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.chosen_company is None:
            self.show_company_error()
            return False
        return valid


class LogFilterForm(FlaskForm):
    """A GET form: the filters travel in the URL, so a filtered log can be bookmarked."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Typ av kontakt"),
        choices=lambda: [SelectChoice("", _l("Alla")), *kind_choices()],
        validators=[Optional()],
    )
    mine = BooleanField(_l("Bara mina (skrivna av mig eller där jag deltog)"))
    drafts = BooleanField(_l("Bara utkast"))

    @property
    def chosen_kind(self) -> InteractionKind | None:
        return InteractionKind(self.kind.data) if self.kind.data else None


def _id_or_none(value) -> int | None:
    """A chosen id, or None for the "Välj …" placeholder."""
    return None if value in ("", None) else int(value)


class ReassignForm(FlaskForm):
    """An admin gives a draft to another author."""

    author = SelectField(
        _l("Ny ansvarig för utkastet"),
        coerce=_id_or_none,
        validators=[InputRequired(_l("Välj vem som ska ta över utkastet."))],
        invalid_value_message=_l("Välj vem som ska ta över utkastet."),
        invalid_choice_message=_l("Välj en av personerna i listan."),
    )
    submit = SubmitField(_l("Flytta utkastet"))

    def __init__(self, *args, candidates: Iterable[User] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.author.choices = [
            SelectChoice("", _l("Välj person")),
            *(SelectChoice(str(user.id), user.name) for user in candidates),
        ]
