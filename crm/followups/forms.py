"""Follow-up forms: raising and editing one, and the unit-wide list's filters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from crm.auth.models import User
from crm.companies.models import Topic
from crm.followups import services as followups
from crm.followups.models import FollowUp, FollowUpStatus
from crm.formfields import NoteArea

DESCRIPTION_MAX_LENGTH = 2000
DATE_MESSAGE = _l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-22.")
FEEDBACK_WAYS = (_l("telefon"), _l("e-post"), _l("möte"), _l("brev"), _l("besök"))


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(status.value, status.label) for status in FollowUpStatus]


def _user_choices(users: Iterable[User], empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [SelectChoice(str(user.id), user.name) for user in users]


def _topic_choices(topics: Iterable[Topic], empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [SelectChoice(str(topic.id), topic.name) for topic in topics]


def _id_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _raise_if(problem: followups.FollowUpError | None) -> None:
    if problem is not None:
        raise ValidationError(str(problem))


class FollowUpForm(FlaskForm):
    description = NoteArea(
        _l("Vad ska göras?"),
        validators=[
            DataRequired(_l("Beskriv vad som ska göras.")),
            Length(max=DESCRIPTION_MAX_LENGTH, message=_l("Högst %(max)d tecken.")),
        ],
        description=_l("Det företaget tog upp och vad kommunen ska göra."),
        render_kw={"rows": 4},
    )
    topic_id = SelectField(_l("Ämne"), invalid_choice_message=_l("Välj ett ämne i listan."))
    assignee_id = SelectField(
        _l("Ansvarig"),
        validators=[DataRequired(_l("Välj vem som ansvarar."))],
        invalid_choice_message=_l("Välj en handläggare i listan."),
    )
    due_date = DateField(_l("Sista dag"), validators=[Optional()], invalid_value_message=DATE_MESSAGE)
    status = RadioField(
        _l("Status"),
        choices=status_choices,
        default=FollowUpStatus.OPEN.value,
        invalid_choice_message=_l("Välj en status i listan."),
    )
    not_done_reason = NoteArea(
        _l("Varför blev den inte åtgärdad?"),
        validators=[Length(max=500, message=_l("Högst %(max)d tecken."))],
        description=_l("Krävs när status är Ej åtgärdad."),
        render_kw={"rows": 2},
    )
    feedback_on = DateField(
        _l("Datum för återkoppling"),
        validators=[Optional()],
        invalid_value_message=DATE_MESSAGE,
        description=_l("När företaget fick besked."),
    )
    feedback_how = StringField(
        _l("Hur företaget fick återkoppling"),
        validators=[Length(max=300, message=_l("Högst %(max)d tecken."))],
        description=_l("Till exempel telefon, e-post eller möte."),
        render_kw={"list": "feedback-ways", "autocomplete": "off"},
    )
    visible_to_politicians = BooleanField(
        _l("Synlig för förtroendevalda"),
        description=_l("De förtroendevalda som var med på besöket ser beskrivning, status och återkoppling."),
    )
    submit = SubmitField(_l("Spara"))

    def __init__(
        self,
        *args,
        today: date,
        previous_due: date | None = None,
        assignees: Iterable[User] = (),
        topics: Iterable[Topic] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self._today = today
        self._previous_due = previous_due
        self.assignee_id.choices = _user_choices(assignees, str(_l("Välj ansvarig")))
        self.topic_id.choices = _topic_choices(topics, str(_l("Inget ämne")))

    def validate_due_date(self, field: DateField) -> None:
        _raise_if(followups.due_date_problem(field.data, self._today, self._previous_due))

    def validate_not_done_reason(self, field: NoteArea) -> None:
        if self.status.data in {s.value for s in FollowUpStatus}:
            _raise_if(followups.reason_problem(FollowUpStatus(self.status.data), field.data))

    def validate_feedback_on(self, field: DateField) -> None:
        if field.data is not None and field.data > self._today:
            raise ValidationError(str(followups.FeedbackInFuture()))

    def validate_feedback_how(self, field: StringField) -> None:
        if self.feedback_on.data is None and not self.feedback_on.errors and (field.data or "").strip():
            raise ValidationError(str(followups.FeedbackDateMissing()))

    @staticmethod
    def initial_data(follow_up: FollowUp) -> dict:
        """The edit form's starting values."""
        return {
            "description": follow_up.description,
            "topic_id": str(follow_up.topic_id or ""),
            "assignee_id": str(follow_up.assignee_id or ""),
            "due_date": follow_up.due_date,
            "status": follow_up.status.value,
            "not_done_reason": follow_up.not_done_reason or "",
            "feedback_on": follow_up.feedback_on,
            "feedback_how": follow_up.feedback_how or "",
            "visible_to_politicians": follow_up.visible_to_politicians,
        }

    def to_data(self) -> followups.FollowUpData:
        return followups.FollowUpData(
            description=self.description.data or "",
            topic_id=_id_or_none(self.topic_id.data),
            assignee_id=_id_or_none(self.assignee_id.data),
            due_date=self.due_date.data,
            status=FollowUpStatus(self.status.data),
            not_done_reason=self.not_done_reason.data or "",
            feedback_on=self.feedback_on.data,
            feedback_how=self.feedback_how.data or "",
            visible_to_politicians=bool(self.visible_to_politicians.data),
        )


def _status_filter_choices() -> list[SelectChoice]:
    return [
        SelectChoice(followups.OPEN_FILTER, _l("Öppna och pågående")),
        SelectChoice(followups.ALL_FILTER, _l("Alla")),
        *status_choices(),
    ]


def _source_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("Alla"))] + [
        SelectChoice(kind.value, kind.label) for kind in followups.SourceKind
    ]


class FollowUpFilterForm(FlaskForm):
    """A GET form: the filters travel in the URL, so a filtered list can be bookmarked."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=_status_filter_choices, default=followups.OPEN_FILTER,
                         validators=[Optional()])
    assignee = SelectField(_l("Ansvarig"), validators=[Optional()])
    topic = SelectField(_l("Ämne"), validators=[Optional()])
    source = SelectField(_l("Uppkommen vid"), choices=_source_choices, validators=[Optional()])
    overdue = BooleanField(_l("Bara försenade"))
    without_feedback = BooleanField(_l("Bara utan återkoppling"))

    def __init__(self, *args, assignees: Iterable[User] = (), topics: Iterable[Topic] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.assignee.choices = _user_choices(assignees, str(_l("Alla")))
        self.topic.choices = _topic_choices(topics, str(_l("Alla")))

    def to_filters(self) -> followups.ListFilters:
        """The chosen filters; anything not valid falls back to its default."""
        valid = self.validate()
        if not valid:
            return followups.ListFilters()
        return followups.ListFilters(
            status=self.status.data or followups.OPEN_FILTER,
            assignee_id=_id_or_none(self.assignee.data),
            topic_id=_id_or_none(self.topic.data),
            overdue_only=bool(self.overdue.data),
            source=followups.SourceKind(self.source.data) if self.source.data else None,
            without_feedback=bool(self.without_feedback.data),
        )
