"""``fleetdesk fines ...``: parse, ingest, match, fetch and watch."""
from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli import cli_actor
from app.clock import today
from app.extensions import db
from app.services import ServiceError, client_by_code, record
from app.uow import command_unit_of_work
from fines import jobs
from fines.intake import services
from fines.intake.extraction import FIELDS
from fines.intake.sandbox import PdfSandbox


@click.group("fines")
def fines_cli() -> None:
    """Traffic fines: read PDFs, take them in, follow the intake mailboxes."""


@fines_cli.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (the default output).")
@click.option("--timeout", default=90.0, show_default=True, help="Seconds allowed per file.")
def parse(files: tuple[Path, ...], as_json: bool, timeout: float) -> None:
    """Read every fine field of PDF files or pictures of letters: JPEG, PNG, TIFF, HEIC (no database involved)."""
    failed = False
    with PdfSandbox(timeout=timeout) as sandbox:
        for path in files:
            outcome = sandbox.parse(path.read_bytes(), path.name)
            if outcome.ok:
                record: dict[str, Any] = {**outcome.fields, "file": str(path)}
            else:
                failed = True
                record = {"file": str(path), **{name: None for name in FIELDS},
                          "error": outcome.reason, "message": outcome.message}
            click.echo(json.dumps(record, ensure_ascii=False))
    if failed:
        sys.exit(1)


@fines_cli.command("ingest")
@click.option("--client", "client_code", required=True, help="Client code the files belong to.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Report per file as JSON lines.")
@with_appcontext
def ingest(client_code: str, files: tuple[Path, ...], as_json: bool) -> None:
    """Take in an operator's batch of scanned fines for one client."""
    try:
        client = client_by_code(client_code)
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from exc
    settings = services.IntakeSettings.from_config(current_app.config)
    with jobs.sandbox_for(current_app.config) as sandbox:
        for path in files:  # one unit of work per file: the files taken in before a failure stay in
            with command_unit_of_work():
                result = services.ingest_files([(path.name, path.read_bytes())], client=client, actor=cli_actor(),
                                               source="cli", settings=settings, sandbox=sandbox)
            report = services.file_report(path, result, settings.calendar, today())
            if as_json:
                click.echo(json.dumps(report, ensure_ascii=False, default=str))
            else:
                click.echo(f"{path}: " + ", ".join(f"{k}={v}" for k, v in report.items() if k != "file"))


@fines_cli.command("import-mail")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--client", "client_code", default=None, help="Client the mail is for (default: by its recipient).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
@with_appcontext
def import_mail(files: tuple[Path, ...], client_code: str | None, as_json: bool) -> None:
    """Take in saved e-mail (.eml files, mbox files) through the same intake as the mailboxes.

    A message that cannot be read is quarantined and the next one is read; no automatic reply is
    sent. Exits with 1 only when a file cannot be read at all.
    """
    try:
        client = client_by_code(client_code) if client_code else None
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from exc
    settings = services.IntakeSettings.from_config(current_app.config)
    unreadable = 0
    with jobs.sandbox_for(current_app.config) as sandbox:
        for path in files:
            try:
                messages = services.messages_in_file(path)
            except OSError as exc:
                unreadable += 1
                click.echo(f"{path}: cannot be read: {exc.strerror or exc}", err=True)
                continue
            for number, raw in enumerate(messages, start=1):
                # One unit of work per message, so a bad one never undoes the others.
                try:
                    with command_unit_of_work():
                        result = services.ingest_message(raw, source="cli", settings=settings, sandbox=sandbox,
                                                         client=client, replies_enabled=False)
                except Exception as exc:  # rolled back: quarantine this one (raw bytes kept) and read the next
                    current_app.logger.exception("intake of %s message %d failed; quarantined", path, number)
                    with command_unit_of_work():
                        result = services.quarantine_message(raw, source="cli", settings=settings, error=exc)
                with command_unit_of_work():
                    record(cli_actor(), "fines.mail_imported", result.message, file=str(path), number=number,
                           fines=[f.id for f in result.fines])
                fine_ids = [f.id for f in result.fines]
                report = {"file": str(path), "number": number, "message_id": result.message.id,
                          "outcome": result.message.status, "reason_code": result.message.reason_code,
                          "reason": result.message.reason, "pdfs": result.pdfs,
                          "fines": fine_ids, "states": [f.state for f in result.fines]}
                if as_json:
                    click.echo(json.dumps(report, ensure_ascii=False))
                else:
                    where = f"{path}#{number}" if len(messages) > 1 else str(path)
                    click.echo(f"{where}: {result.message.status}, {result.pdfs} PDF(s), fines "
                               f"{', '.join(map(str, fine_ids)) or '-'}"
                               + (f" ({services.technical_reason(result.message)})"
                                  if result.message.reason_code else ""))
    if unreadable:
        sys.exit(1)


@fines_cli.command("retry-mail")
@click.argument("message_ids", nargs=-1, required=True, type=int)
@with_appcontext
def retry_mail(message_ids: tuple[int, ...]) -> None:
    """Read refused (quarantined) e-mails again from their stored bytes, after a fix."""
    from fines.models import IntakeMessage

    settings = services.IntakeSettings.from_config(current_app.config)
    with jobs.sandbox_for(current_app.config) as sandbox:
        for message_id in message_ids:
            message = db.session.get(IntakeMessage, message_id)
            if message is None:
                raise click.ClickException(f"no message {message_id}")
            before = message.status
            with command_unit_of_work():  # one per message: those read again before a failure stay read
                result = services.retry_message(cli_actor(), message, settings=settings, sandbox=sandbox)
            if before != "quarantined":
                click.echo(f"message {message_id}: {before}, not in quarantine; nothing to do")
                continue
            click.echo(f"message {message_id}: {message.status}, {result.pdfs} PDF(s), fines "
                       f"{', '.join(str(f.id) for f in result.fines) or '-'}"
                       + (f" ({services.technical_reason(message)})" if message.reason_code else ""))


@fines_cli.command("match")
@click.option("--client", "client_code", default=None, help="Only this client's fines.")
@with_appcontext
def match(client_code: str | None) -> None:
    """Match every open fine to its contract again and store its deadlines (in batches).

    For after a bulk change the screens do not see (contracts loaded by hand, a new closing day).
    """
    from app.clock import now, work_calendar
    from fines.workflow import batch, queries

    with command_unit_of_work():
        client_id = client_by_code(client_code).id if client_code else None
        count = batch.match_pending(work_calendar(), now(), client_id=client_id)  # the fines' events say "system"
        record(cli_actor(), "fines.matched_again", client_id=client_id, fines=count)
    states = queries.counts_by_state(client_id)
    click.echo(f"{count} open fine(s) matched again; now " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))


@fines_cli.command("gc-blobs")
@click.option("--dry-run", is_flag=True, help="Only list the files that would be removed.")
@with_appcontext
def gc_blobs(dry_run: bool) -> None:
    """Remove stored files older than an hour that no message or fine names (left by a crash)."""
    from app.clock import now

    removed = services.remove_orphan_blobs(now(), dry_run=dry_run)
    for relative in removed:
        click.echo(relative)
    click.echo(f"{len(removed)} file(s) {'would be removed' if dry_run else 'removed'}", err=True)


@fines_cli.command("fetch")
@with_appcontext
def fetch() -> None:
    """Drain every configured intake mailbox once."""
    click.echo(f"{jobs.fetch_all()} message(s) taken in")


@fines_cli.command("watch")
@with_appcontext
def watch() -> None:
    """Follow every configured mailbox (IMAP IDLE, else polling) until interrupted."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    accounts = jobs.configured_accounts(app.config)
    if not accounts:
        raise click.ClickException("no IMAP accounts configured (FLEETDESK_IMAP_ACCOUNTS)")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threads = [threading.Thread(target=jobs.watch_account, args=(app, a, stop), name=f"imap-{a.name}", daemon=True)
               for a in accounts]
    for thread in threads:
        thread.start()
    click.echo(f"watching {len(threads)} mailbox(es); Ctrl+C stops")
    try:
        while any(t.is_alive() for t in threads) and not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        stop.set()
    for thread in threads:
        thread.join(timeout=30)
