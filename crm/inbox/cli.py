"""`flask invitations apply-reply FILE.eml`: one message through the same path as the mailbox job."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from crm.audit.mixins import system_actor
from crm.extensions import db
from crm.inbox.services import VIA, receive

invitations_cli = AppGroup("invitations", help="Inbjudningar: svar från kalenderprogram.")


@invitations_cli.command("apply-reply")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def apply_reply(path: Path) -> None:
    """Läs ett sparat meddelande (.eml) och behandla det som om det kommit till arrangörens brevlåda."""
    system_actor.set((None, VIA))
    outcome = receive(path.read_bytes())
    db.session.commit()
    row = outcome.message
    if row is not None and not outcome.duplicate:
        click.echo(f"Meddelande: {row.message_id}")
        click.echo(f"Avsändare: {row.sender or '–'}; METHOD:{row.method}; UID: {row.uid or '–'}")
        if row.invitation is not None:
            click.echo(f"Matchat mot inbjudan {row.invitation.id} ({row.invitation.name}) via {row.matched_by}.")
        elif row.event is not None:
            click.echo(f"Träff: {row.event.title}; ingen inbjudan matchade.")
        click.echo(f"Utfall: {row.status.label}.")
    click.echo(outcome.describe())
    if outcome.changed:
        click.echo("Svaret ändrades.")
    else:
        click.echo("Inget svar ändrades.")
