"""``fleetdesk privacy``: a request's person's export (access, portability) and the retention run."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from app.cli import cli_actor
from app.db import utcnow
from app.extensions import db
from app.privacy import retention, services
from app.privacy.models import PrivacyRequest
from app.services import record
from app.uow import command_unit_of_work


@click.group("privacy")
def privacy_cli() -> None:
    """Data subjects' requests: export what is held on a person; run the retention."""


@privacy_cli.command("export")
@click.argument("request_id", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
@with_appcontext
def export(request_id: int, output: str | None) -> None:
    """Everything held on the person of request REQUEST_ID, as JSON."""
    with command_unit_of_work():
        found = db.session.get(PrivacyRequest, request_id)
        if found is None:
            raise click.ClickException(f"no privacy request {request_id}")
        data = services.export_person(found)
        record(cli_actor(), "privacy.person_exported", found)
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"request {request_id}: {len(data['contracts'])} contract(s) exported to {output}")
    else:
        click.echo(text)


@privacy_cli.command("retention")
@with_appcontext
def run_retention() -> None:
    """Remove the personal data past its retention now (what the nightly job does)."""
    with command_unit_of_work():
        counts = retention.run_retention(utcnow())
    for key, value in counts.items():
        click.echo(f"{key:<40} {value}")
