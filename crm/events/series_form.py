"""The form of an event series: the rule gives the dates, the preview lists them with holidays unticked."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from crm.events import services
from crm.events.forms import EventFields, day_field, gap_message, time_field
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
from crm.formfields import MultiCheckboxField
from crm.timeutil import NonexistentLocalTime, local, stockholm_to_utc

ORDINAL_LABELS = {1: _l("Första"), 2: _l("Andra"), 3: _l("Tredje"), 4: _l("Fjärde"), -1: _l("Sista")}


class SeriesForm(EventFields):
    """A series: the rule gives the dates; the preview shows them before one POST creates them all."""

    frequency = RadioField(
        _l("Hur ofta"),
        choices=lambda: [SelectChoice(frequency.value, frequency.label) for frequency in Frequency],
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
    first_day = day_field(_l("Seriens första dag"), description=_l("Serien börjar tidigast denna dag."))
    last_day = day_field(_l("Seriens sista dag"), description=_l("Serien slutar senast denna dag."))
    start_time = time_field(_l("Starttid"), message=_l("Fyll i starttiden."))
    end_time = time_field(_l("Sluttid"), message=_l("Fyll i sluttiden."))
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
    deadline_time = time_field(_l("Klockslag för sista anmälan"), required=False)
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
        first_start = (self.chosen_times or self.times)[0][0]
        day = local(first_start).date() - timedelta(days=self.deadline_days.data)
        return self._deadline_on(day, first_start, refused_on=self.deadline_time)

    def to_data(self) -> services.EventData:
        start, end = self.chosen_times[0]
        return services.EventData(starts_at=start, ends_at=end, registration_deadline=self.deadline,
                                  **self._common())
