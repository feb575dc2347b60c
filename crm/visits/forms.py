"""Visit forms: the visit itself, its protocol, cancelling, a participant's note and the list filters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.auth.models import Role, User
from crm.companies.models import ContactPerson, Topic
from crm.formfields import DayField, MultiCheckboxField, NoteArea, TimeBox
from crm.timeutil import NonexistentLocalTime, local
from crm.visits import queries, services
from crm.visits.models import Visit, VisitKind, VisitStatus

TEXT_MAX = 10_000


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, kind.label) for kind in VisitKind]


def _choices(rows: Iterable, label=lambda row: row.name) -> list[SelectChoice]:
    return [SelectChoice(str(row.id), label(row)) for row in rows]


def _text(label, description=None, rows: int = 4, max_length: int = TEXT_MAX) -> NoteArea:
    return NoteArea(
        label,
        validators=[Length(max=max_length, message=_l("Högst %(max)d tecken."))],
        description=description,
        render_kw={"rows": rows},
    )


class VisitForm(FlaskForm):
    """A proposed or booked visit. Times are optional for a proposal, required once booked."""

    kind = RadioField(
        _l("Typ av besök"),
        choices=kind_choices,
        default=VisitKind.POLITICIAN.value,
        invalid_choice_message=_l("Välj en av typerna i listan."),
    )
    day = DayField(
        _l("Datum"),
        validators=[Optional()],
        invalid_value_message=_l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-22."),
    )
    start_time = TimeBox(
        _l("Starttid"), validators=[Optional()], format="%H:%M",
        invalid_value_message=_l("Skriv tiden som TT:MM, till exempel 09:00."),
    )
    end_time = TimeBox(
        _l("Sluttid"), validators=[Optional()], format="%H:%M",
        invalid_value_message=_l("Skriv tiden som TT:MM, till exempel 10:30."),
    )
    place = StringField(
        _l("Plats"),
        validators=[Length(max=300, message=_l("Högst %(max)d tecken."))],
        description=_l("Till exempel företagets besöksadress."),
    )
    politicians = MultiCheckboxField(
        _l("Förtroendevalda"),
        coerce=int,
        description=_l("Normalt besöker en förtroendevald och en tjänsteperson företaget tillsammans."),
        invalid_value_message=_l("Välj bland de förtroendevalda i listan."),
        invalid_choice_message=_l("Välj bara förtroendevalda i listan."),
    )
    officials = MultiCheckboxField(
        _l("Tjänstepersoner"),
        coerce=int,
        invalid_value_message=_l("Välj bland tjänstepersonerna i listan."),
        invalid_choice_message=_l("Välj bara tjänstepersoner i listan."),
    )
    contacts = MultiCheckboxField(
        _l("Deltagare från företaget"),
        coerce=int,
        invalid_value_message=_l("Välj bland kontaktpersonerna i listan."),
        invalid_choice_message=_l("Välj bara kontaktpersoner som hör till företaget."),
    )
    purpose = _text(_l("Syfte"), _l("Varför besöker vi företaget, och vad vill vi veta?"))
    topics = MultiCheckboxField(
        _l("Ämnen"),
        coerce=int,
        invalid_value_message=_l("Välj bland ämnena i listan."),
        invalid_choice_message=_l("Välj bara ämnen i listan."),
    )
    year = IntegerField(
        _l("Räknas till år"),
        validators=[Optional(), NumberRange(min=2000, max=2100, message=_l("Skriv ett år, till exempel 2026."))],
        description=_l("Lämna tomt så räknas besöket till året då det äger rum."),
        render_kw={"inputmode": "numeric"},
    )
    counts_towards_target = BooleanField(_l("Räknas mot årets besöksmål"), default=True)
    override = BooleanField(_l("Boka ändå"), description=_l("Spara tiden trots att någon redan är upptagen då."))
    save = SubmitField(_l("Spara"))
    save_and_book = SubmitField(_l("Spara och boka"))

    def __init__(
        self,
        *args,
        booked: bool = False,
        politicians: Iterable[User] = (),
        officials: Iterable[User] = (),
        contacts: Iterable[ContactPerson] = (),
        topics: Iterable[Topic] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.booked = booked
        self.politicians.choices = _choices(politicians)
        self.officials.choices = _choices(officials)
        self.contacts.choices = _choices(contacts)
        self.topics.choices = _choices(topics)
        self.starts_at: datetime | None = None
        self.ends_at: datetime | None = None

    @property
    def booking(self) -> bool:
        """Asked to book as well: only a proposal can be booked from the form."""
        return not self.booked and bool(self.save_and_book.data)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._validate_times() and valid

    def _validate_times(self) -> bool:
        """Date, start and end together (required once booked), each a real Stockholm time, end after start."""
        boxes = (self.day, self.start_time, self.end_time)
        if any(box.errors for box in boxes):
            return False
        given = [box.data is not None for box in boxes]
        if not any(given) and not (self.booked or self.booking):
            return True
        missing = [box for box, present in zip(boxes, given, strict=True) if not present]
        for box in missing:
            box.errors.append(_missing_message(box.name, self.booked or self.booking))
        if missing:
            return False
        self.starts_at = _utc_or_error(self.start_time, self.day.data)
        self.ends_at = _utc_or_error(self.end_time, self.day.data)
        if self.starts_at is None or self.ends_at is None:
            return False
        if self.ends_at <= self.starts_at:
            self.end_time.errors.append(str(services.EndNotAfterStart.message))
            return False
        return True

    def to_data(self) -> services.VisitData:
        return services.VisitData(
            kind=VisitKind(self.kind.data),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            year=self.year.data,
            **{name: _plain_value(self[name].data, name) for name in services.VisitData.PLAIN},
            participant_ids=[*(self.politicians.data or []), *(self.officials.data or [])],
            contact_ids=self.contacts.data or [],
            topic_ids=self.topics.data or [],
        )

    @staticmethod
    def initial_data(visit: Visit) -> dict:
        start = local(visit.starts_at) if visit.starts_at else None
        end = local(visit.ends_at) if visit.ends_at else None
        return {
            "kind": visit.kind.value,
            "day": start.date() if start else None,
            "start_time": start.time() if start else None,
            "end_time": end.time() if end else None,
            **{name: _plain_value(getattr(visit, name), name) for name in services.VisitData.PLAIN},
            "politicians": [user.id for user in visit.participants if user.role == Role.POLITICIAN],
            "officials": [user.id for user in visit.participants if user.role != Role.POLITICIAN],
            "contacts": [contact.id for contact in visit.contacts],
            "topics": [topic.id for topic in visit.topics],
            "year": visit.year,
        }


_PLAIN_DEFAULTS = {field.name: field.default for field in fields(services.VisitData)}


def _plain_value(value, name: str):
    """A plain field (VisitData.PLAIN) between the form and the data: text never None, a checkbox a bool."""
    default = _PLAIN_DEFAULTS[name]
    if isinstance(default, bool):
        return bool(value)
    return value or default


def _missing_message(name: str, booking: bool) -> str:
    messages = {
        "day": _l("Fyll i datumet."),
        "start_time": _l("Fyll i starttiden."),
        "end_time": _l("Fyll i sluttiden."),
    }
    if booking:
        return str(_l("Ett bokat besök behöver datum, starttid och sluttid.")) + " " + str(messages[name])
    return str(messages[name])


def _utc_or_error(box: TimeBox, day: date) -> datetime | None:
    """The wall-clock time in Stockholm as UTC, or None with a message on the box (the spring-forward gap)."""
    try:
        return box.on(day)  # asks which one in the repeated autumn hour
    except NonexistentLocalTime:
        box.errors.append(
            str(
                _l(
                    "Klockan %(time)s finns inte den %(date)s: då ställs klockan fram en timme till sommartid. "
                    "Välj en annan tid.",
                    time=box.data.strftime("%H:%M"),
                    date=format_date(day, "d MMMM y"),
                )
            )
        )
        return None


class ProtocolForm(FlaskForm):
    """The protocol of a done visit: what the company raised and how it wants feedback."""

    summary = _text(_l("Sammanfattning"), rows=6)
    satisfied_with = _text(_l("Det här är företaget nöjt med"))
    less_satisfied_with = _text(_l("Det här är företaget mindre nöjt med"))
    feedback_preference = StringField(
        _l("Så vill företaget få återkoppling"),
        validators=[Length(max=300, message=_l("Högst %(max)d tecken."))],
        description=_l("Till exempel e-post till VD inom två veckor, eller ett nytt besök."),
    )
    topics = MultiCheckboxField(
        _l("Ämnen"),
        coerce=int,
        invalid_value_message=_l("Välj bland ämnena i listan."),
        invalid_choice_message=_l("Välj bara ämnen i listan."),
    )
    save = SubmitField(_l("Spara protokollet"))

    def __init__(self, *args, topics: Iterable[Topic] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.topics.choices = _choices(topics)

    def to_data(self) -> services.ProtocolData:
        return services.ProtocolData(
            summary=self.summary.data or "",
            satisfied_with=self.satisfied_with.data or "",
            less_satisfied_with=self.less_satisfied_with.data or "",
            feedback_preference=self.feedback_preference.data or "",
            topic_ids=self.topics.data or [],
        )

    @staticmethod
    def initial_data(visit: Visit) -> dict:
        return {
            "summary": visit.summary,
            "satisfied_with": visit.satisfied_with,
            "less_satisfied_with": visit.less_satisfied_with,
            "feedback_preference": visit.feedback_preference,
            "topics": [topic.id for topic in visit.topics],
        }


class BookForm(FlaskForm):
    """Booking from the visit page; `override` books although a participant is busy then."""

    override = BooleanField(_l("Boka ändå"))
    submit = SubmitField(_l("Boka ändå"))


class SignUpForm(FlaskForm):
    """Signing up from the visit page; `override` signs up although the politician is busy then."""

    override = BooleanField(_l("Anmäl mig ändå"))
    submit = SubmitField(_l("Anmäl mig ändå"))


class CancelForm(FlaskForm):
    reason = NoteArea(
        _l("Varför ställs besöket in?"),
        validators=[
            DataRequired(str(services.ReasonRequired.message)),
            Length(max=500, message=_l("Högst %(max)d tecken.")),
        ],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Ställ in besöket"))


class NoteForm(FlaskForm):
    text = NoteArea(
        _l("Din anteckning"),
        validators=[
            DataRequired(str(services.EmptyNote.message)),
            Length(max=services.NOTE_MAX_LENGTH, message=_l("Högst %(max)d tecken.")),
        ],
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Spara anteckningen"))


class VisitFilterForm(FlaskForm):
    """A GET form: the filters travel in the URL."""

    class Meta:
        csrf = False

    ALL = "alla"

    year = SelectField(_l("År"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    kind = SelectField(
        _l("Typ av besök"), choices=lambda: [SelectChoice("", _l("Alla")), *kind_choices()], validators=[Optional()]
    )
    mine = BooleanField(_l("Bara mina besök"))

    def __init__(self, *args, years: Iterable[int] = (), statuses: Iterable[VisitStatus] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.year.choices = [SelectChoice("", _l("Alla år")), *(SelectChoice(str(y)) for y in years)]
        self.status.choices = [
            SelectChoice("", _l("Aktuella (bokade och föreslagna)")),
            SelectChoice(self.ALL, _l("Alla")),
            *(SelectChoice(status.value, status.label) for status in statuses),
        ]

    def to_filters(self) -> queries.VisitFilters:
        status = self.status.data or ""
        return queries.VisitFilters(
            year=int(self.year.data) if self.year.data else None,
            status=VisitStatus(status) if status not in ("", self.ALL) else None,
            all_statuses=status == self.ALL,
            kind=VisitKind(self.kind.data) if self.kind.data else None,
            mine=bool(self.mine.data),
        )
