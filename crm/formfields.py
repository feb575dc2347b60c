"""Form fields shared by several features."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import DateField, SelectMultipleField, TextAreaField, TimeField
from wtforms.widgets import CheckboxInput, ListWidget

from crm import sensitive
from crm.text import single_line
from crm.timeutil import STOCKHOLM, stockholm_to_utc


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes: big tap targets on a phone, no JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _BlankIsNone:
    """An empty box is left to the form's own required check instead of reading as malformed input."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class DayField(_BlankIsNone, DateField):
    """A date (ÅÅÅÅ-MM-DD)."""


FOLD_CHOICES = (
    ("0", _l("före omställningen (sommartid)")),
    ("1", _l("efter omställningen (vintertid)")),
)


def is_repeated_hour(naive: datetime) -> bool:
    """Whether the Stockholm wall-clock time happens twice (the autumn hour, e.g. 2026-10-25 02:30)."""
    first, second = (naive.replace(tzinfo=STOCKHOLM, fold=fold).utcoffset() for fold in (0, 1))
    return first != second and naive.replace(tzinfo=STOCKHOLM, fold=1).astimezone(UTC).astimezone(
        STOCKHOLM).replace(tzinfo=None) == naive


class TimeBox(_BlankIsNone, TimeField):
    """A time of day (HH:MM).

    In the autumn hour that happens twice, `on(day)` asks which one is meant: the box gets an error and,
    next to it, a choice between before and after the change (posted as `<name>-omstallning`), no
    JavaScript needed.
    """

    fold: int | None = None
    asks_fold = False

    def process(self, formdata, *args, **kwargs):
        super().process(formdata, *args, **kwargs)
        self.fold = None
        chosen = formdata.get(self.fold_name) if formdata is not None else None
        if chosen in ("0", "1"):
            self.fold = int(chosen)

    @property
    def fold_name(self) -> str:
        return f"{self.name}-omstallning"

    def on(self, day: date) -> datetime | None:
        """The box's time on `day` in Stockholm as UTC, or None with a message on the box when it is the
        repeated autumn hour and no choice was made. Raises NonexistentLocalTime in the spring gap."""
        naive = datetime.combine(day, self.data)
        if not is_repeated_hour(naive):
            return stockholm_to_utc(naive)
        if self.fold is None:
            self.asks_fold = True
            self.errors.append(str(_l(
                "Klockan %(time)s finns två gånger den %(date)s: då ställs klockan tillbaka en timme till "
                "vintertid. Välj om du menar före eller efter omställningen.",
                time=self.data.strftime("%H:%M"), date=format_date(day, "d MMMM y"),
            )))
            return None
        return naive.replace(tzinfo=STOCKHOLM, fold=self.fold).astimezone(UTC)

    def __call__(self, **kwargs):
        box = super().__call__(**kwargs)
        if not (self.asks_fold or self.fold is not None):
            return box
        option = Markup(
            '<label class="fold-choice-option"><input type="radio" name="{name}" id="{id}-omstallning-{value}" '
            'value="{value}"{checked} required> {label}</label>'
        )
        options = Markup("").join(
            option.format(name=self.fold_name, id=self.id, value=value, label=label,
                          checked=Markup(" checked") if str(self.fold) == value else "")
            for value, label in FOLD_CHOICES
        )
        legend = _l("Vilken %(time)s menar du?", time=self.data.strftime("%H:%M") if self.data else "")
        return Markup('{}<fieldset class="fold-choice"><legend>{}</legend>{}</fieldset>').format(box, legend, options)


def single_line_text(value):
    """A filter for one-line text boxes (names, addresses, titles): control characters a paste can bring
    along (a line break, a tab, a NUL) are removed at input, those that space a line become a space, and
    the ends are trimmed. They are invisible on the page, so a message could not say where to remove them,
    and they have no meaning in one line; left in, a name would reach the To header of every mail."""
    return single_line(value).strip() if isinstance(value, str) else value


def sensitive_message(findings: Iterable[sensitive.Finding]) -> list[str]:
    """In plain Swedish, what the text seems to hold and why to think twice: one sentence pair per kind."""
    findings = list(findings)
    messages = []
    numbers = [found for found in findings if found.is_number]
    if numbers:
        listed = ", ".join(found.text for found in numbers)
        if len(numbers) > 1:
            messages.append(_l("Texten ser ut att innehålla personnummer (%(found)s). Personnummer behövs sällan i "
                               "en anteckning: ta bort dem om de inte är nödvändiga.", found=listed))
        elif numbers[0].kind == sensitive.Kind.SAMORDNINGSNUMMER:
            messages.append(_l("Texten ser ut att innehålla ett samordningsnummer (%(found)s). Samordningsnummer "
                               "behövs sällan i en anteckning: ta bort det om det inte är nödvändigt.", found=listed))
        else:
            messages.append(_l("Texten ser ut att innehålla ett personnummer (%(found)s). Personnummer behövs sällan "
                               "i en anteckning: ta bort det om det inte är nödvändigt.", found=listed))
    health = [found for found in findings if not found.is_number]
    if health:
        messages.append(_l(
            "Texten ser ut att innehålla uppgifter om hälsa (%(found)s). Hälsouppgifter är känsliga personuppgifter: "
            "skriv bara in dem om de verkligen behövs, och ta bort dem annars.",
            found=", ".join(f"”{found.text}”" for found in health),
        ))
    return [str(message) for message in messages]


class NoteArea(TextAreaField):
    """A free-text note about companies and people that warns before saving what looks like a personnummer or
    health data (crm.sensitive), for data minimisation.

    Such text is not saved the first time: the box gets the warning as its message, naming what was found,
    and `confirm_box()` (shown under the message by the `field` macro) a checkbox, posted as
    `<name>-kontrollerad`. Ticked, the text is saved as written; with the number or word removed it is
    saved without. The text stays in the box either way. No JavaScript needed.
    """

    confirmed = False
    findings: tuple[sensitive.Finding, ...] = ()

    def process(self, formdata, *args, **kwargs):
        super().process(formdata, *args, **kwargs)
        self.findings = ()
        self.confirmed = formdata is not None and bool(formdata.get(self.confirm_name))

    @property
    def confirm_name(self) -> str:
        return f"{self.name}-kontrollerad"

    def post_validate(self, form, validation_stopped):
        super().post_validate(form, validation_stopped)
        if validation_stopped or self.errors:
            return
        self.findings = tuple(sensitive.findings(self.data))
        if self.findings and not self.confirmed:
            self.errors.extend(sensitive_message(self.findings))

    def confirm_box(self) -> Markup:
        """The checkbox to save the text as written, once it has been found to hold something sensitive."""
        if not self.findings:
            return Markup("")
        return Markup(
            '<div class="checkbox sensitive-confirm"><input type="checkbox" name="{name}" id="{id}-kontrollerad" '
            'value="ja"{checked}{describedby}> <label for="{id}-kontrollerad">{label}</label></div>'
        ).format(
            name=self.confirm_name, id=self.id, label=_l("Jag har kontrollerat texten och vill spara den ändå"),
            checked=Markup(" checked") if self.confirmed else "",
            describedby=Markup(' aria-describedby="{}-error"').format(self.id) if self.errors else "",
        )
