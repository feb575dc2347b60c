"""Login, password and user administration forms; each owns its validation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, StopValidation, ValidationError

from crm.auth import passwords
from crm.auth.models import Role
from crm.auth.services import LoginRefused, check_current_password, email_taken
from crm.formfields import single_line_text

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
LOCALE_CHOICES = [SelectChoice("sv", "Svenska"), SelectChoice("en", "English")]


def _role_choices():
    """The roles after a "Välj roll" placeholder, so no role is given to anyone by default."""
    return [SelectChoice("", _l("Välj roll")), *(SelectChoice(role.value, role.label) for role in Role)]


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Fyll i din e-postadress.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[DataRequired(_l("Fyll i ditt lösenord."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Logga in"))


class NewPasswordMixin:
    """A new password, checked by crm.auth.passwords against the owner's name and address."""

    new_password = PasswordField(
        _l("Nytt lösenord"),
        validators=[DataRequired(_l("Fyll i ett nytt lösenord."))],
        render_kw={"autocomplete": "new-password"},
        description=_l("Minst %(min)d tecken, inte ett vanligt lösenord och inte ditt namn eller din e-postadress. "
                       "En fras med flera ord är lätt att minnas.", min=MIN_PASSWORD_LENGTH),
    )
    confirm_password = PasswordField(
        _l("Upprepa det nya lösenordet"),
        validators=[
            DataRequired(_l("Upprepa det nya lösenordet.")),
            EqualTo("new_password", message=_l("Lösenorden är inte lika.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def password_owner(self) -> tuple[str, str]:
        """The name and e-mail address the new password must not be built on."""
        return "", ""

    def validate_new_password(self, field) -> None:
        name, email = self.password_owner()
        problem = passwords.problem(field.data or "", name=name, email=email)
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Nuvarande lösenord"),
        validators=[DataRequired(_l("Fyll i ditt nuvarande lösenord."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Byt lösenord"))

    def __init__(self, user, *args, address: str = "-", **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user
        self._address = address
        self.refusal = None  # set when the current password may not be tried yet (throttled like a login)

    def password_owner(self) -> tuple[str, str]:
        return self._user.name, self._user.email

    def validate_current_password(self, field) -> None:
        try:
            matches = check_current_password(self._user, field.data or "", self._address)
        except LoginRefused as refused:
            self.refusal = refused.refusal
            raise ValidationError(refused.refusal.message()) from None
        if not matches:
            raise ValidationError(_l("Det nuvarande lösenordet stämmer inte."))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField(_l("Sätt nytt lösenord"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user

    def password_owner(self) -> tuple[str, str]:
        return self._user.name, self._user.email


class LogoutEverywhereForm(FlaskForm):
    submit = SubmitField(_l("Logga ut överallt"))


class ClockField(TimeField):
    """A time of day as HH:MM (a time picker in most browsers, a text box elsewhere)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message", _l("Skriv tiden som TT:MM, till exempel 07:30."))
        super().__init__(label, validators, format=["%H:%M", "%H:%M:%S"], **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None  # left to the required check
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()  # one message: the malformed time, not also "required"


class AccountForm(FlaskForm):
    locale = SelectField(_l("Språk"), choices=LOCALE_CHOICES)
    digest_enabled = BooleanField(
        _l("Daglig sammanfattning"),
        description=_l("Ett mejl med dina försenade uppföljningar, de som ska vara klara i dag och i veckan, "
                       "och dina bokade besök den närmaste veckan. Inget mejl när det inte finns något."),
    )
    digest_time = ClockField(
        _l("Tid för sammanfattningen"),
        validators=[DataRequired(_l("Fyll i en tid, till exempel 07:30."))],
        description=_l("Som TT:MM, svensk tid."),
    )
    digest_weekends = BooleanField(_l("Även lördag och söndag"))
    visit_reminders_enabled = BooleanField(
        _l("Påminnelse inför besök"),
        description=_l("Dagen före ett bokat besök som du deltar i."),
    )
    assignment_mails_enabled = BooleanField(
        _l("Mejl när du får en uppföljning"),
        description=_l("När någon annan ger dig en uppföljning."),
    )
    submit = SubmitField(_l("Spara"))


class UserForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        validators=[DataRequired(_l("Fyll i namnet.")), Length(max=200, message=_l("Högst 200 tecken."))],
        filters=[single_line_text],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("E-postadress"),
        filters=[single_line_text],
        validators=[
            DataRequired(_l("Fyll i e-postadressen.")),
            Email(_l("Skriv en giltig e-postadress, till exempel namn@kommun.se."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(
        _l("Roll"),
        choices=_role_choices,
        validators=[DataRequired(_l("Välj en roll."))],
        invalid_choice_message=_l("Välj en av rollerna i listan."),
    )
    locale = SelectField(_l("Språk"), choices=LOCALE_CHOICES)
    active = BooleanField(_l("Aktiv (kan logga in)"), default=True)
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, user_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user_id = user_id

    def validate_email(self, field) -> None:
        if email_taken(field.data or "", except_id=self._user_id):
            raise ValidationError(_l("Det finns redan en användare med den e-postadressen."))


class NewUserForm(NewPasswordMixin, UserForm):
    def password_owner(self) -> tuple[str, str]:
        return self.name.data or "", self.email.data or ""


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Språk"), choices=LOCALE_CHOICES)
    submit = SubmitField(_l("Byt språk"))
