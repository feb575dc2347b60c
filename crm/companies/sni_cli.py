"""`flask sni check`: the stored SNI codes that are not detailed codes of their classification."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from crm.companies import sni
from crm.companies.models import Company, CompanySni
from crm.extensions import db

sni_cli = AppGroup("sni", help="SNI codes: check stored codes against the classification.")


@sni_cli.command("check")
def check_command() -> None:
    """List stored company codes that are not five-digit codes of their SNI version, with suggestions.

    Tab-separated: company id, name, code, version, what is wrong (with the codes it may mean). Exit status 0;
    the last line counts them.
    """
    rows = db.session.execute(
        select(CompanySni.company_id, Company.name, CompanySni.code, CompanySni.version)
        .join(Company, Company.id == CompanySni.company_id)
        .order_by(CompanySni.company_id, CompanySni.position, CompanySni.id)
        .execution_options(yield_per=2000)
    )
    click.echo("\t".join(("company_id", "name", "code", "version", "problem")))
    found = 0
    for company_id, name, code, version in rows:
        if sni.is_valid(code, version):
            continue
        found += 1
        resolution = sni.resolve(code, version)
        click.echo("\t".join((str(company_id), name, code, version.value, str(resolution.message))))
    click.echo(f"{found} code(s) not in the classification.")
