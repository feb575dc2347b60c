"""The import's forms: upload, column mapping and confirmation; each owns its validation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from crm.companies.columns import COLUMNS_BY_KEY, COMPANY_COLUMNS, CONTACT_COLUMNS
from crm.companies.models import SniVersion
from crm.imports.mapping import duplicate_fields
from crm.imports.reading import KINDS, Table, UnreadableFile, kind_of, read_table

MAX_UPLOAD_MB = 20


class UploadForm(FlaskForm):
    file = FileField(
        _l("Fil med företag"),
        validators=[
            FileRequired(_l("Välj en fil att importera.")),
            FileAllowed(list(KINDS), _l("Välj en CSV-fil (.csv) eller en Excel-fil (.xlsx).")),
        ],
        description=_l(
            "CSV (komma- eller semikolonavgränsad, UTF-8 eller Windows-1252) eller Excel (.xlsx). "
            "Första raden ska ha kolumnrubriker. Högst en kontaktperson per rad."
        ),
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    submit = SubmitField(_l("Ladda upp"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content = b""
        self.kind = ""
        self.table: Table | None = None

    def validate_file(self, field) -> None:
        """Read the file now, so a file we cannot read is refused here, next to the field."""
        data = field.data.read(MAX_UPLOAD_MB * 1024 * 1024 + 1)
        if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
            raise ValidationError(_l("Filen är för stor. Den får vara högst %(num)d MB.", num=MAX_UPLOAD_MB))
        try:
            self.kind = kind_of(field.data.filename or "", data)
            self.table = read_table(data, self.kind)
        except UnreadableFile as error:
            raise ValidationError(error.message)
        self.content = data


def field_choices() -> list[SelectChoice]:
    company, contact = _l("Företaget"), _l("Kontaktpersonen")
    return (
        [SelectChoice("", _l("Importera inte"))]
        + [SelectChoice(column.key, column.header, optgroup=company) for column in COMPANY_COLUMNS]
        + [SelectChoice(column.key, column.header, optgroup=contact) for column in CONTACT_COLUMNS]
    )


class MappingForm(FlaskForm):
    """One select per column of the file (`column_0`, `column_1`...); build it with `mapping_form()`."""

    sni_version = SelectField(
        _l("SNI-version"),
        choices=[SelectChoice(version.value) for version in SniVersion],
        description=_l("Gäller SNI-koderna när filen inte har en egen kolumn med SNI-version."),
    )
    submit = SubmitField(_l("Förhandsgranska"))

    column_count = 0

    def column_fields(self) -> list:
        return [self[f"column_{index}"] for index in range(self.column_count)]

    def mapping(self) -> list[str]:
        return [column.data or "" for column in self.column_fields()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        columns, mapping = self.column_fields(), self.mapping()
        for later, earlier in duplicate_fields(mapping).items():
            columns[later].errors.append(
                _l(
                    "%(field)s är redan vald för kolumnen %(column)s.",
                    field=COLUMNS_BY_KEY[mapping[later]].header,
                    column=columns[earlier].label.text,
                )
            )
            valid = False
        if columns and not {"name", "org_number"} & set(mapping):
            columns[0].errors.append(_l("Välj vilken kolumn som har företagsnamnet eller organisationsnumret."))
            valid = False
        return valid


def mapping_form(table: Table, columns: list[str], sni_version: SniVersion) -> MappingForm:
    """A MappingForm for this file, pre-filled with the job's (at first guessed) mapping."""
    fields = {}
    for index, header in enumerate(table.headers):
        samples = table.samples(index)
        fields[f"column_{index}"] = SelectField(
            header or _l("Kolumn %(num)d", num=index + 1),
            choices=field_choices(),
            default=columns[index] if index < len(columns) else "",
            description=_l("Exempel: %(values)s", values=", ".join(samples)) if samples else _l("Kolumnen är tom."),
        )
    form_class = type("FileMappingForm", (MappingForm,), {**fields, "column_count": len(table.headers)})
    return form_class(sni_version=sni_version.value)


class ConfirmForm(FlaskForm):
    """Start the import of a previewed file; the plan it was shown decides what is allowed."""

    valid_rows = HiddenField(
        _l("Förhandsgranskning"), validators=[DataRequired(_l("Förhandsgranska igen innan du importerar."))]
    )
    skip_errors = BooleanField(_l("Hoppa över rader med fel"))
    submit = SubmitField(_l("Importera"))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def validate_valid_rows(self, field) -> None:
        if field.data != str(self.plan.valid_count):
            raise ValidationError(
                _l("Filen eller registret har ändrats sedan förhandsgranskningen. Kontrollera raderna igen.")
            )

    def validate_skip_errors(self, field) -> None:
        if not self.plan.valid_count:
            raise ValidationError(_l("Filen har inga giltiga rader att importera."))
        if self.plan.error_count and not field.data:
            raise ValidationError(
                _l(
                    "Filen har rader med fel. Rätta filen och ladda upp den igen, "
                    "eller kryssa i att raderna med fel ska hoppas över."
                )
            )


class RetryForm(FlaskForm):
    """Queue a failed import again (the form is its CSRF token and a button)."""

    submit = SubmitField(_l("Försök igen"))
