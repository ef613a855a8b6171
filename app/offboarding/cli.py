"""``fleetdesk clients offboard|export|purge|certificates|import-archive``: off-boarding from a shell."""
from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import with_appcontext

from app import services
from app.clock import now
from app.offboarding import services as offboarding
from app.uow import command_unit_of_work


def add_commands(group: click.Group) -> None:
    """Add the off-boarding commands to the ``clients`` group."""
    for command in (offboard_cmd, export_cmd, purge_cmd, certificates_cmd, import_cmd):
        group.add_command(command)


def _actor() -> services.Actor:
    from app.cli import cli_actor

    return cli_actor()


@click.command("offboard")
@click.argument("code")
@with_appcontext
def offboard_cmd(code: str) -> None:
    """Start off-boarding CODE: the grace period before a purge runs from now."""
    from flask import current_app

    with command_unit_of_work():
        client = services.client_by_code(code)
        row = offboarding.start_offboarding(_actor(), client, now())
        started = row.started_at
    allowed = started + timedelta(days=int(current_app.config["PURGE_GRACE_DAYS"]))
    click.echo(f"off-boarding of {code.upper()} started {started:%Y-%m-%d %H:%M} UTC;"
               f" purge allowed from {allowed:%Y-%m-%d %H:%M} UTC")


@click.command("export")
@click.argument("code")
@click.option("--to", "to", required=True, type=click.Path(file_okay=False), help="Directory to write the archive in.")
@with_appcontext
def export_cmd(code: str, to: str) -> None:
    """Export everything of CODE: DIR/<CODE>-offboarding-<stamp>/ (with manifest.json) and the same as a .zip."""
    Path(to).mkdir(parents=True, exist_ok=True)
    with command_unit_of_work():
        result = offboarding.export_client(_actor(), services.client_by_code(code), to, now())
    click.echo(f"{result.zip_path} ({sum(result.rows.values())} rows, {result.files} files,"
               f" {result.file_bytes} bytes); unpacked in {result.directory}")


@click.command("purge")
@click.argument("code")
@click.option("--now", "force", is_flag=True, help="Purge even before the grace period has ended.")
@with_appcontext
def purge_cmd(code: str, force: bool) -> None:
    """Remove CODE everywhere and keep a purge certificate (refused before the grace period ends)."""
    with command_unit_of_work():
        result = offboarding.purge_client(_actor(), services.client_by_code(code), now(), force=force)
        certificate = result.certificate
        summary = (certificate.client_code, sum(certificate.rows_removed.values()), certificate.blobs_removed,
                   certificate.backups_expire_on)
    offboarding.remove_files(result.files)
    horizon = summary[3].isoformat() if summary[3] else "no backup holds it"
    click.echo(f"client {summary[0]} purged: {summary[1]} rows, {summary[2]} blobs; backups expire {horizon}")


@click.command("certificates")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def certificates_cmd(as_json: bool) -> None:
    """List the purge certificates."""
    rows = offboarding.certificates()
    if as_json:
        click.echo(json.dumps([{
            "client_code": c.client_code, "purged_at": c.purged_at.isoformat(), "purged_by": c.purged_by,
            "forced": c.forced, "offboarding_started_at": c.offboarding_started_at.isoformat()
            if c.offboarding_started_at else None, "rows_removed": c.rows_removed,
            "blobs_removed": c.blobs_removed, "blob_bytes_removed": c.blob_bytes_removed,
            "backups_expire_on": c.backups_expire_on.isoformat() if c.backups_expire_on else None,
        } for c in rows], indent=2))
        return
    for c in rows:
        horizon = c.backups_expire_on.isoformat() if c.backups_expire_on else "-"
        click.echo(f"{c.client_code:<12} {c.purged_at:%Y-%m-%d %H:%M} {c.purged_by:<16}"
                   f" rows {sum(c.rows_removed.values()):>7} blobs {c.blobs_removed:>5} backups until {horizon}")


@click.command("import-archive")
@click.argument("archive", type=click.Path(exists=True))
@with_appcontext
def import_cmd(archive: str) -> None:
    """Restore a client from its off-boarding archive (.zip or its directory), checking every sha256."""
    with tempfile.TemporaryDirectory() as work, command_unit_of_work():
        client, counts = offboarding.import_archive(_actor(), archive, work)
        code = client.code
    click.echo(f"client {code} restored: {sum(counts.values())} rows")
