"""Scheduled and long-running intake work: read the configured IMAP mailboxes."""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from app import mail
from app.clock import work_calendar
from app.documents import DocumentText
from app.extensions import db
from app.i18n import addresses_by_locale
from app.models import Client, Role, User
from app.services import Actor, record
from app.uow import job_unit_of_work
from fines.intake import services
from fines.intake.imap import ImapAccount, ImapError, Mailbox, MessageNotFound, watch
from fines.intake.sandbox import PdfSandbox
from fines.workflow import queries

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
    """A PDF sandbox with the configured limits (wall time, CPU time, memory, pages)."""
    return PdfSandbox(timeout=float(config["PDF_TIMEOUT_SECONDS"]), memory_mb=int(config["PDF_MEMORY_MB"]),
                      cpu_seconds=int(config["PDF_CPU_SECONDS"]), max_pages=int(config["PDF_MAX_PAGES"]))


def read_pdf_text(app: Flask, data: bytes, filename: str | None) -> DocumentText:
    """The platform's sandboxed PDF reader (``app.documents``): one worker under the configured limits."""
    with sandbox_for(app.config) as sandbox:
        outcome = sandbox.parse(data, filename)
    if not outcome.ok:
        return DocumentText(False, reason=outcome.reason or "unreadable", pages=outcome.pages)
    return DocumentText(True, text=outcome.text, pages=outcome.pages)


def take_in_held_mail(client_id: int, actor: Actor) -> int:
    """Take in the mail held for a client whose suspension was lifted (``app.client_life.on_client_resumed``)."""
    return services.take_in_held(client_id, actor, settings=services.IntakeSettings.from_config(current_app.config))


def drain_mailbox(mailbox: Mailbox, account: ImapAccount, settings: services.IntakeSettings,
                  sandbox: PdfSandbox) -> list[services.IngestResult]:
    """Take in every message waiting in the account's folder.

    Per message, in its own unit of work: fetch (BODY.PEEK), store and read, queue its automatic
    replies in the outbox, commit (the replies leave after it), then move it to Processed or
    Quarantine. A crash anywhere leaves either nothing stored (the message is fetched again) or a
    stored message still in the folder, which the next run recognises by its UID and only moves.
    Intake failing on one message rolls that message back, quarantines it (raw bytes kept, reason
    ``intake_error``) and goes on with the next; only the server or the database being away stops
    the run.
    """
    results = []
    for uid in mailbox.uids():
        try:
            fetched = mailbox.fetch(uid)
        except MessageNotFound:  # moved or expunged by someone else since the search
            continue
        ref = services.ImapRef(account.name, fetched.folder, fetched.uidvalidity, fetched.uid)
        try:
            with job_unit_of_work():
                result = services.ingest_message(fetched.raw, source="imap", settings=settings, sandbox=sandbox,
                                                 imap=ref)
                if result.created:
                    services.queue_replies(result)
        except Exception as exc:
            logger.exception("intake of %s uid %s failed; quarantining it", account.name, uid)
            # If this fails too (the database is away), the message stays in the folder for the next run.
            with job_unit_of_work():
                result = services.quarantine_message(fetched.raw, source="imap", settings=settings, error=exc,
                                                     imap=ref)
        target = account.processed_folder if result.destination == "processed" else account.quarantine_folder
        mailbox.move(uid, target)
        results.append(result)
        logger.info("%s uid %s: %s, %d fine(s) → %s", account.name, uid, result.message.status, len(result.fines),
                    target)
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


def morning_round(now: datetime) -> dict[str, int]:
    """Workday morning: remind each client of fines waiting for information near or past their cut-off.

    Mails go out only in working hours; on a day off or outside them nothing is sent (the next
    workday's round catches up). The agents' worklist is the ready fines (``/fines/worklist``).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    calendar = work_calendar()
    today = now.astimezone(calendar.zone).date()
    if not calendar.is_working_time(now):
        logger.info("morning round skipped: %s is outside working hours", now.astimezone(calendar.zone))
        return {"clients": 0, "fines": 0, "worklist": 0}
    due = queries.reminders_due(calendar, today, int(app.config["REMINDER_CUTOFF_WORKDAYS"]))
    settings = services.IntakeSettings.from_config(app.config)
    sent = 0
    for client_id, fines in due.items():
        client = db.session.get(Client, client_id)
        readers = list(db.session.scalars(sa.select(User).where(
            User.client_id == client_id, User.role == Role.CLIENT, User.active)))
        recipients = [u.email for u in readers]
        if client is None or not recipients:
            continue
        for locale, addresses in addresses_by_locale(readers).items():  # each reader in their own language
            message = reminder_mail(client, fines, addresses, settings.mail_from, today, locale=locale)
            # Through the outbox: it leaves after the job's commit, and the scheduler retries it if the
            # mail server is away, so the reminder is recorded as sent with the work that decided it.
            mail.send_after_commit(message, what=f"reminder to {client.code}")
        record(Actor("scheduler"), "fines.reminder_sent", client, fines=[f.id for f in fines], to=recipients)
        sent += 1
    worklist = len(queries.worklist(calendar, today))
    logger.info("morning round: %d client(s) reminded, %d fine(s) ready to process", sent, worklist)
    return {"clients": sent, "fines": sum(len(f) for f in due.values()), "worklist": worklist}


def reminder_mail(client: Client, fines: list[Any], recipients: list[str], mail_from: str, today: date, *,
                  locale: str = "en") -> EmailMessage:
    """The reminder listing fines that wait for the client's information, written in ``locale``."""
    from flask_babel import force_locale, ngettext
    from flask_babel import gettext as _

    from app import formatting
    from fines.web.labels import reason_text
    from fines.workflow.matching import shown_plate

    with force_locale(locale):
        lines = []
        for fine in fines:
            if fine.cutoff is None:
                state = _("no cut-off known")
            elif fine.cutoff < today:
                state = _("cut-off passed")
            else:
                state = _("cut-off %(day)s", day=formatting.day(fine.cutoff))
            why = reason_text(fine.match_reason_code, fine.match_reason_params) or _("information missing")
            lines.append(_("- fine %(id)s: %(issuer)s %(number)s, plate %(plate)s (%(state)s): %(why)s",
                           id=fine.id, issuer=fine.issuer or "", number=fine.notice_number or "",
                           plate=shown_plate(fine.plate) if fine.plate else "?", state=state, why=why))
        subject = ngettext("FleetDesk: %(num)d fine waits for your information",
                           "FleetDesk: %(num)d fines wait for your information", len(fines))
        body = ngettext("%(name)s,\n\nThis fine waits for information from you (for instance the lease contract"
                        " that applied on the day of the offence). Deliver it at the latest 5 working days before"
                        " the fine's due date; after that cut-off the damage, costs and surcharges of a late"
                        " processing are borne by you.",
                        "%(name)s,\n\nThese fines wait for information from you (for instance the lease contract"
                        " that applied on the day of the offence). Deliver it at the latest 5 working days before"
                        " their due dates; after that cut-off the damage, costs and surcharges of a late processing"
                        " are borne by you.", len(fines), name=client.name)
    msg = EmailMessage()
    msg["From"], msg["To"] = mail_from, ", ".join(recipients)
    msg["Subject"] = subject
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body + "\n\n" + "\n".join(lines) + "\n")
    return msg


def read_received(now: datetime) -> int:
    """Read (or, with a broker, hand on) the fines left ``received``; return how many.

    A fine is left alone for its first minutes: the process that stored it handed it on then. Without a
    broker, those a stopped web process left are read here, each in its own transaction. With one, the
    queue keeps what was handed to it, even through a worker's death; what is still ``received`` after
    ``BROKER_GRACE_SECONDS`` was never handed on (its process stopped between commit and submit) and is
    submitted again: reading is idempotent, so a fine submitted twice is read once.
    """
    from app import queue
    from fines.intake import tasks

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    broker = queue.uses_broker(app)
    with job_unit_of_work():  # a short transaction of its own, ended here: each fine is read in its own
        waiting = services.unread_fines(now - timedelta(seconds=BROKER_GRACE_SECONDS if broker else
                                                        READ_GRACE_SECONDS))
    if broker:
        tasks.read_later(app, waiting)
        return len(waiting)
    return sum(1 for fine_id in waiting if tasks.read_now(app, fine_id) is not None)


#: How long a stored fine is left to the web process that received it before the scheduler reads it.
READ_GRACE_SECONDS = 120
#: With a broker: how long a fine may wait in the queue (a burst of scans) before it counts as never handed on.
BROKER_GRACE_SECONDS = 1800


def collect_blobs(now: datetime) -> int:
    """Daily: remove stored blobs no row names any more (older than an hour); return how many."""
    return len(services.remove_orphan_blobs(now))


def expire_fines(now: datetime, config: Mapping[str, Any]) -> dict[str, int]:
    """Nightly, in ``app.privacy``'s retention job: fines past their state's retention and old raw mails."""
    from fines import privacy

    return privacy.expire_fines(config["DATA_DIR"], now, config)


def init_app(app: Flask) -> None:
    """Declare the fines' scheduled jobs (``fleetdesk fines watch`` is the push alternative to polling)."""
    from app.privacy.retention import add_retention
    from app.scheduler import JobSpec, add_job

    minutes = int(app.config["INTAKE_POLL_MINUTES"])
    add_job(app, JobSpec("fines.fetch_mailboxes", fetch_all, {"minute": f"*/{minutes}"},
                         "Read the fine-intake mailboxes."))
    add_job(app, JobSpec("fines.morning_round", morning_round, {"day_of_week": "mon-fri", "hour": 8, "minute": 40},
                         "Remind clients of fines near their cut-off; worklist for agents."))
    add_retention(app, "fines", expire_fines)
    add_job(app, JobSpec("fines.read_received", read_received, {"seconds": 60},
                         "Read uploaded fines a stopped web process left unread.", trigger="interval"))
    add_job(app, JobSpec("fines.gc_blobs", collect_blobs, {"hour": 3, "minute": 40},
                         "Remove stored files that no row names (left by a crash)."))
