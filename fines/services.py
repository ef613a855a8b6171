"""Fine intake: turn a message (IMAP, upload or command line) into stored fine documents.

``ingest_message`` stores the raw bytes first, then walks the message; the caller commits and
only then moves the IMAP message away, and sends the automatic replies. Every step is idempotent:
on the IMAP identity, on Message-ID plus attachment sha256, and per client on issuer plus notice
number (the later copy is kept as a duplicate linked to the first).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app import mail
from app.clock import now as clock_now
from app.extensions import db
from app.models import Client
from app.services import Actor, ServiceError, record
from app.workcalendar import WorkCalendar
from fines import mime, replies, storage
from fines.models import Fine, IntakeMessage
from fines.sandbox import ParseOutcome, PdfSandbox

logger = logging.getLogger(__name__)
BRUSSELS = ZoneInfo("Europe/Brussels")

FIELDS = ("kind", "language", "issuer", "notice_number", "plate", "plate_country", "offence_at", "letter_date",
          "due_date", "amount_cents", "currency", "payment_reference", "addressee")


@dataclass(frozen=True)
class IntakeSettings:
    """What intake needs from the configuration."""

    data_dir: str
    mail_from: str
    smtp_host: str
    smtp_port: int
    max_message_bytes: int = 60 * 1024 * 1024
    max_pdf_bytes: int = 25 * 1024 * 1024
    calendar: WorkCalendar = field(default_factory=WorkCalendar.belgium)

    @classmethod
    def from_config(cls, config: Any) -> IntakeSettings:
        """Settings of the current app (call inside an app context: the app's calendar is used)."""
        from app.clock import work_calendar

        return cls(data_dir=config["DATA_DIR"], mail_from=config["MAIL_FROM"], smtp_host=config["SMTP_HOST"],
                   smtp_port=int(config["SMTP_PORT"]), max_message_bytes=int(config["INTAKE_MAX_MESSAGE_BYTES"]),
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
    """The stored message, its fines, whether it was new, and the replies to send after commit."""

    message: IntakeMessage
    fines: list[Fine]
    created: bool
    outgoing: list[tuple[str, EmailMessage]] = field(default_factory=list)

    @property
    def destination(self) -> str:
        """The IMAP folder role the message moves to: processed or quarantine."""
        return "processed" if self.message.status == "processed" else "quarantine"


def ingest_message(raw: bytes, *, source: str, settings: IntakeSettings, sandbox: PdfSandbox,
                   imap: ImapRef | None = None, client: Client | None = None,
                   replies_enabled: bool = True) -> IngestResult:
    """Store and read one message; flushes, never commits."""
    if imap is not None:
        existing = db.session.scalar(sa.select(IntakeMessage).where(
            IntakeMessage.account == imap.account, IntakeMessage.folder == imap.folder,
            IntakeMessage.uidvalidity == imap.uidvalidity, IntakeMessage.uid == imap.uid))
        if existing is not None:  # stored before a crash, not yet moved: do not take it in twice
            return IngestResult(existing, list(existing.fines), created=False)

    raw_path, raw_sha = storage.store_blob(settings.data_dir, "mail", raw, ".eml")
    message = IntakeMessage(source=source, account=imap.account if imap else None, folder=imap.folder if imap else None,
                            uidvalidity=imap.uidvalidity if imap else None, uid=imap.uid if imap else None,
                            message_key=raw_sha, raw_path=raw_path, raw_sha256=raw_sha, size=len(raw),
                            status="processed", recipients=[], refusals=[], replies_sent=[])
    db.session.add(message)

    if len(raw) > settings.max_message_bytes:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw[:256 * 1024])
        message.sender = _header(headers, "From")
        message.subject = _header(headers, "Subject")
        message.status, message.reason = "quarantined", (
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
        message.status, message.reason = "quarantined", f"malformed e-mail: {exc}"
        db.session.flush()
        return IngestResult(message, [], created=True)

    message.message_key = (contents.message_id or f"sha256:{raw_sha}")[:255]
    message.sender = (contents.sender or "")[:320] or None
    message.subject = contents.subject
    message.recipients = list(contents.recipients)
    if client is None:
        client = route(contents.recipients)
    if client is None:
        message.status, message.reason = "triage", "no client has any of these addresses: " + (
            ", ".join(contents.recipients) or "(no recipient)")
        db.session.flush()
        return IngestResult(message, [], created=True)
    return _read_contents(message, contents, client, settings, sandbox, replies_enabled)


def _read_contents(message: IntakeMessage, contents: mime.MailContents, client: Client, settings: IntakeSettings,
                   sandbox: PdfSandbox, replies_enabled: bool) -> IngestResult:
    message.client_id = client.id
    message.status, message.reason = "processed", None
    db.session.flush()
    result = IngestResult(message, [], created=True)
    refusals = [replies.Refusal(a.filename or a.content_type, "not_pdf") for a in contents.refused]
    for attachment in contents.pdfs:
        fine = _read_pdf(message, client, attachment, settings, sandbox)
        result.fines.append(fine)
        if fine.state == "quarantined":
            refusals.append(replies.Refusal(attachment.filename or "document.pdf", fine.reason_code or "unreadable",
                                            fine.reason or ""))
    if not contents.pdfs:
        message.reason = "no PDF attached"
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
                   sandbox: PdfSandbox) -> IngestResult:
    """Give a message from triage to a client and read its PDFs (no automatic replies)."""
    if message.status != "triage":
        raise ServiceError("only messages in triage can be assigned", "client")
    contents = mime.parse_mail(storage.read_blob(settings.data_dir, message.raw_path))
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
              sandbox: PdfSandbox) -> Fine:
    digest = attachment.sha256
    existing = db.session.scalar(sa.select(Fine).where(Fine.message_key == message.message_key,
                                                        Fine.pdf_sha256 == digest))
    if existing is not None:  # the same mail again (another UID, or forwarded twice): same fine
        return existing
    pdf_path, _ = storage.store_blob(settings.data_dir, "pdf", attachment.data, ".pdf")
    fine = Fine(message=message, client_id=client.id, message_key=message.message_key,
                filename=attachment.filename, pdf_path=pdf_path, pdf_sha256=digest, size=len(attachment.data),
                confidence={}, problems=[])
    db.session.add(fine)
    if len(attachment.data) > settings.max_pdf_bytes:
        _quarantine(fine, "too_large", f"PDF of {len(attachment.data) / 1048576:.0f} MB exceeds the "
                                       f"{settings.max_pdf_bytes / 1048576:.0f} MB limit")
        db.session.flush()
        _arrived(fine, settings)
        return fine
    outcome = sandbox.parse(attachment.data, attachment.filename)
    apply_outcome(fine, outcome)
    db.session.flush()
    if fine.state in ("read", "review"):
        _link_duplicate(fine)
    _arrived(fine, settings)
    return fine


def _arrived(fine: Fine, settings: IntakeSettings) -> None:
    """Record the fine's first step and, once read, match it to its contract."""
    from fines import processing
    from fines.models import FineEvent

    db.session.add(FineEvent(fine_id=fine.id, client_id=fine.client_id, actor_label="intake",
                             from_state="received", to_state=fine.state, note=fine.reason))
    if fine.state == "read":
        processing.refresh(fine, settings.calendar, clock_now())
    else:
        processing.update_deadlines(fine, settings.calendar)
    db.session.flush()


def apply_outcome(fine: Fine, outcome: ParseOutcome) -> None:
    """Copy what the PDF reader found onto the fine and decide its state."""
    fine.pages, fine.ocr_pages = outcome.pages, outcome.ocr_pages
    if not outcome.ok:
        _quarantine(fine, outcome.reason or "unreadable", outcome.message or "unreadable PDF")
        return
    fine.text = outcome.text[:200_000]
    values = outcome.fields
    for name in FIELDS:
        setattr(fine, name, _typed(name, values.get(name)))
    fine.confidence = dict(outcome.confidence)
    fine.problems = list(outcome.problems)
    if not (fine.notice_number or fine.plate or fine.amount_cents):
        _quarantine(fine, "no_fine", "no notice number, plate or amount found: this does not look like a fine")
        return
    fine.state = "review" if outcome.needs_review else "read"
    fine.reason = "; ".join(outcome.problems)[:500] or None


def _quarantine(fine: Fine, code: str, message: str) -> None:
    fine.state = "quarantined"
    fine.reason_code = code
    fine.reason = f"{code}: {message}"[:500]


def _typed(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "offence_at":
        return datetime.fromisoformat(value)
    if name in ("letter_date", "due_date"):
        return date.fromisoformat(value)
    return value


def _link_duplicate(fine: Fine) -> None:
    """Link a fine already received for this client (same issuer and notice number)."""
    if not (fine.issuer and fine.notice_number and fine.client_id):
        return
    first = db.session.scalar(sa.select(Fine).where(
        Fine.client_id == fine.client_id, Fine.issuer == fine.issuer, Fine.notice_number == fine.notice_number,
        Fine.id != fine.id, Fine.state != "duplicate").order_by(Fine.id).limit(1))
    if first is not None:
        fine.state, fine.duplicate_of_id = "duplicate", first.id
        fine.reason = f"same issuer and notice number as fine {first.id}"


def ingest_files(files: list[tuple[str, bytes]], *, client: Client, actor: Actor, source: str,
                 settings: IntakeSettings, sandbox: PdfSandbox) -> IngestResult:
    """Take in uploaded or command-line files through the same pipeline as e-mail."""
    msg = EmailMessage()
    msg["From"] = actor.label if "@" in actor.label else settings.mail_from
    msg["To"] = client.intake_address
    msg["Subject"] = f"{source} by {actor.label}: " + ", ".join(name for name, _ in files)[:200]
    msg.set_content(f"Files taken in by {source}.")
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=Path(name).name)
    result = ingest_message(msg.as_bytes(), source=source, settings=settings, sandbox=sandbox, client=client,
                            replies_enabled=False)
    record(actor, f"fines.{source}", result.message, client_id=client.id, files=[name for name, _ in files],
           fines=[f.id for f in result.fines])
    return result


def send_replies(result: IngestResult, settings: IntakeSettings) -> list[str]:
    """Send the planned automatic replies (after the commit); each kind is sent once per message."""
    sent: list[str] = []
    for kind, reply in result.outgoing:
        if kind in (result.message.replies_sent or []):
            continue
        if not mail.send(reply, settings.smtp_host, settings.smtp_port, what=f"automatic {kind} reply to {reply['To']}"):
            continue
        sent.append(kind)
    if sent:
        result.message.replies_sent = list(result.message.replies_sent or []) + sent
    return sent


def _header(headers: Any, name: str) -> str | None:
    value = headers.get(name)
    return " ".join(str(value).split())[:500] if value else None


def file_report(path: Path | str, result: IngestResult, calendar: WorkCalendar | None = None,
                today: date | None = None) -> dict[str, Any]:
    """What ``fleetdesk fines ingest --json`` prints for one file: state, contract, deadlines, fields."""
    fine = result.fines[0] if result.fines else None
    report: dict[str, Any] = {"file": str(path), "message_id": result.message.id, "message_status": result.message.status}
    if fine is None:
        report.update({"id": None, "state": "refused", "reason": result.message.reason or
                       "; ".join(r["code"] for r in result.message.refusals)})
        return report
    report.update({"id": fine.id, "state": fine.state, "reason": fine.reason,
                   "duplicate_of": fine.duplicate_of_id})
    for name, value in fine_fields(fine).items():
        report[name] = value
    if calendar is not None and today is not None:
        from fines import processing

        workflow = processing.to_json(fine, calendar, today)
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


#: Why a correction is refused, in English (``fines.labels.CORRECTION_ERRORS`` says them translated).
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
    from fines.money import reference_check_fails
    from fines.plates import normalise_plate

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

    before = fine_fields(fine)
    for name in FIELDS:
        value = cleaned.get(name)
        setattr(fine, name, value if value not in ("",) else None)
    fine.confidence = {name: 1.0 for name in FIELDS}
    fine.problems = []
    if fine.state in ("received", "review", "quarantined"):
        fine.state = "read"  # the event is written by correct_and_refresh
    fine.reason, fine.reason_code = None, None
    fine.reviewed_at = clock_now()
    fine.reviewed_by_id = actor.user_id
    db.session.flush()
    after = fine_fields(fine)
    changes = {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}
    extra = {"reference_kept_as_printed": True} if kept_as_printed else {}
    record(actor, "fine.corrected", fine, note=note, changes=changes, **extra)
    _link_duplicate(fine)
    return fine


def correct_and_refresh(actor: Actor, fine: Fine, values: dict[str, Any], *, note: str, calendar: WorkCalendar,
                        now: datetime, keep_reference: bool = False) -> Fine:
    """Apply an agent's correction, then match the fine again (it may now find its contract)."""
    from fines import processing

    previous = fine.state
    correct_fine(actor, fine, values, note=note, keep_reference=keep_reference)
    if previous != "read" and fine.state == "read":
        from fines.models import FineEvent

        db.session.add(FineEvent(fine_id=fine.id, client_id=fine.client_id, actor_label=actor.label,
                                 from_state=previous, to_state="read", note=note))
    if fine.state == "read":
        processing.refresh(fine, calendar, now, actor)
    else:
        processing.update_deadlines(fine, calendar)
    return fine


def page_preview(fine: Fine, page: int, data_dir: str, sandbox_factory: Any) -> bytes | None:
    """A PNG of one page of the fine's PDF, rendered in the sandbox once and kept beside the PDF."""
    cached = Path(data_dir) / "previews" / fine.pdf_sha256[:2] / f"{fine.pdf_sha256}-{page}.png"
    if cached.exists():
        return cached.read_bytes()
    with sandbox_factory() as sandbox:
        png = sandbox.render_page(storage.read_blob(data_dir, fine.pdf_path), page)
    if png is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(png)
        tmp.replace(cached)
    return png
