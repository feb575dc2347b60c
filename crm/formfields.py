"""Form fields shared by several features."""

from __future__ import annotations

from wtforms import DateField, SelectMultipleField, TimeField
from wtforms.widgets import CheckboxInput, ListWidget

from crm.text import single_line


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


class TimeBox(_BlankIsNone, TimeField):
    """A time of day (HH:MM)."""


def single_line_text(value):
    """A filter for one-line text boxes (names, addresses, titles): control characters a paste can bring
    along (a line break, a tab, a NUL) are removed at input, those that space a line become a space, and
    the ends are trimmed. They are invisible on the page, so a message could not say where to remove them,
    and they have no meaning in one line; left in, a name would reach the To header of every mail."""
    return single_line(value).strip() if isinstance(value, str) else value
