"""``fleetdesk contracts``: import and export lease contracts as CSV."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.cli import cli_actor
from app.services import client_by_code
from app.uow import command_unit_of_work


@click.group("contracts")
def contracts_cli() -> None:
    """Lease contracts: import and export CSV."""


@contracts_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def contracts_import(file: Path) -> None:
    """Import contracts (all or nothing); re-importing the same file changes nothing."""
    from app.fleet import contracts_changed
    from app.fleet import services as contracts

    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", "replace")
    with command_unit_of_work():
        report = contracts.import_contracts(cli_actor(), text, client=None, allowed_client_ids=None)
        if not report.ok:
            for error in report.errors:
                where = f"line {error.line}" if error.line else "file"
                column = f" ({error.column})" if error.column else ""
                click.echo(f"{file}: {where}{column}: {error.message}", err=True)
            raise contracts.ImportRefused(report)  # rolled back; "nothing imported: n problem(s)"
        rematched = contracts_changed(report.plates, cli_actor())
    for warning in report.warnings:
        click.echo(f"{file}: line {warning.line} ({warning.column}): {warning.message}", err=True)
    click.echo(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged; "
               f"{rematched.looked_at} waiting fine(s) matched again: {rematched.matched} complete, "
               f"{rematched.waiting} still waiting")


@contracts_cli.command("export")
@click.option("--client", "client_code", default=None, help="Only this client's contracts.")
@with_appcontext
def contracts_export(client_code: str | None) -> None:
    """Print contracts as CSV in the import format."""
    from app.fleet import services as contracts

    client_id = client_by_code(client_code).id if client_code else None
    click.echo(contracts.export_contracts(client_id), nl=False)
