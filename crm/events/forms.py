"""Event forms: one event, a series with its rule, moving and cancelling, the list filters and walk-ins.

Dates and times are Stockholm wall-clock values; a time in the spring-forward hour is refused next to
the field it was typed in, as are an end before the start and a deadline after the start.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
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
from crm.events.series import (
    Frequency,
    SeriesRule,
    SeriesRuleError,
    dates,
    month_names,
    occurrences,
    public_holidays,
    weekday_names,
)
from crm.formfields import DayField, MultiCheckboxField, TimeBox
from crm.networks.models import Network
from crm.timeutil import NonexistentLocalTime, local, stockholm_to_utc

TEXT_MAX = 10_000
DATE_FORMAT_MESSAGE = _l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-12-04.")
TIME_FORMAT_MESSAGE = _l("Skriv tiden som TT:MM, till exempel 07:30.")
ORDINAL_LABELS = {1: _l("Första"), 2: _l("Andra"), 3: _l("Tredje"), 4: _l("Fjärde"), -1: _l("Sista")}


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, services.kind_label(kind)) for kind in EventKind]


def network_choices(networks: Iterable[Network], empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty), *(SelectChoice(str(network.id), network.name) for network in networks)]


def _day(label, required: bool = True, description=None) -> DayField:
    validators = [InputRequired(_l("Fyll i datumet."))] if required else [Optional()]
    return DayField(label, validators=validators, description=description,
                    invalid_value_message=DATE_FORMAT_MESSAGE)


def _time(label, required: bool = True, message=None) -> TimeBox:
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
        return stockholm_to_utc(datetime.combine(day, box.data))
    except NonexistentLocalTime:
        box.errors.append(gap_message(box.data, day))
        return None


class _EventFields(FlaskForm):
    """What one event and a series have in common."""

    title = StringField(
        _l("Rubrik"),
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
                        description=_l("Till exempel Stadshuset, Stora salen."))
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


class EventForm(_EventFields):
    day = _day(_l("Datum"))
    start_time = _time(_l("Starttid"), message=_l("Fyll i starttiden."))
    end_time = _time(_l("Sluttid"), message=_l("Fyll i sluttiden."))
    deadline_day = _day(_l("Sista anmälningsdag"), required=False,
                        description=_l("Valfritt. Efter den kan inbjudna inte längre svara via länken."))
    deadline_time = _time(_l("Klockslag för sista anmälan"), required=False)
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
        if self.deadline_time.data is None:
            self.deadline_time.errors.append(str(_l("Fyll i klockslaget för sista anmälan.")))
            return False
        self.deadline = utc_or_error(self.deadline_time, self.deadline_day.data)
        if self.deadline is None:
            return False
        if self.starts_at is not None and self.deadline > self.starts_at:
            self.deadline_day.errors.append(str(services.DeadlineAfterStart.message))
            return False
        return True

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


class SeriesForm(_EventFields):
    """A series: the rule gives the dates; the preview shows them before one POST creates them all."""

    frequency = RadioField(
        _l("Hur ofta"),
        choices=[SelectChoice(Frequency.MONTHLY.value, _l("En gång i månaden")),
                 SelectChoice(Frequency.WEEKLY.value, _l("Varje eller varannan vecka"))],
        default=Frequency.MONTHLY.value,
        invalid_choice_message=_l("Välj hur ofta träffarna ska vara."),
    )
    ordinal = SelectField(
        _l("Vilken i månaden"),
        choices=[SelectChoice(str(key), label) for key, label in ORDINAL_LABELS.items()],
        default="1",
        description=_l("Gäller träffar en gång i månaden: till exempel första fredagen."),
    )
    weekday = SelectField(_l("Veckodag"), default="4", choices=[])  # Babel's names, set per request
    interval = IntegerField(
        _l("Antal veckor mellan träffarna"), default=1,
        validators=[Optional(), NumberRange(min=1, max=8, message=_l("Skriv ett tal mellan 1 och 8."))],
        description=_l("Gäller träffar varje eller varannan vecka: 1 = varje vecka, 2 = varannan."),
        render_kw={"inputmode": "numeric"},
    )
    first_day = _day(_l("Seriens första dag"), description=_l("Serien börjar tidigast denna dag."))
    last_day = _day(_l("Seriens sista dag"), description=_l("Serien slutar senast denna dag."))
    start_time = _time(_l("Starttid"), message=_l("Fyll i starttiden."))
    end_time = _time(_l("Sluttid"), message=_l("Fyll i sluttiden."))
    skip_months = MultiCheckboxField(
        _l("Hoppa över månader"),
        choices=[],
        description=_l("Till exempel juni, juli och augusti för ett sommaruppehåll."),
        invalid_choice_message=_l("Välj bara månader i listan."),
    )
    deadline_days = IntegerField(
        _l("Sista anmälningsdag: antal dagar före"),
        validators=[Optional(), NumberRange(min=0, max=60, message=_l("Skriv ett tal mellan 0 och 60."))],
        description=_l("Valfritt. 0 betyder samma dag som träffen, 2 två dagar före."),
        render_kw={"inputmode": "numeric"},
    )
    deadline_time = _time(_l("Klockslag för sista anmälan"), required=False)
    shown_dates = HiddenField()
    # The preview's dates as checkboxes: only the ticked ones are created; holidays start unticked.
    days = MultiCheckboxField(_l("Datum som skapas"), choices=[], validate_choice=False)
    override = BooleanField(_l("Skapa ändå"),
                            description=_l("Skapa träffarna även de dagar då du redan har något vid samma tid."))
    preview = SubmitField(_l("Visa datumen"))
    create = SubmitField(_l("Skapa träffarna"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = [SelectChoice(str(n), name.capitalize()) for n, name in enumerate(weekday_names())]
        self.skip_months.choices = [
            SelectChoice(str(n), name.capitalize()) for n, name in enumerate(month_names(), start=1)
        ]
        self.times: list[tuple[datetime, datetime]] = []
        self.holidays: dict[date, str] = {}
        self.rule: SeriesRule | None = None
        self.deadline: datetime | None = None

    @property
    def chosen_times(self) -> list[tuple[datetime, datetime]]:
        """The rule's events whose dates are ticked."""
        ticked = set(self.days.data or ())
        return [(start, end) for start, end in self.times if local(start).date().isoformat() in ticked]

    @property
    def preview_rows(self) -> list[tuple[datetime, datetime, str, str]]:
        """Start, end, the date as ticked (ISO) and the holiday's name or '' for each event of the rule."""
        rows = []
        for start, end in self.times:
            day = local(start).date()
            rows.append((start, end, day.isoformat(), self.holidays.get(day, "")))
        return rows

    def _tick_days(self) -> None:
        """Tick every date but the holidays, unless these same dates were shown and ticked already."""
        self.holidays = public_holidays(self.rule.first_day, self.rule.last_day)
        shown = [local(start).date() for start, _ in self.times]
        self.days.choices = [SelectChoice(day.isoformat(), day.isoformat()) for day in shown]
        if self.shown_dates.data != self.fingerprint:
            self.days.data = [day.isoformat() for day in shown if day not in self.holidays]

    @property
    def fingerprint(self) -> str:
        """The dates as shown in the preview: creating needs the same dates as were seen."""
        return ",".join(local(start).strftime("%Y-%m-%dT%H:%M") for start, _ in self.times)

    @property
    def confirmed(self) -> bool:
        return bool(self.create.data) and self.shown_dates.data == self.fingerprint

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._validate_rule() and valid

    def _validate_rule(self) -> bool:
        boxes = (self.first_day, self.last_day, self.start_time, self.end_time)
        if any(box.errors for box in boxes) or any(box.data is None for box in boxes):
            return False
        if self.frequency.errors or self.interval.errors or self.skip_months.errors:
            return False
        if self.last_day.data < self.first_day.data:
            self.last_day.errors.append(str(_l("Sista dag kan inte vara före första dag.")))
            return False
        if self.end_time.data <= self.start_time.data:
            self.end_time.errors.append(str(services.EndBeforeStart.message))
            return False
        self.rule = SeriesRule(
            frequency=Frequency(self.frequency.data), weekday=int(self.weekday.data),
            first_day=self.first_day.data, last_day=self.last_day.data,
            start_time=self.start_time.data, end_time=self.end_time.data,
            ordinal=int(self.ordinal.data), interval=self.interval.data or 1,
            skip_months=frozenset(int(month) for month in self.skip_months.data or ()),
        )
        for day in dates(self.rule):
            for box in (self.start_time, self.end_time):
                try:
                    stockholm_to_utc(datetime.combine(day, box.data))
                except NonexistentLocalTime:
                    box.errors.append(gap_message(box.data, day))
                    return False
        try:
            self.times = occurrences(self.rule)
        except SeriesRuleError as error:
            self.frequency.errors = [*self.frequency.errors, error.message]
            return False
        self._tick_days()
        if self.confirmed and not self.chosen_times:
            self.days.errors = [str(_l("Välj minst ett datum att skapa."))]
            return False
        return self._validate_deadline()

    def _validate_deadline(self) -> bool:
        if self.deadline_days.errors or self.deadline_time.errors:
            return False
        if self.deadline_days.data is None:
            if self.deadline_time.data is not None:
                self.deadline_days.errors.append(str(_l("Fyll i hur många dagar före träffen.")))
                return False
            return True
        if self.deadline_time.data is None:
            self.deadline_time.errors.append(str(_l("Fyll i klockslaget för sista anmälan.")))
            return False
        first_start = (self.chosen_times or self.times)[0][0]
        day = local(first_start).date() - timedelta(days=self.deadline_days.data)
        self.deadline = utc_or_error(self.deadline_time, day)
        if self.deadline is None:
            return False
        if self.deadline > first_start:
            self.deadline_time.errors.append(str(services.DeadlineAfterStart.message))
            return False
        return True

    def to_data(self) -> services.EventData:
        start, end = self.chosen_times[0]
        return services.EventData(starts_at=start, ends_at=end, registration_deadline=self.deadline,
                                  **self._common())


class MoveForm(FlaskForm):
    """Move one event: another day or time, and the place."""

    day = _day(_l("Nytt datum"))
    start_time = _time(_l("Ny starttid"), message=_l("Fyll i starttiden."))
    end_time = _time(_l("Ny sluttid"), message=_l("Fyll i sluttiden."))
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

    start_time = _time(_l("Ny starttid"), message=_l("Fyll i starttiden."))
    end_time = _time(_l("Ny sluttid"), message=_l("Fyll i sluttiden."))
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
                       render_kw={"autocomplete": "off"})
    email = EmailField(
        _l("E-postadress"),
        validators=[Optional(), Email(_l("Skriv en giltig e-postadress, till exempel namn@foretaget.se."),
                                      check_deliverability=False), Length(max=254)],
        description=_l("Valfritt. Finns adressen redan i registret används den kontaktpersonen."),
        render_kw={"autocomplete": "off"},
    )
    company = StringField(
        _l("Företag"), validators=[Length(max=200, message=_l("Högst %(max)d tecken."))],
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
                         *(SelectChoice(s.value, services.status_label(s).capitalize()) for s in EventStatus)],
    )

    def __init__(self, *args, networks: Iterable[Network] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.network.choices = network_choices(networks, str(_l("Alla")))
