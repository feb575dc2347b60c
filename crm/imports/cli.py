"""`flask import-companies`: the company import from the command line, with the web import's rules."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale

from crm.audit.mixins import system_actor
from crm.companies.columns import COLUMNS_BY_KEY
from crm.extensions import db
from crm.imports import jobs, planning, services
from crm.imports.mapping import duplicate_fields, field_for_name, guess_mapping
from crm.imports.models import ImportJob
from crm.imports.reading import Table, UnreadableFile, kind_of, read_table
from crm.text import fold

IGNORE = ("", "-")


@click.command("import-companies")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the preview and write nothing.")
@click.option("--skip-errors", is_flag=True, help="Import the valid rows and skip the rows with errors.")
@click.option(
    "--map",
    "overrides",
    multiple=True,
    metavar="SOURCE=FIELD",
    help="Map a column (its header or number, 1 = first) to a field (key, header or alias, e.g. "
    "org_number or Organisationsnummer); an empty FIELD or '-' leaves the column out. Repeatable.",
)
def import_companies_command(file: Path, dry_run: bool, skip_errors: bool, overrides: tuple[str, ...]) -> None:
    """Import companies (and one contact person per row) from a CSV or .xlsx file, all rows or none.

    Exits non-zero while the file has rows with errors, unless --skip-errors is given.
    """
    system_actor.set((None, "import-companies"))
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "sv")):
        data = file.read_bytes()
        try:
            kind = kind_of(file.name, data)
            table = read_table(data, kind)
        except UnreadableFile as error:
            raise click.ClickException(str(error.message))
        mapping = _mapping(table, overrides)
        plan = planning.plan_rows(table, mapping)
        _echo_preview(file.name, plan)
        if plan.error_count and not skip_errors:
            raise click.ClickException(
                f"Filen har {plan.error_count} rader med fel. Inget har sparats. "
                "Rätta filen, eller kör med --skip-errors för att hoppa över dem."
            )
        if dry_run:
            click.echo("Provkörning (--dry-run): inget har sparats.")
            return
        if not plan.valid_count:
            raise click.ClickException("Filen har inga giltiga rader att importera.")
        job = services.create_job(file.name, data, kind, table, created_by_id=None, mapping=mapping)
        db.session.commit()
        _run(job.id, skip_errors)


def _run(job_id: int, skip_errors: bool) -> None:
    try:
        result = jobs.run_import(job_id, skip_errors=skip_errors)
    except Exception as error:
        job = db.session.get(ImportJob, job_id)
        raise click.ClickException((job.error if job else None) or str(error))
    click.echo(
        f"Importen är klar: {result.created} nya företag, {result.updated} uppdaterade "
        f"({result.unchanged} utan ändringar), {result.skipped} rader med fel överhoppade, "
        f"{result.contacts_created} nya kontaktpersoner."
    )


def _mapping(table: Table, overrides: tuple[str, ...]) -> list[str]:
    """The guessed mapping with each --map applied; refuses what the mapping page would refuse."""
    mapping = guess_mapping(table.headers)
    for override in overrides:
        source, separator, target = override.partition("=")
        if not separator:
            raise click.BadParameter(f"'{override}' ska skrivas KOLUMN=FÄLT.", param_hint="--map")
        mapping[_column_index(table, source.strip())] = _field_key(target.strip())
    for later, earlier in duplicate_fields(mapping).items():
        raise click.BadParameter(
            f"Fältet {mapping[later]} är valt för både kolumn {earlier + 1} och kolumn {later + 1}.",
            param_hint="--map",
        )
    if not {"name", "org_number"} & set(mapping):
        raise click.ClickException("Ingen kolumn är företagsnamn eller organisationsnummer; ange en med --map.")
    return mapping


def _column_index(table: Table, source: str) -> int:
    if source.isdigit() and 1 <= int(source) <= len(table.headers):
        return int(source) - 1
    for index, header in enumerate(table.headers):
        if fold(header) == fold(source):
            return index
    raise click.BadParameter(f"Filen har ingen kolumn '{source}'.", param_hint="--map")


def _field_key(target: str) -> str:
    if target in IGNORE:
        return ""
    key = field_for_name(target)
    if key is None:
        known = ", ".join(COLUMNS_BY_KEY)
        raise click.BadParameter(f"Okänt fält '{target}'. Fälten är: {known}.", param_hint="--map")
    return key


def _echo_preview(filename: str, plan: planning.ImportPlan) -> None:
    table = plan.table
    details = ", ".join(part for part in (table.encoding, _delimiter_name(table.delimiter)) if part)
    click.echo(f"Fil: {filename}" + (f" ({details})" if details else ""))
    click.echo("Kolumner:")
    for header, key in zip(table.headers, plan.mapping, strict=False):
        target = f"{key} ({COLUMNS_BY_KEY[key].header})" if key else "(importeras inte)"
        click.echo(f"  {header or '(utan rubrik)'} -> {target}")
    by_org = sum(1 for row in plan.updates if row.matched_by == "org_number")
    click.echo(f"Rader: {plan.total_count}, giltiga: {plan.valid_count}, med fel: {plan.error_count}")
    click.echo(
        f"Nya företag: {plan.create_count}, uppdateras: {plan.update_count} "
        f"({by_org} på organisationsnummer, {plan.update_count - by_org} på namn)"
    )
    if plan.new_tags:
        click.echo(f"Nya taggar: {', '.join(plan.new_tags)}")
    for row in plan.updates:
        how = "organisationsnummer" if row.matched_by == "org_number" else "namn"
        click.echo(f"  Rad {row.number}: {row.name} -> företag {row.company_id} {row.existing['name']} ({how})")
    for row in plan.error_rows:
        for error in row.errors:
            value = f" (värde: {error.value})" if error.value else ""
            click.echo(f"  Rad {row.number}: {COLUMNS_BY_KEY[error.field].header}: {error.message}{value}")


def _delimiter_name(delimiter: str | None) -> str:
    return {";": "semikolon", ",": "komma", "\t": "tabb"}.get(delimiter or "", "")
