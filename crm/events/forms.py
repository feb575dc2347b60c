"""Event forms: one event, moving and cancelling, the list filters and walk-ins (a series: series_form.py).

Dates and times are Stockholm wall-clock values; a time in the spring-forward hour is refused next to
the field it was typed in, as are an end before the start and a deadline after the start.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, Regexp

from crm.events import services
from crm.events.models import Event, EventKind, EventStatus
from crm.formfields import DayField, MultiCheckboxField, TimeBox, single_line_text
from crm.networks.models import Network
from crm.timeutil import NonexistentLocalTime, local, stockholm_to_utc

TEXT_MAX = 10_000
DATE_FORMAT_MESSAGE = _l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-12-04.")
TIME_FORMAT_MESSAGE = _l("Skriv tiden som TT:MM, till exempel 07:30.")


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, kind.label) for kind in EventKind]


def network_choices(networks: Iterable[Network], empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty), *(SelectChoice(str(network.id), network.name) for network in networks)]


def day_field(label, required: bool = True, description=None) -> DayField:
    validators = [InputRequired(_l("Fyll i datumet."))] if required else [Optional()]
    return DayField(label, validators=validators, description=description,
                    invalid_value_message=DATE_FORMAT_MESSAGE)


def time_field(label, required: bool = True, message=None) -> TimeBox:
    validators = [InputRequired(message or _l("Fyll i tiden."))] if required else [Optional()]
    return TimeBox(label, validators=validators, format="%H:%M", invalid_value_message=TIME_FORMAT_MESSAGE)


def gap_message(at: time, day: date) -> str:
    return str(_l(
        "Klockan %(time)s finns inte den %(date)s: då ställs klockan fram en timme till sommartid. "
        "Välj en annan tid.",
        time=at.strftime("%H:%M"), date=format_date(day, "d MMMM y"),
    ))


def utc_or_error(box: TimeBox, day: date) -> datetime | None:
    """The wall-clock time in Stockholm as UTC, or None with a message on the box (the spring-forward gap)."""
    try:
        return box.on(day)  # asks which one in the repeated autumn hour
    except NonexistentLocalTime:
        box.errors.append(gap_message(box.data, day))
        return None


class EventFields(FlaskForm):
    """What one event and a series have in common."""

    title = StringField(
        _l("Rubrik"), filters=[single_line_text],
        validators=[InputRequired(_l("Fyll i en rubrik.")), Length(max=200, message=_l("Högst %(max)d tecken."))],
        description=_l("Till exempel Frukostmöte: Kompetensförsörjning i industrin."),
    )
    kind = RadioField(
        _l("Typ av träff"), choices=kind_choices, default=EventKind.BREAKFAST.value,
        invalid_choice_message=_l("Välj en av typerna i listan."),
    )
    network_id = SelectField(
        _l("Nätverk"), validators=[Optional()],
        description=_l("Valfritt. Träffen visas då hos nätverket och dess medlemmar kan bjudas in direkt."),
        validate_choice=True,
    )
    place = StringField(_l("Plats"), validators=[Length(max=300, message=_l("Högst %(max)d tecken."))],
                        filters=[single_line_text], description=_l("Till exempel Stadshuset, Stora salen."))
    link = StringField(
        _l("Länk till digitalt möte"),
        validators=[Optional(), Length(max=500, message=_l("Högst %(max)d tecken.")),
                    Regexp(r"^https?://\S+$", message=_l("Skriv en hel webbadress som börjar med https://."))],
        description=_l("Valfritt. Lämna tomt om träffen bara är på plats."),
        render_kw={"inputmode": "url"},
    )
    description = TextAreaField(
        _l("Beskrivning"), validators=[Length(max=TEXT_MAX, message=_l("Högst %(max)d tecken."))],
        description=_l("Program och vem träffen vänder sig till. Står med i inbjudan."), render_kw={"rows": 5},
    )
    capacity = IntegerField(
        _l("Antal platser"),
        validators=[Optional(), NumberRange(min=1, max=10_000, message=_l("Skriv ett antal mellan 1 och 10000."))],
        description=_l("Lämna tomt om antalet inte är begränsat. När platserna är slut hamnar nya ja-svar i kö."),
        render_kw={"inputmode": "numeric"},
    )
    asks_dietary = BooleanField(
        _l("Fråga efter specialkost"),
        description=_l("Svaren visas bara som antal per kost, aldrig vem som svarat, och raderas efter träffen."),
    )

    def __init__(self, *args, networks: Iterable[Network] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.network_id.choices = network_choices(networks, str(_l("Inget nätverk")))

    def _common(self) -> dict:
        return {
            "title": self.title.data or "",
            "kind": EventKind(self.kind.data),
            "network_id": int(self.network_id.data) if self.network_id.data else None,
            "place": self.place.data or "",
            "link": self.link.data or "",
            "description": self.description.data or "",
            "capacity": self.capacity.data,
            "asks_dietary": bool(self.asks_dietary.data),
        }

    def _deadline_on(self, day: date, starts_at: datetime | None, refused_on) -> bool:
        """Set `deadline` from the deadline time on `day`; False with a message if it is missing, falls in the
        spring-forward gap or comes after `starts_at` (that message on `refused_on`)."""
        if self.deadline_time.data is None:
            self.deadline_time.errors.append(str(_l("Fyll i klockslaget för sista anmälan.")))
            return False
        self.deadline = utc_or_error(self.deadline_time, day)
        if self.deadline is None:
            return False
        if starts_at is not None and self.deadline > starts_at:
            refused_on.errors.append(str(services.DeadlineAfterStart.message))
            return False
        return True


class EventForm(EventFields):
    day = day_field(_l("Datum"))
    start_time = time_field(_l("Starttid"), message=_l("Fyll i starttiden."))
    end_time = time_field(_l("Sluttid"), message=_l("Fyll i sluttiden."))
    deadline_day = day_field(_l("Sista anmälningsdag"), required=False,
                        description=_l("Valfritt. Efter den kan inbjudna inte längre svara via länken."))
    deadline_time = time_field(_l("Klockslag för sista anmälan"), required=False)
    override = BooleanField(_l("Spara ändå"), description=_l("Spara tiden trots att du redan är upptagen då."))
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.starts_at: datetime | None = None
        self.ends_at: datetime | None = None
        self.deadline: datetime | None = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._validate_times() and valid

    def _validate_times(self) -> bool:
        if self.day.errors or self.start_time.errors or self.end_time.errors:
            return False
        if self.day.data is None or self.start_time.data is None or self.end_time.data is None:
            return False
        self.starts_at = utc_or_error(self.start_time, self.day.data)
        self.ends_at = utc_or_error(self.end_time, self.day.data)
        if self.starts_at is None or self.ends_at is None:
            return False
        if self.ends_at <= self.starts_at:
            self.end_time.errors.append(str(services.EndBeforeStart.message))
            return False
        return self._validate_deadline()

    def _validate_deadline(self) -> bool:
        if self.deadline_day.errors or self.deadline_time.errors:
            return False
        if self.deadline_day.data is None:
            self.deadline = None
            return True
        return self._deadline_on(self.deadline_day.data, self.starts_at, refused_on=self.deadline_day)

    def to_data(self) -> services.EventData:
        return services.EventData(starts_at=self.starts_at, ends_at=self.ends_at,
                                  registration_deadline=self.deadline, **self._common())

    @staticmethod
    def initial_data(event: Event) -> dict:
        start, end = local(event.starts_at), local(event.ends_at)
        deadline = local(event.registration_deadline) if event.registration_deadline else None
        return {
            "title": event.title, "kind": event.kind.value,
            "network_id": str(event.network_id) if event.network_id else "",
            "day": start.date(), "start_time": start.time(), "end_time": end.time(),
            "place": event.place, "link": event.link, "description": event.description,
            "capacity": event.capacity, "asks_dietary": event.asks_dietary,
            "deadline_day": deadline.date() if deadline else None,
            "deadline_time": deadline.time() if deadline else None,
        }


class MoveForm(FlaskForm):
    """Move one event: another day or time, and the place."""

    day = day_field(_l("Nytt datum"))
    start_time = time_field(_l("Ny starttid"), message=_l("Fyll i starttiden."))
    end_time = time_field(_l("Ny sluttid"), message=_l("Fyll i sluttiden."))
    place = StringField(_l("Plats"), validators=[Length(max=300, message=_l("Högst %(max)d tecken."))])
    override = BooleanField(_l("Spara ändå"), description=_l("Spara tiden trots att du redan är upptagen då."))
    submit = SubmitField(_l("Flytta träffen"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid:
            return False
        starts_at = utc_or_error(self.start_time, self.day.data)
        ends_at = utc_or_error(self.end_time, self.day.data)
        if starts_at is None or ends_at is None:
            return False
        if ends_at <= starts_at:
            self.end_time.errors.append(str(services.EndBeforeStart.message))
            return False
        return True

    @staticmethod
    def initial_data(event: Event) -> dict:
        start, end = local(event.starts_at), local(event.ends_at)
        return {"day": start.date(), "start_time": start.time(), "end_time": end.time(), "place": event.place}


class MoveSeriesForm(FlaskForm):
    """New times (and place) for this and every later event of the series; the days stay."""

    start_time = time_field(_l("Ny starttid"), message=_l("Fyll i starttiden."))
    end_time = time_field(_l("Ny sluttid"), message=_l("Fyll i sluttiden."))
    place = StringField(_l("Plats"), validators=[Length(max=300, message=_l("Högst %(max)d tecken."))])
    override = BooleanField(_l("Spara ändå"), description=_l("Spara tiden trots att du redan är upptagen då."))
    submit = SubmitField(_l("Flytta träffarna"))

    def __init__(self, *args, days: Iterable[date] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.days = list(days)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid:
            return False
        if self.end_time.data <= self.start_time.data:
            self.end_time.errors.append(str(services.EndBeforeStart.message))
            return False
        for day in self.days:
            for box in (self.start_time, self.end_time):
                try:
                    stockholm_to_utc(datetime.combine(day, box.data))
                except NonexistentLocalTime:
                    box.errors.append(gap_message(box.data, day))
                    return False
        return True


class ConfirmForm(FlaskForm):
    """A confirm step: only the CSRF token and the button."""

    submit = SubmitField(_l("Bekräfta"))


class InviteForm(FlaskForm):
    """Step 2 of inviting: the contacts the preview offered, each ticked by default."""

    contacts = MultiCheckboxField(
        _l("Får inbjudan"), coerce=int,
        invalid_value_message=_l("Välj bland kontaktpersonerna i listan."),
        invalid_choice_message=_l("Välj bara kontaktpersoner i listan."),
    )
    submit = SubmitField(_l("Skicka inbjudningarna"))


class WalkInForm(FlaskForm):
    """Someone who came without an invitation."""

    name = StringField(_l("Namn"), validators=[InputRequired(_l("Fyll i namnet.")),
                                               Length(max=200, message=_l("Högst %(max)d tecken."))],
                       filters=[single_line_text], render_kw={"autocomplete": "off"})
    email = EmailField(
        _l("E-postadress"), filters=[single_line_text],
        validators=[Optional(), Email(_l("Skriv en giltig e-postadress, till exempel namn@foretaget.se."),
                                      check_deliverability=False), Length(max=254)],
        description=_l("Valfritt. Finns adressen redan i registret används den kontaktpersonen."),
        render_kw={"autocomplete": "off"},
    )
    company = StringField(
        _l("Företag"), validators=[Length(max=200, message=_l("Högst %(max)d tecken."))], filters=[single_line_text],
        description=_l("Valfritt. Företagets namn som det står i registret, eller organisationsnumret."),
        render_kw={"autocomplete": "off"},
    )
    submit = SubmitField(_l("Lägg till som närvarande"))


class EventFilterForm(FlaskForm):
    """The list's filters travel in the URL."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Typ av träff"), choices=lambda: [SelectChoice("", _l("Alla")), *kind_choices()],
                       validators=[Optional()])
    network = SelectField(_l("Nätverk"), validators=[Optional()])
    status = SelectField(
        _l("Status"), validators=[Optional()],
        choices=lambda: [SelectChoice("", _l("Alla")),
                         *(SelectChoice(s.value, s.label.capitalize()) for s in EventStatus)],
    )

    def __init__(self, *args, networks: Iterable[Network] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.network.choices = network_choices(networks, str(_l("Alla")))
