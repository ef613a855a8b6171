"""``fleetdesk backups ...``: run, list, verify, prune, restore, restore-files, drill."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from app.clock import now, work_calendar
from app.extensions import db
from backups import services
from backups.policy import Tier


@click.group("backups")
def backups_cli() -> None:
    """Backups of the SLA's four tiers: make, check, prune, restore and drill them."""


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@backups_cli.command("run")
@click.option("--tier", type=click.Choice([t.value for t in Tier]), required=True)
@with_appcontext
def run(tier: str) -> None:
    """Make today's backup of a tier (again only if the first was not verified), then prune the tier."""
    try:
        manifest = services.run_backup(current_app.config, db.engine, Tier(tier), now(),
                                       work_calendar())
    except services.BackupError as exc:
        raise _fail(exc) from exc
    click.echo(f"{manifest.id}: {manifest.state}, {manifest.total_size:,} bytes in {len(manifest.parts)} part(s)")


@backups_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_(as_json: bool) -> None:
    """List the backups on every storage, newest first."""
    manifests = services.list_backups(current_app.config)
    if as_json:
        click.echo(json.dumps([json.loads(m.to_json()) for m in manifests], indent=2))
        return
    for m in manifests:
        click.echo(f"{m.id:<28} {m.tier.value:<11} {m.state:<9} {m.total_size:>14,} bytes  {m.finished_at or ''}")


@backups_cli.command("verify")
@click.argument("ident")
@with_appcontext
def verify(ident: str) -> None:
    """Check a backup's checksums and database copy."""
    try:
        manifest = services.verify(current_app.config, ident)
    except services.BackupError as exc:
        raise _fail(exc) from exc
    click.echo(f"{manifest.id}: verified")


@backups_cli.command("prune")
@with_appcontext
def prune() -> None:
    """Apply every tier's retention (the newest verified backup of a tier always stays)."""
    at = now()
    for tier in Tier:
        for ident in services.prune(current_app.config, tier, at):
            click.echo(f"removed {ident}")


@backups_cli.command("restore")
@click.argument("ident")
@click.option("--to", "to_url", required=True, help="URL of an EMPTY database to restore into.")
@with_appcontext
def restore(ident: str, to_url: str) -> None:
    """Restore a database backup into an empty database, then migrate it to the current schema."""
    try:
        result = services.restore(current_app.config, ident, to_url)
        services.migrate_to_head(to_url, current_app.config["DATA_DIR"])
    except services.BackupError as exc:
        raise _fail(exc) from exc
    click.echo(f"restored {ident} in {result['seconds']} s and migrated it to head")


@backups_cli.command("restore-files")
@click.argument("ident")
@click.option("--to", "to_dir", required=True, type=click.Path(file_okay=False))
@with_appcontext
def restore_files(ident: str, to_dir: str) -> None:
    """Unpack a backup's stored e-mails and PDFs into a directory."""
    try:
        count = services.restore_files(current_app.config, ident, to_dir)
    except services.BackupError as exc:
        raise _fail(exc) from exc
    click.echo(f"{count} file(s) restored into {to_dir}")


@backups_cli.command("drill")
@with_appcontext
def drill() -> None:
    """Restore the newest verified database backup into a scratch database and compare row counts."""
    try:
        entry = services.drill(current_app.config, db.engine, now(), work_calendar())
    except services.BackupError as exc:
        raise _fail(exc) from exc
    click.echo(f"drill of {entry['backup']}: {entry['tables']} tables, {entry['rows']} rows, {entry['seconds']} s, ok")


@backups_cli.command("fetch")
@click.argument("ident")
@with_appcontext
def fetch(ident: str) -> None:
    """Bring a backup back from the S3-compatible bucket (for a restore when the local copy is gone)."""
    tier = next((t for t in Tier if ident.startswith(t.value + "-")), None)
    if tier is None:
        raise click.ClickException(f"{ident!r} is not a backup id (tier-YYYY-MM-DD)")
    try:
        manifest = services.fetch_from_bucket(current_app.config, tier, ident)
    except services.BackupError as exc:
        raise _fail(exc) from exc
    click.echo(f"{manifest.id}: fetched and checked ({manifest.total_size:,} bytes)")
