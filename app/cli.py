"""The ``fleetdesk`` command: Flask's CLI for the app plus FleetDesk's command groups."""
from __future__ import annotations

import getpass
import json
from datetime import datetime

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from app import services
from app.extensions import db
from app.i18n import LANGUAGE_NAMES
from app.models import Client, Role, User
from app.uow import command_unit_of_work


def cli_actor() -> services.Actor:
    """Audit actor for commands run from a shell."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return services.Actor(label=f"cli:{who}")


@click.group("clients")
def clients_cli() -> None:
    """Manage clients (leasing companies)."""


@clients_cli.command("add")
@click.option("--code", required=True, help="Short code, e.g. ACME.")
@click.option("--name", required=True, help="Company name.")
@click.option("--intake-address", default=None, help="Personalised fine-intake address (default code@INTAKE_DOMAIN).")
@click.option("--language", "locale", type=click.Choice(sorted(LANGUAGE_NAMES)), default=None,
              help="Language of mail to its users who chose none (default: the default language).")
@with_appcontext
def clients_add(code: str, name: str, intake_address: str | None, locale: str | None) -> None:
    """Add a client."""
    with command_unit_of_work():
        client = services.add_client(cli_actor(), code, name, current_app.config["INTAKE_DOMAIN"], intake_address,
                                     locale=locale)
    click.echo(f"client {client.code} created (id {client.id}); fines go to {client.intake_address}")


@clients_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def clients_list(as_json: bool) -> None:
    """List clients."""
    rows = db.session.scalars(sa.select(Client).order_by(Client.code)).all()
    if as_json:
        click.echo(json.dumps([{"id": c.id, "code": c.code, "name": c.name, "intake_address": c.intake_address,
                                "locale": c.locale, "active": c.active, "suspended": c.is_suspended,
                                "suspension_reason": c.suspension_reason} for c in rows], indent=2))
        return
    for c in rows:
        state = "  (suspended)" if c.is_suspended else "" if c.active else "  (inactive)"
        click.echo(f"{c.code:<12} {c.name:<40} {c.intake_address}{state}")


@clients_cli.command("suspend")
@click.argument("code")
@click.option("--reason", required=True, help="Why (kept in the audit log and shown to administrators).")
@with_appcontext
def clients_suspend(code: str, reason: str) -> None:
    """Suspend a client: its users are refused and logged out, mail to its address is held."""
    from app import client_life, clock

    with command_unit_of_work():
        client = services.client_by_code(code)
        ended = client_life.suspend_client(cli_actor(), client, reason, clock.now())
    click.echo(f"client {client.code} suspended; {ended} session(s) ended; mail to {client.intake_address} is held")


@clients_cli.command("resume")
@click.argument("code")
@with_appcontext
def clients_resume(code: str) -> None:
    """Lift a client's suspension: its users log in again and its held mail is taken in."""
    from app import client_life

    with command_unit_of_work():
        client = services.client_by_code(code)
        taken = client_life.resume_client(cli_actor(), client)
    click.echo(f"client {client.code} resumed; {taken} held message(s) taken in")


@clients_cli.command("contract")
@click.argument("code")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="Start date, YYYY-MM-DD.")
@click.option("--term-months", type=click.IntRange(min=1), required=True, help="Initial term in months.")
@click.option("--notice-months", type=click.IntRange(min=12), default=12, show_default=True)
@click.option("--renewal-months", type=click.IntRange(min=1), default=12, show_default=True,
              help="Tacit renewal on the anniversary for this many months.")
@with_appcontext
def clients_contract(code: str, start: datetime, term_months: int, notice_months: int, renewal_months: int) -> None:
    """Record a client's service contract and print its notice dates."""
    from app import client_life, clock

    with command_unit_of_work():
        client = services.client_by_code(code)
        client_life.set_service_contract(cli_actor(), client, starts_on=start.date(), term_months=term_months,
                                         notice_months=notice_months, renewal_months=renewal_months)
        dates = client_life.contract_dates(client, clock.today())
    assert dates is not None
    click.echo(f"client {client.code}: term ends {dates.term_end}; give notice by {dates.notice_by}; "
               f"earliest end {dates.earliest_end}")


@click.group("users")
def users_cli() -> None:
    """Manage users (client users, agents, admins)."""


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--client", "client_code", default=None, help="Client code (client users only).")
@click.option("--password", default=None, help="Prompted for (hidden) when not given.")
@with_appcontext
def users_create(email: str, name: str, role: str, client_code: str | None, password: str | None) -> None:
    """Create a user."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with command_unit_of_work():
        client = services.client_by_code(client_code) if client_code else None
        user = services.create_user(cli_actor(), email=email, name=name, role=Role(role), password=password or "",
                                    client=client, min_password_length=current_app.config["PASSWORD_MIN_LENGTH"])
    click.echo(f"user {user.email} ({user.role.value}{', ' + client.code if client else ''}) created")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.option("--password", default=None, help="Prompted for (hidden) when not given.")
@with_appcontext
def users_set_password(email: str, password: str | None) -> None:
    """Set a user's password (ends their sessions)."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user {email}")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with command_unit_of_work():
        services.set_password(cli_actor(), user, password or "", current_app.config["PASSWORD_MIN_LENGTH"])
    click.echo(f"password of {user.email} changed")


@users_cli.command("list")
@with_appcontext
def users_list() -> None:
    """List users."""
    for u in db.session.scalars(sa.select(User).order_by(User.role, User.email)):
        client = u.client.code if u.client else "-"
        click.echo(f"{u.email:<36} {u.role.value:<7} {client:<10} {u.name}{'' if u.active else '  (inactive)'}")


@click.group("storage")
def storage_cli() -> None:
    """Blob storage: where raw mails, PDFs and attachments live (FLEETDESK_STORAGE_URL)."""


def _named_keys() -> set[str]:
    """Every blob key a row names (every ``*_path`` column of every table)."""
    from app.blobs import blob_path_columns

    named: set[str] = set()
    for column in blob_path_columns():
        named.update(k for k in db.session.scalars(sa.select(column).distinct()) if k)
    return named


@storage_cli.command("migrate")
@click.option("--to", "to_url", required=True, help="The new store: file:///path or s3://bucket/prefix.")
@click.option("--endpoint", default=None, help="The S3-compatible endpoint of the new store (default: S3_ENDPOINT).")
@click.option("--dry-run", is_flag=True, help="Only say what would be copied.")
@with_appcontext
def storage_migrate(to_url: str, endpoint: str | None, dry_run: bool) -> None:
    """Copy every blob to another store and verify each copy; then set FLEETDESK_STORAGE_URL to it.

    Blobs already there are verified, not copied again: run it again after a failure, or once more
    just before switching over to copy what arrived meanwhile.
    """
    from app import blobs, storage

    source = blobs.store()
    try:
        target = storage.open_store(to_url, endpoint=endpoint or current_app.config.get("S3_ENDPOINT"),
                                    region=current_app.config.get("S3_REGION"))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if target.url == source.url:
        raise click.ClickException(f"{to_url} is the store in use already")
    done = storage.migrate(source, target, dry_run=dry_run)
    for key, why in done.failed:
        click.echo(f"not copied: {key}: {why}", err=True)
    missing = sorted(key for key in _named_keys() if not dry_run and not target.exists(key))
    for key in missing:
        click.echo(f"named by a row but in neither store: {key}", err=True)
    verb = "would copy" if dry_run else "copied and verified"
    click.echo(f"{source.url} -> {target.url}: {len(done.copied)} blob(s) {verb}, {len(done.present)} already there "
               f"(verified), {len(done.failed)} failed, in {done.seconds:.1f} s")
    if done.failed or missing:
        raise SystemExit(1)


@storage_cli.command("verify")
@with_appcontext
def storage_verify() -> None:
    """Read every blob back and check its sha256; say which rows name a blob the store does not hold."""
    from app import blobs, storage

    store, checked, problems = blobs.store(), 0, []
    for blob in store.listing():
        if blob.temporary:
            continue
        try:
            store.get(blob.key)
            checked += 1
        except (storage.BlobCorrupt, storage.BlobMissing) as exc:
            problems.append(f"{blob.key}: {type(exc).__name__}")
    problems += [f"{key}: named by a row, not in the store" for key in sorted(_named_keys())
                 if not store.exists(key)]
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"{store.url}: {checked} blob(s) verified, {len(problems)} problem(s)")
    if problems:
        raise SystemExit(1)


@click.command("worker")
@click.option("--concurrency", type=click.IntRange(min=1), default=None,
              help="Tasks run at once (default: FLEETDESK_WORKER_CONCURRENCY).")
@click.option("--queues", default=None, help="Only these queues, comma-separated (default: every task's queue).")
@click.option("--metrics-port", type=click.IntRange(min=1, max=65535), default=None,
              help="Serve this worker's task metrics for Prometheus on this port.")
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="The address to serve them on.")
@with_appcontext
def worker_command(concurrency: int | None, queues: str | None, metrics_port: int | None, metrics_host: str) -> None:
    """Run background tasks from the broker (FLEETDESK_BROKER_URL) until stopped (SIGTERM: warm shutdown).

    Tasks run in threads of this one process: the heavy part of reading a fine (PDF, OCR) runs in a
    sandboxed child process of its own anyway, and one process keeps its metrics in one place.
    """
    from app import queue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not queue.uses_broker(app):
        raise click.ClickException("FLEETDESK_BROKER_URL is not set: without a broker, each web process runs its "
                                   "own tasks and no worker is needed")
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)
    processes = concurrency or int(app.config["WORKER_CONCURRENCY"])
    wanted = queues or ",".join(queue.queues(app))
    queue.celery_app(app).worker_main(["worker", "--pool=threads", f"--concurrency={processes}",
                                       f"--queues={wanted}", "--loglevel=INFO", "--without-gossip",
                                       "--without-mingle"])


def init_app(app: Flask) -> None:
    """Register the command groups on the app."""
    from app import demo, i18n_tools, scheduler
    from app.offboarding.cli import add_commands as add_offboarding_commands

    add_offboarding_commands(clients_cli)
    app.cli.add_command(clients_cli)
    app.cli.add_command(i18n_tools.i18n_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo.demo_command)
    app.cli.add_command(scheduler.scheduler_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(worker_command)
