"""Fine intake: turn a message (IMAP, upload or command line) into stored fine documents.

``ingest_message`` stores the raw bytes first, then walks the message; the caller queues the
automatic replies in the outbox (``queue_replies``), commits (the replies leave after it) and only
then moves the IMAP message away. Every step is idempotent: on the IMAP identity, on Message-ID
plus attachment sha256, and per client on issuer plus notice number (the later copy is kept as a
duplicate linked to the first).
"""
from __future__ import annotations

import logging
import mailbox
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import blobs, mail, storage
from app.blobs import named_blob_paths
from app.clock import now as clock_now
from app.extensions import db
from app.models import Client
from app.services import Actor, ServiceError, record
from app.workcalendar import BRUSSELS, WorkCalendar
from fines.intake import mime, replies
from fines.intake.extraction import FIELDS
from fines.intake.sandbox import ParseOutcome, PdfSandbox
from fines.models import Fine, IntakeMessage
from fines.reasons import Reason

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntakeSettings:
    """What intake needs from the configuration."""

    data_dir: str
    mail_from: str
    max_message_bytes: int = 60 * 1024 * 1024
    max_pdf_bytes: int = 25 * 1024 * 1024
    calendar: WorkCalendar = field(default_factory=WorkCalendar.belgium)

    @classmethod
    def from_config(cls, config: Any) -> IntakeSettings:
        """Settings of the current app (call inside an app context: the app's calendar is used)."""
        from app.clock import work_calendar

        return cls(data_dir=config["DATA_DIR"], mail_from=config["MAIL_FROM"],
                   max_message_bytes=int(config["INTAKE_MAX_MESSAGE_BYTES"]),
                   max_pdf_bytes=int(config["INTAKE_MAX_PDF_BYTES"]), calendar=work_calendar())


@dataclass(frozen=True)
class ImapRef:
    """Where a message came from on the IMAP server."""

    account: str
    folder: str
    uidvalidity: int
    uid: int


@dataclass
class IngestResult:
    """The stored message, its fines, whether it was new, and the automatic replies ``queue_replies`` queues."""

    message: IntakeMessage
    fines: list[Fine]
    created: bool
    outgoing: list[tuple[str, EmailMessage]] = field(default_factory=list)
    pdfs: int = 0  # PDFs found in the message (several may be one fine)

    @property
    def destination(self) -> str:
        """The IMAP folder role the message moves to: processed (a held message is stored too) or quarantine."""
        return "processed" if self.message.status in ("processed", "held") else "quarantine"


def ingest_message(raw: bytes, *, source: str, settings: IntakeSettings, sandbox: PdfSandbox | None,
                   imap: ImapRef | None = None, client: Client | None = None,
                   replies_enabled: bool = True, hold_suspended: bool = True) -> IngestResult:
    """Store and read one message; flushes, never commits.

    A message that cannot be read is quarantined with its reason code; nothing about one message
    raises (but the database or the disk being away does). Mail for a suspended client is stored and
    held (``held``, ``client_suspended``) with one automatic reply, until ``take_in_held``.
    """
    existing = _stored_from_imap(imap)
    if existing is not None:  # stored before a crash, not yet moved: do not take it in twice
        return IngestResult(existing, list(existing.fines), created=False)
    message = _store_message(raw, source, settings, imap)
    return _take_in(message, raw, settings=settings, sandbox=sandbox, client=client, replies_enabled=replies_enabled,
                    hold_suspended=hold_suspended)


def quarantine_message(raw: bytes, *, source: str, settings: IntakeSettings, error: BaseException,
                       imap: ImapRef | None = None) -> IngestResult:
    """Keep a message that intake failed on, unread, in quarantine (call after rolling back); flushes.

    Its raw bytes are stored, so it can be read again (``retry_message``) once the cause is fixed.
    """
    existing = _stored_from_imap(imap)
    if existing is not None:
        return IngestResult(existing, list(existing.fines), created=False)
    message = _store_message(raw, source, settings, imap)
    _show_headers(message, raw)
    _refuse(message, "intake_error", type(error).__name__)
    db.session.flush()
    return IngestResult(message, [], created=True)


def retry_message(actor: Actor, message: IntakeMessage, *, settings: IntakeSettings,
                  sandbox: PdfSandbox | None) -> IngestResult:
    """Read a quarantined message again from its stored bytes (after a fix); flushes, never commits.

    Idempotent: a message no longer in quarantine is left as it is, and its PDFs become the same
    fines again (Message-ID plus sha256). No automatic reply is sent.
    """
    if message.status != "quarantined":
        return IngestResult(message, list(message.fines), created=False)
    raw = blobs.store().get(message.raw_path)
    client = db.session.get(Client, message.client_id) if message.client_id else None
    previous = message.reason_code
    result = _take_in(message, raw, settings=settings, sandbox=sandbox, client=client, replies_enabled=False)
    record(actor, "fines.message_retried", message, before=previous, status=message.status,
           fines=[f.id for f in result.fines])
    return result


#: How a picture that arrived as a fine is named in storage (beside the PDF made of it).
PICTURE_SUFFIXES = {"jpeg": ".jpg", "png": ".png", "tiff": ".tif", "heic": ".heic"}
#: A stored file younger than this may still be waiting for its row's commit.
ORPHAN_AGE_SECONDS = 3600


def remove_orphan_blobs(now: datetime, *, dry_run: bool = False) -> list[str]:
    """Remove the blobs (and a file store's left-over temporary files) older than an hour that no row names.

    Returns their keys; with ``dry_run`` nothing is removed.
    """
    limit = now - timedelta(seconds=ORPHAN_AGE_SECONDS)
    store = blobs.store()
    candidates = [blob.key for blob in store.listing() if blob.modified < limit]
    orphans: list[str] = []
    for start in range(0, len(candidates), 500):
        batch = candidates[start:start + 500]
        named = named_blob_paths(batch)  # every feature's rows: fines, raw mails, ticket attachments
        for key in batch:
            if key in named:
                continue
            orphans.append(key)
            if not dry_run:
                store.delete(key)
    if orphans:
        logger.info("%s %d stored blob(s) no row names", "found" if dry_run else "removed", len(orphans))
    return orphans


def _stored_from_imap(imap: ImapRef | None) -> IntakeMessage | None:
    if imap is None:
        return None
    return db.session.scalar(sa.select(IntakeMessage).where(
        IntakeMessage.account == imap.account, IntakeMessage.folder == imap.folder,
        IntakeMessage.uidvalidity == imap.uidvalidity, IntakeMessage.uid == imap.uid))


def _store_message(raw: bytes, source: str, settings: IntakeSettings, imap: ImapRef | None) -> IntakeMessage:
    """Keep the raw bytes first (content-addressed) and add the message's row."""
    staged = blobs.stage("mail", raw, ".eml")
    message = IntakeMessage(source=source, account=imap.account if imap else None, folder=imap.folder if imap else None,
                            uidvalidity=imap.uidvalidity if imap else None, uid=imap.uid if imap else None,
                            message_key=staged.sha256, raw_path=staged.key, raw_sha256=staged.sha256,
                            size=len(raw), status="processed", recipients=[], refusals=[], replies_sent=[])
    db.session.add(message)
    return message


def _take_in(message: IntakeMessage, raw: bytes, *, settings: IntakeSettings, sandbox: PdfSandbox | None,
             client: Client | None, replies_enabled: bool, hold_suspended: bool = False) -> IngestResult:
    """Read a stored message: limits, parsing, routing, then its PDFs."""
    if len(raw) > settings.max_message_bytes:
        _show_headers(message, raw)
        message.status, message.reason_code, message.reason = "quarantined", "message_too_large", (
            f"message of {len(raw) / 1048576:.0f} MB exceeds the {settings.max_message_bytes / 1048576:.0f} MB limit")
        refusal = replies.Refusal(message.subject or "message", "too_large")
        message.refusals = [refusal.__dict__]
        db.session.flush()
        result = IngestResult(message, [], created=True)
        _plan_refusal_reply(result, [refusal], settings, replies_enabled)
        return result

    try:
        contents = mime.parse_mail(raw)
    except mime.MalformedMail as exc:
        _show_headers(message, raw)
        _refuse(message, exc.code, exc.detail)
        db.session.flush()
        return IngestResult(message, [], created=True)
    except Exception as exc:  # a parser bug must cost this one message, never the mailbox
        logger.exception("message %s (sha256 %s) could not be taken apart", message.id, message.raw_sha256)
        _show_headers(message, raw)
        _refuse(message, "unparseable", type(exc).__name__)
        db.session.flush()
        return IngestResult(message, [], created=True)

    message.message_key = (contents.message_id or f"sha256:{message.raw_sha256}")[:255]
    message.sender = (contents.sender or "")[:320] or None
    message.subject = contents.subject
    message.recipients = list(contents.recipients)
    if client is None:
        client = route(contents.recipients)
    if client is None:
        message.status, message.reason_code = "triage", "no_client"
        message.reason = ", ".join(contents.recipients)[:500] or None  # the addresses it came to
        db.session.flush()
        return IngestResult(message, [], created=True, pdfs=len(contents.documents))
    if hold_suspended and client.is_suspended:
        return _hold(message, contents, client, settings, replies_enabled)
    return _read_contents(message, contents, client, settings, sandbox, replies_enabled)


def _hold(message: IntakeMessage, contents: mime.MailContents, client: Client, settings: IntakeSettings,
          replies_enabled: bool) -> IngestResult:
    """Keep a suspended client's message, unread, until its suspension is lifted; plan the one reply."""
    message.client_id = client.id
    message.status, message.reason_code, message.reason = "held", "client_suspended", None
    db.session.flush()
    result = IngestResult(message, [], created=True, pdfs=len(contents.documents))
    if replies_enabled and not contents.automatic and message.sender:
        result.outgoing.append(("held", replies.held_reply(sender=message.sender, mail_from=settings.mail_from,
                                                           subject=message.subject, in_reply_to=contents.message_id)))
    return result


def take_in_held(client_id: int, actor: Actor, *, settings: IntakeSettings) -> int:
    """Read the mail held while the client was suspended (``app.client_life.on_client_resumed``); flushes.

    Each held message is read once: it leaves ``held`` in the same transaction, so a second call finds
    nothing. Its fines are stored ``received``, for ``read_fine``; no automatic reply is sent again.
    Returns how many messages were taken in.
    """
    client = db.session.get(Client, client_id)
    if client is None or client.is_suspended:
        return 0
    held = db.session.scalars(sa.select(IntakeMessage).where(
        IntakeMessage.client_id == client_id, IntakeMessage.status == "held").order_by(IntakeMessage.id)
        .with_for_update()).all()
    for message in held:
        _take_in(message, blobs.store().get(message.raw_path), settings=settings, sandbox=None,
                 client=client, replies_enabled=False)
    if held:
        record(actor, "fines.held_taken_in", client, messages=[m.id for m in held],
               fines=[f.id for m in held for f in m.fines])
    return len(held)


def _show_headers(message: IntakeMessage, raw: bytes) -> None:
    """Fill in who sent a refused message and its subject, from its headers alone (bounded)."""
    headers = mime.read_headers(raw)
    message.sender = (headers.sender or "")[:320] or None
    message.subject = headers.subject
    message.recipients = list(headers.recipients)[:50]


def _refuse(message: IntakeMessage, code: str, detail: str = "") -> None:
    """Quarantine a message that was not read: its reason is a code (``fines.web.labels``) and a technical detail."""
    message.status, message.reason_code = "quarantined", code
    message.reason = detail[:500] or None


def technical_reason(message: IntakeMessage) -> str:
    """The message's reason for logs and the command line: ``<code>: <detail>`` (people read ``fines.web.labels``)."""
    if not message.reason_code:
        return message.reason or ""
    return f"{message.reason_code}: {message.reason}" if message.reason else message.reason_code


def _read_contents(message: IntakeMessage, contents: mime.MailContents, client: Client, settings: IntakeSettings,
                   sandbox: PdfSandbox | None, replies_enabled: bool) -> IngestResult:
    message.client_id = client.id
    message.status, message.reason_code, message.reason = "processed", None, None
    db.session.flush()
    result = IngestResult(message, [], created=True, pdfs=len(contents.documents))
    refusals = [replies.Refusal(a.filename or a.content_type, "not_pdf") for a in contents.refused]
    for attachment in contents.documents:  # PDFs, and pictures of letters (read through a PDF made of them)
        fine = _read_pdf(message, client, attachment, settings, sandbox)
        if fine in result.fines:  # the same PDF twice in one message (forwarded twice): one fine
            continue
        result.fines.append(fine)
        if fine.state == "quarantined":
            refusals.append(replies.Refusal(attachment.filename or "document.pdf", fine.reason_code or "unreadable",
                                            fine.reason or ""))
    if not contents.documents:
        message.reason_code = "no_pdf"
        refusals.append(replies.Refusal(contents.subject or "message", "no_pdf"))
    message.refusals = [r.__dict__ for r in refusals]
    db.session.flush()

    if replies_enabled and not contents.automatic and message.sender:
        if contents.has_question:
            result.outgoing.append(("question", replies.question_reply(
                sender=message.sender, mail_from=settings.mail_from, subject=message.subject,
                in_reply_to=contents.message_id)))
        _plan_refusal_reply(result, refusals, settings, True)
    return result


def assign_message(actor: Actor, message: IntakeMessage, client: Client, *, settings: IntakeSettings,
                   sandbox: PdfSandbox | None) -> IngestResult:
    """Give a message from triage to a client and read its PDFs (no automatic replies).

    Without a ``sandbox`` its fines are stored ``received``, for ``read_fine``.
    """
    if message.status != "triage":
        raise ServiceError(_l("Only messages in triage can be given to a client."), "client")
    contents = mime.parse_mail(blobs.store().get(message.raw_path))
    result = _read_contents(message, contents, client, settings, sandbox, replies_enabled=False)
    record(actor, "fines.message_assigned", message, client_id=client.id, fines=[f.id for f in result.fines])
    return result


def _plan_refusal_reply(result: IngestResult, refusals: list[replies.Refusal], settings: IntakeSettings,
                        enabled: bool) -> None:
    if enabled and refusals and result.message.sender:
        result.outgoing.append(("refused", replies.refusal_reply(
            refusals, sender=result.message.sender, mail_from=settings.mail_from,
            subject=result.message.subject, in_reply_to=None)))


def route(recipients: tuple[str, ...] | list[str]) -> Client | None:
    """Find the client whose personalised intake address received the message (first match wins)."""
    if not recipients:
        return None
    clients = {c.intake_address.lower(): c for c in db.session.scalars(
        sa.select(Client).where(sa.func.lower(Client.intake_address).in_([r.lower() for r in recipients])))}
    for address in recipients:
        if address.lower() in clients:
            return clients[address.lower()]
    return None


def _read_pdf(message: IntakeMessage, client: Client, attachment: mime.Attachment, settings: IntakeSettings,
              sandbox: PdfSandbox | None) -> Fine:
    """Store one PDF (or picture) as a fine and read it; without a ``sandbox`` it stays ``received`` for
    ``read_fine``. A picture is stored as it came (``original_path``) and, once read, the PDF the
    reader made of it becomes the fine's document (``pdf_path``)."""
    digest = attachment.sha256
    existing = db.session.scalar(sa.select(Fine).where(Fine.message_key == message.message_key,
                                                        Fine.pdf_sha256 == digest))
    if existing is not None:  # the same mail again (another UID, or forwarded twice): same fine
        return existing
    picture = None if attachment.is_pdf else mime.picture_kind(attachment.data)
    staged = blobs.stage("pdf", attachment.data, PICTURE_SUFFIXES.get(picture or "", ".pdf"))
    fine = Fine(message=message, client_id=client.id, message_key=message.message_key,
                filename=attachment.filename, pdf_path=staged.key, pdf_sha256=digest, size=len(attachment.data),
                original_path=staged.key if picture else None, state="received", confidence={}, problems=[])
    db.session.add(fine)
    if len(attachment.data) > settings.max_pdf_bytes:
        _arrived(fine, _quarantine(fine, "too_large", f"PDF of {len(attachment.data) / 1048576:.0f} MB exceeds the "
                                                      f"{settings.max_pdf_bytes / 1048576:.0f} MB limit"), settings)
        return fine
    if sandbox is not None:
        _read_stored(fine, attachment.data, settings, sandbox)
    return fine


def read_fine(fine_id: int, *, settings: IntakeSettings, sandbox: PdfSandbox) -> Fine | None:
    """Read the PDF of a fine stored as ``received`` and move the fine on; flushes, never commits.

    The one reading service, whoever calls it (the web process's background reader, the scheduler
    catching up after a restart, later a task queue). Safe to call twice: a fine that is no longer
    ``received``, or that another reader holds (PostgreSQL row lock), is left alone (None).
    """
    fine = db.session.scalar(sa.select(Fine).where(Fine.id == fine_id, Fine.state == "received")
                             .with_for_update(skip_locked=True))
    if fine is None:
        return None
    try:
        data = blobs.store().get(fine.pdf_path)
    except storage.BlobMissing:
        _arrived(fine, _quarantine(fine, "unreadable", "the stored PDF is missing"), settings)
        return fine
    except storage.BlobCorrupt:
        _arrived(fine, _quarantine(fine, "unreadable", "the stored PDF no longer matches its sha256"), settings)
        return fine
    _read_stored(fine, data, settings, sandbox)
    return fine


def unread_fines(older_than: datetime, limit: int = 50) -> list[int]:
    """Fines still ``received`` since before ``older_than`` (their reader stopped): oldest first."""
    return list(db.session.scalars(sa.select(Fine.id).where(Fine.state == "received", Fine.created_at < older_than)
                                   .order_by(Fine.created_at, Fine.id).limit(limit)))


def _read_stored(fine: Fine, data: bytes, settings: IntakeSettings, sandbox: PdfSandbox) -> None:
    outcome = sandbox.parse(data, fine.filename)
    if outcome.document is not None:  # a picture: the PDF made of it is the fine's document from now on
        staged = blobs.stage("pdf", outcome.document, ".pdf")
        fine.original_path = fine.original_path or fine.pdf_path
        fine.pdf_path = staged.key
    _arrived(fine, apply_outcome(fine, outcome), settings)


def _arrived(fine: Fine, target: str, settings: IntakeSettings) -> None:
    """Move the received fine to what its reading found (its first step) and, once read, match it."""
    from fines.workflow import services as workflow

    if target in ("read", "review"):
        original = _original_of(fine)
        if original is not None:
            fine.duplicate_of_id = original.id
            target = "duplicate"
    db.session.flush()
    workflow.transition(fine, target, workflow.INTAKE, reasons=_first_step_reasons(fine, target))
    if fine.state == "read":
        workflow.refresh(fine, settings.calendar, clock_now())
    else:
        workflow.update_deadlines(fine, settings.calendar)
    db.session.flush()


def _first_step_reasons(fine: Fine, target: str) -> list[Reason]:
    """Why the fine's reading took it to ``target``: the original it copies, its quarantine, or its problems."""
    if target == "duplicate":
        return [Reason("duplicate_of", {"id": str(fine.duplicate_of_id)})]
    if target == "quarantined":
        return [Reason(fine.reason_code or "unreadable", {"detail": fine.reason} if fine.reason else {})]
    return [Reason.from_json(problem) for problem in fine.problems or ()]


def apply_outcome(fine: Fine, outcome: ParseOutcome) -> str:
    """Copy what the PDF reader found onto the fine; return the state it moves to (the caller moves it)."""
    fine.pages, fine.ocr_pages = outcome.pages, outcome.ocr_pages
    if not outcome.ok:
        return _quarantine(fine, outcome.reason or "unreadable", outcome.message or "unreadable PDF")
    fine.text = outcome.text[:200_000]
    values = outcome.fields
    for name in FIELDS:
        setattr(fine, name, _typed(name, values.get(name)))
    fine.confidence = dict(outcome.confidence)
    fine.problems = [problem.as_json() for problem in outcome.problems]
    if not (fine.notice_number or fine.plate or fine.amount_cents):
        return _quarantine(fine, "no_fine", "no notice number, plate or amount found: this does not look like a fine")
    return "review" if outcome.needs_review else "read"


def _quarantine(fine: Fine, code: str, message: str) -> str:
    """Note why the fine is quarantined (a code, and the technical detail for agents); return the state."""
    fine.reason_code = code
    fine.reason = message[:500]
    return "quarantined"


def _typed(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "offence_at":
        return datetime.fromisoformat(value)
    if name in ("letter_date", "due_date"):
        return date.fromisoformat(value)
    return value


def _original_of(fine: Fine) -> Fine | None:
    """The fine already received for this client with the same issuer and notice number, if any."""
    if not (fine.issuer and fine.notice_number and fine.client_id):
        return None
    return db.session.scalar(sa.select(Fine).where(
        Fine.client_id == fine.client_id, Fine.issuer == fine.issuer, Fine.notice_number == fine.notice_number,
        Fine.id != fine.id, Fine.state.not_in(("duplicate", "received"))).order_by(Fine.id).limit(1))


def _link_duplicate(fine: Fine, actor: Actor) -> None:
    """Link a fine already received for this client (same issuer and notice number): it becomes a duplicate."""
    from fines.workflow import services as workflow

    first = _original_of(fine)
    if first is not None:
        fine.duplicate_of_id = first.id
        workflow.transition(fine, "duplicate", actor, reasons=[Reason("duplicate_of", {"id": str(first.id)})])


def ingest_files(files: list[tuple[str, bytes]], *, client: Client, actor: Actor, source: str,
                 settings: IntakeSettings, sandbox: PdfSandbox | None) -> IngestResult:
    """Take in uploaded or command-line files through the same pipeline as e-mail.

    Without a ``sandbox`` the fines are only stored (``received``): the caller has them read in the
    background (``fines.intake.tasks.read_later``) after its commit.
    """
    # A browser sends any file name (RFC 2231 may carry CR/LF): keep what a header can hold.
    names = ["".join(ch for ch in Path(name.replace("\\", "/")).name if ch.isprintable())[:200] or "upload.pdf"
             for name, _ in files]
    msg = EmailMessage()
    msg["From"] = actor.label if "@" in actor.label else settings.mail_from
    msg["To"] = client.intake_address
    msg["Subject"] = f"{source} by {actor.label}: " + ", ".join(names)[:200]
    msg.set_content(f"Files taken in by {source}.")
    for name, (_, data) in zip(names, files, strict=True):  # one name per file
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    result = ingest_message(msg.as_bytes(), source=source, settings=settings, sandbox=sandbox, client=client,
                            replies_enabled=False, hold_suspended=False)
    record(actor, f"fines.{source}", result.message, client_id=client.id, files=names,
           fines=[f.id for f in result.fines])
    return result


def messages_in_file(path: Path | str) -> list[bytes]:
    """The messages saved in a file: an mbox (its first line is ``From ``) or one ``.eml``.

    Raises ``OSError`` when the file cannot be read at all.
    """
    data = Path(path).read_bytes()
    if not data.removeprefix(mime.BOM).lstrip(b"\r\n").startswith(b"From "):
        return [data]
    with tempfile.TemporaryDirectory() as tmp:
        if data.startswith(mime.BOM):  # the mailbox module would take the first "From " line for body text
            path = Path(tmp) / "mbox"
            path.write_bytes(data.removeprefix(mime.BOM))
        box = mailbox.mbox(str(path), create=False)
        try:
            return [box.get_bytes(key) for key in box.iterkeys()]  # iterating a mailbox gives messages
        finally:
            box.close()


def queue_replies(result: IngestResult) -> list[str]:
    """Queue the planned automatic replies in the outbox, in the caller's unit of work; return their kinds.

    They leave after its commit (and are retried while the mail server is away), never if it rolls
    back. Each kind is queued once per message: ``replies_sent`` records it in the same transaction.
    """
    queued: list[str] = []
    for kind, reply in result.outgoing:
        if kind in (result.message.replies_sent or []) or kind in queued:
            continue
        mail.send_after_commit(reply, what=f"automatic {kind} reply to {reply['To']}")
        queued.append(kind)
    if queued:
        result.message.replies_sent = list(result.message.replies_sent or []) + queued
    return queued


def file_report(path: Path | str, result: IngestResult, calendar: WorkCalendar | None = None,
                today: date | None = None) -> dict[str, Any]:
    """What ``fleetdesk fines ingest --json`` prints for one file: state, contract, deadlines, fields."""
    fine = result.fines[0] if result.fines else None
    report: dict[str, Any] = {"file": str(path), "message_id": result.message.id,
                              "message_status": result.message.status}
    if fine is None:
        refused = "; ".join(r["code"] for r in result.message.refusals)
        report.update({"id": None, "state": "refused", "reason_code": result.message.reason_code or refused,
                       "reason": result.message.reason})
        return report
    report.update({"id": fine.id, "state": fine.state, "reason_code": fine.reason_code, "reason": fine.reason,
                   "problems": list(fine.problems or []), "duplicate_of": fine.duplicate_of_id})
    for name, value in fine_fields(fine).items():
        report[name] = value
    if calendar is not None and today is not None:
        from fines.workflow import queries

        workflow = queries.to_json(fine, calendar, today)
        workflow.pop("id")
        report.update(workflow)
    return report


def fine_fields(fine: Fine) -> dict[str, Any]:
    """The read-out fields of a fine as JSON values (offence time in Brussels local time)."""
    values: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(fine, name)
        if isinstance(value, datetime):
            value = value.astimezone(BRUSSELS).isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        values[name] = value
    return values


#: Why a correction is refused, in English (``fines.web.labels.CORRECTION_ERRORS`` says them translated).
CORRECTION_ERRORS: dict[str, str] = {
    "final": "a {state} fine can no longer be corrected",
    "plate": "{plate} is not a plate of {country}",
    "reference_check": "this structured communication fails its mod-97 check",
    "due_before_letter": "the due date lies before the letter date",
    "offence_after_letter": "the offence lies after the letter date",
}


class CorrectionRefused(ServiceError):
    """A correction the fine's rules refuse; ``code`` and ``params`` let the screen say why in any language."""

    def __init__(self, code: str, field: str, **params: str) -> None:
        super().__init__(CORRECTION_ERRORS[code].format(**params), field)
        self.code = code
        self.params = params


def correct_fine(actor: Actor, fine: Fine, values: dict[str, Any], *, note: str, keep_reference: bool = False) -> Fine:
    """Apply an agent's correction of the read-out fields; the fine becomes read, and it is audited.

    A structured communication whose check digits fail is refused, unless the agent confirms
    (``keep_reference``) that it is kept exactly as printed; the audit entry says so.
    """
    from app.fleet.plates import normalise_plate
    from fines.money import reference_check_fails

    if fine.state in ("processed", "closed", "cancelled", "duplicate"):
        raise CorrectionRefused("final", "state", state=fine.state)
    cleaned = dict(values)
    if cleaned.get("plate"):
        plate = normalise_plate(str(cleaned["plate"]), (cleaned.get("plate_country") or None))
        if plate is None:
            raise CorrectionRefused("plate", "plate", plate=str(cleaned["plate"]),
                                    country=str(cleaned.get("plate_country") or "?"))
        cleaned["plate"], cleaned["plate_country"] = plate.text, plate.country
    reference = "".join(ch for ch in str(cleaned.get("payment_reference") or "") if ch.isdigit())
    kept_as_printed = reference_check_fails(reference)
    if kept_as_printed and not keep_reference:
        raise CorrectionRefused("reference_check", "payment_reference")
    cleaned["payment_reference"] = reference or None
    offence = cleaned.get("offence_at")
    if isinstance(offence, datetime) and offence.tzinfo is None:
        cleaned["offence_at"] = offence.replace(tzinfo=BRUSSELS)
    for key in ("currency", "plate_country"):
        if cleaned.get(key):
            cleaned[key] = str(cleaned[key]).upper()
    letter, due = cleaned.get("letter_date"), cleaned.get("due_date")
    if letter and due and due < letter:
        raise CorrectionRefused("due_before_letter", "due_date")
    if cleaned.get("offence_at") and letter and cleaned["offence_at"].astimezone(BRUSSELS).date() > letter:
        raise CorrectionRefused("offence_after_letter", "offence_at")

    from fines.workflow import services as workflow

    before = fine_fields(fine)
    for name in FIELDS:
        value = cleaned.get(name)
        setattr(fine, name, value if value not in ("",) else None)
    fine.confidence = {name: 1.0 for name in FIELDS}
    fine.problems = []
    if fine.state in ("received", "review", "quarantined"):
        workflow.transition(fine, "read", actor, note=note)
    fine.reason, fine.reason_code = None, None
    fine.reviewed_at = clock_now()
    fine.reviewed_by_id = actor.user_id
    db.session.flush()
    after = fine_fields(fine)
    changes = {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}
    extra = {"reference_kept_as_printed": True} if kept_as_printed else {}
    record(actor, "fine.corrected", fine, note=note, changes=changes, **extra)
    _link_duplicate(fine, actor)
    return fine


def correct_and_refresh(actor: Actor, fine: Fine, values: dict[str, Any], *, note: str, calendar: WorkCalendar,
                        now: datetime, keep_reference: bool = False) -> Fine:
    """Apply an agent's correction, then match the fine again (it may now find its contract)."""
    from fines.workflow import services as workflow

    correct_fine(actor, fine, values, note=note, keep_reference=keep_reference)
    if fine.state == "read":
        workflow.refresh(fine, calendar, now, actor)
    else:
        workflow.update_deadlines(fine, calendar)
    return fine


def page_preview(fine: Fine, page: int, data_dir: str, sandbox_factory: Any) -> bytes | None:
    """A PNG of one page of the fine's PDF, rendered in the sandbox once and kept in this node's cache.

    The cache (``<data_dir>/previews``) is a node's own: another node renders the page again from the blob.
    """
    cached = Path(data_dir) / "previews" / fine.pdf_sha256[:2] / f"{fine.pdf_sha256}-{page}.png"
    if cached.exists():
        return cached.read_bytes()
    with sandbox_factory() as sandbox:
        png = sandbox.render_page(blobs.store().get(fine.pdf_path), page)
    if png is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(png)
        tmp.replace(cached)
    return png
