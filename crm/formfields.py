"""Form fields shared by several features."""

from __future__ import annotations

from wtforms import DateField, SelectMultipleField, TimeField
from wtforms.widgets import CheckboxInput, ListWidget


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
