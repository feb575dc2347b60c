"""The feed page's form: create or revoke one kind of feed (the form is its CSRF token and two hidden fields)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired

ACTIONS = ("skapa", "aterkalla")


class FeedActionForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    action = HiddenField(validators=[DataRequired(), AnyOf(ACTIONS)])
