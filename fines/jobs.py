"""Scheduled and long-running intake work: read the configured IMAP mailboxes."""
from __future__ import annotations

import json
import logging
import threading
from typing import Any

from flask import Flask, current_app

from app.extensions import db
from fines import services
from fines.imap import ImapAccount, ImapError, Mailbox, watch
from fines.sandbox import PdfSandbox

logger = logging.getLogger(__name__)


def configured_accounts(config: Any) -> list[ImapAccount]:
    """Read ``FLEETDESK_IMAP_ACCOUNTS`` (a JSON list) into accounts; a bad entry stops with its reason."""
    raw = config.get("IMAP_ACCOUNTS") or "[]"
    entries = json.loads(raw) if isinstance(raw, str) else raw
    accounts = []
    for index, entry in enumerate(entries):
        try:
            accounts.append(ImapAccount(**entry))
        except TypeError as exc:
            raise ValueError(f"IMAP account #{index + 1}: {exc}") from exc
    return accounts


def sandbox_for(config: Any) -> PdfSandbox:
    """A PDF sandbox with the configured limits."""
    return PdfSandbox(timeout=float(config["PDF_TIMEOUT_SECONDS"]), memory_mb=int(config["PDF_MEMORY_MB"]))


def drain_mailbox(mailbox: Mailbox, account: ImapAccount, settings: services.IntakeSettings,
                  sandbox: PdfSandbox) -> list[services.IngestResult]:
    """Take in every message waiting in the account's folder.

    Per message: fetch (BODY.PEEK), store and read, commit, then move it to Processed or
    Quarantine, then send replies. A crash anywhere leaves either nothing stored (the message is
    fetched again) or a stored message still in the folder, which the next run recognises by its
    UID and only moves.
    """
    results = []
    for uid in mailbox.uids():
        fetched = mailbox.fetch(uid)
        ref = services.ImapRef(account.name, fetched.folder, fetched.uidvalidity, fetched.uid)
        try:
            result = services.ingest_message(fetched.raw, source="imap", settings=settings, sandbox=sandbox, imap=ref)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("intake of %s uid %s failed; left in %s for the next run", account.name, uid, fetched.folder)
            raise
        target = account.processed_folder if result.destination == "processed" else account.quarantine_folder
        mailbox.move(uid, target)
        if result.created and services.send_replies(result, settings):
            db.session.commit()
        results.append(result)
        logger.info("%s uid %s: %s, %d fine(s) → %s", account.name, uid, result.message.status, len(result.fines), target)
    return results


def fetch_all(now: Any = None) -> int:
    """Scheduler job: drain every configured mailbox once; return the number of messages taken in."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = services.IntakeSettings.from_config(app.config)
    total = 0
    with sandbox_for(app.config) as sandbox:
        for account in configured_accounts(app.config):
            with Mailbox(account) as mailbox:
                total += len(drain_mailbox(mailbox, account, settings, sandbox))
    return total


def watch_account(app: Flask, account: ImapAccount, stop: threading.Event) -> None:
    """Follow one mailbox with IDLE (or polling), reconnecting with back-off, until ``stop`` is set."""
    settings = services.IntakeSettings.from_config(app.config)
    with sandbox_for(app.config) as sandbox:
        def handle(mailbox: Mailbox) -> None:
            with app.app_context():
                try:
                    drain_mailbox(mailbox, account, settings, sandbox)
                except ImapError:
                    raise
                except Exception as exc:  # e.g. the database is away: back off and retry, do not die
                    raise ImapError(f"intake failed, will retry: {exc}") from exc

        watch(account, handle, stop)


def init_app(app: Flask) -> None:
    """Declare the polling job (the ``fleetdesk fines watch`` process is the push alternative)."""
    from app.scheduler import JobSpec, add_job

    minutes = int(app.config["INTAKE_POLL_MINUTES"])
    add_job(app, JobSpec("fines.fetch_mailboxes", fetch_all, {"minute": f"*/{minutes}"},
                         "Read the fine-intake mailboxes."))
