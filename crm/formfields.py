"""Form fields shared by several features."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import DateField, SelectMultipleField, TimeField
from wtforms.widgets import CheckboxInput, ListWidget

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
