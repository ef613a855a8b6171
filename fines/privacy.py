"""A driver's personal data: export it (JSON) and erase it on request; expire it after retention."""
from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import blobs
from app.extensions import db
from app.fleet.models import Contract
from app.services import Actor, ServiceError, record
from fines.models import Fine, FineEvent, IntakeMessage

logger = logging.getLogger(__name__)
ERASED = "(erased)"
_FINISHED = ("processed", "closed", "cancelled", "duplicate")


def find_driver(query: str) -> list[Contract]:
    """Contracts whose driver name or e-mail matches ``query`` (case-insensitive), erased ones left out."""
    needle = query.strip().lower()
    if len(needle) < 3:
        raise ServiceError(_l("Search with at least 3 characters of a name or e-mail address."), "q")
    return list(db.session.scalars(sa.select(Contract).where(
        Contract.personal_data_erased_at.is_(None),
        sa.or_(sa.func.lower(Contract.driver_name).contains(needle), sa.func.lower(Contract.driver_email) == needle))
        .order_by(Contract.client_id, Contract.start_date)))


def fines_of(contracts: list[Contract]) -> dict[int, list[Fine]]:
    """The fines matched to each of these contracts, by contract id (every contract has a list)."""
    found: dict[int, list[Fine]] = {c.id: [] for c in contracts}
    if found:
        for fine in db.session.scalars(sa.select(Fine).where(Fine.contract_id.in_(found)).order_by(Fine.id)):
            assert fine.contract_id is not None
            found[fine.contract_id].append(fine)
    return found


def export_driver(contracts: list[Contract]) -> dict[str, Any]:
    """Everything FleetDesk holds about the driver(s) of these contracts, machine-readable."""
    def fine_json(fine: Fine) -> dict[str, Any]:
        return {"id": fine.id, "issuer": fine.issuer, "notice_number": fine.notice_number, "plate": fine.plate,
                "offence_at": fine.offence_at.isoformat() if fine.offence_at else None,
                "amount_cents": fine.amount_cents, "state": fine.state, "outcome": fine.outcome}

    fines = fines_of(contracts)
    return {"format": "fleetdesk-driver-export/1", "contracts": [
        {"contract_number": c.contract_number, "plate": c.plate, "plate_country": c.plate_country,
         "driver_name": c.driver_name, "driver_email": c.driver_email, "driver_address": c.driver_address,
         "vehicle": c.vehicle, "start_date": c.start_date.isoformat(),
         "end_date": c.end_date.isoformat() if c.end_date else None, "instruction": c.instruction,
         "fines": [fine_json(f) for f in fines[c.id]]} for c in contracts]}


def erase_driver(actor: Actor, contracts: list[Contract], data_dir: str, now: datetime) -> dict[str, int]:
    """Anonymise the driver in these contracts and their fines: texts, notes, the PDFs of finished fines and
    those naming the driver, raw mails naming them, and their values in the audit log (``app.privacy``)."""
    from app.privacy.services import personal_values, scrub_audit

    needles = personal_values(contracts)
    removed = erase_person_fines(actor, contracts, data_dir, now, needles)["pdfs_removed"]
    for client_id in {c.client_id for c in contracts}:
        scrub_audit(client_id, [c for c in contracts if c.client_id == client_id], needles)
    for contract in contracts:
        contract.driver_name, contract.driver_email, contract.driver_address = ERASED, None, None
        contract.personal_data_erased_at = now
        record(actor, "privacy.driver_erased", contract, number=contract.contract_number)
    db.session.flush()
    return {"contracts": len(contracts), "pdfs_removed": removed}


def expire_closed_fines(data_dir: str, now: datetime, retention_days: int) -> int:
    """Closed fines older than the retention lose their PDFs and personal data."""
    return _expire(data_dir, now, "closed", retention_days)


#: The terminal states whose fines expire, each after its own retention (``app.config``'s settings).
RETENTION_SETTINGS = {"closed": "FINE_RETENTION_DAYS", "cancelled": "RETENTION_FINE_CANCELLED_DAYS",
                      "duplicate": "RETENTION_FINE_DUPLICATE_DAYS", "quarantined": "RETENTION_FINE_QUARANTINED_DAYS"}
_TERMINAL = tuple(RETENTION_SETTINGS)


def expire_fines(data_dir: str, now: datetime, config: Mapping[str, Any]) -> dict[str, int]:
    """The nightly retention (``app.privacy``): every terminal state after its period, fines never closed after
    ``RETENTION_FINE_OPEN_DAYS``, raw mails after ``RETENTION_RAW_MAIL_DAYS``; return the counts by kind."""
    counts = {f"fines_{state}": _expire(data_dir, now, state, int(config[setting]))
              for state, setting in RETENTION_SETTINGS.items()}
    counts["fines_never_closed"] = _expire(data_dir, now, None, int(config["RETENTION_FINE_OPEN_DAYS"]))
    counts["raw_mails"] = expire_raw_mails(data_dir, now, int(config["RETENTION_RAW_MAIL_DAYS"]))
    return counts


def _expire(data_dir: str, now: datetime, state: str | None, retention_days: int) -> int:
    """Fines in ``state`` since before the retention (``None``: still open, arrived before it) lose their data."""
    limit = now - timedelta(days=retention_days)
    query = sa.select(Fine).where(Fine.personal_data_erased_at.is_(None))
    if state is None:
        query = query.where(Fine.state.notin_(_TERMINAL), Fine.created_at < limit)
    elif state == "closed":
        query = query.where(Fine.state == "closed", Fine.closed_at < limit)
    else:
        entered = (sa.select(sa.func.max(FineEvent.at)).where(FineEvent.fine_id == Fine.id,
                                                              FineEvent.to_state == state).scalar_subquery())
        query = query.where(Fine.state == state, sa.func.coalesce(entered, Fine.created_at) < limit)
    fines = list(db.session.scalars(query.order_by(Fine.id).limit(5000)))
    for fine in fines:
        _strip_fine(fine, data_dir, now, remove_pdf=True)
        record(Actor("retention"), "privacy.fine_expired", fine, state=fine.state)
    db.session.flush()
    return len(fines)


def expire_raw_mails(data_dir: str, now: datetime, retention_days: int) -> int:
    """Raw mails received before the retention (their fines were read from them long ago) are removed."""
    limit = now - timedelta(days=retention_days)
    messages = list(db.session.scalars(sa.select(IntakeMessage).where(
        IntakeMessage.received_at < limit, IntakeMessage.raw_path != "", IntakeMessage.status != "triage")
        .order_by(IntakeMessage.id).limit(5000)))
    keys = {message.raw_path for message in messages}
    for message in messages:
        message.raw_path = ""
        message.subject = None
    db.session.flush()
    blobs.remove_unnamed(keys)  # the same mail may be another message's too (forwarded twice)
    return len(messages)


def _strip_fine(fine: Fine, data_dir: str, now: datetime, *, remove_pdf: bool) -> int:
    fine.text = None
    fine.personal_data_erased_at = now
    if not remove_pdf or fine.pdf_path == "":
        return 0
    still_used = db.session.scalar(sa.select(sa.func.count()).select_from(Fine).where(
        Fine.pdf_sha256 == fine.pdf_sha256, Fine.id != fine.id, Fine.personal_data_erased_at.is_(None)))
    keys = {fine.pdf_path, *([fine.original_path] if fine.original_path else [])}  # and the picture it came as
    fine.pdf_path = ""
    fine.original_path = None
    if not still_used:
        for path in (Path(data_dir) / "previews" / fine.pdf_sha256[:2]).glob(f"{fine.pdf_sha256}-*.png"):
            path.unlink(missing_ok=True)  # this node's cache of its pages
        db.session.flush()
        blobs.remove_unnamed(keys)
    return 1


# --- the platform's person data (app.privacy): a driver's fines in the export, and their complete erasure ---

def export_person_fines(contracts: list[Contract]) -> dict[str, Any]:
    """The fines of these contracts with their fields and events, for ``app.privacy``'s person export."""
    fines = fines_of(contracts)
    return {"fines": [{
        "id": fine.id, "contract_number": contract.contract_number, "issuer": fine.issuer,
        "notice_number": fine.notice_number, "plate": fine.plate, "plate_country": fine.plate_country,
        "offence_at": fine.offence_at.isoformat() if fine.offence_at else None, "amount_cents": fine.amount_cents,
        "currency": fine.currency, "payment_reference": fine.payment_reference, "addressee": fine.addressee,
        "state": fine.state, "outcome": fine.outcome, "created_at": fine.created_at.isoformat(),
        "events": [{"at": e.at.isoformat(), "from": e.from_state, "to": e.to_state, "note": e.note}
                   for e in _events(fine)]}
        for contract in contracts for fine in fines[contract.id]]}


def _events(fine: Fine) -> list[FineEvent]:
    return list(db.session.scalars(sa.select(FineEvent).where(FineEvent.fine_id == fine.id).order_by(FineEvent.id)))


def erase_person_fines(actor: Actor, contracts: list[Contract], data_dir: str, now: datetime,
                       needles: tuple[str, ...]) -> dict[str, int]:
    """Remove every trace of the person from these contracts' fines: texts, notes, PDFs and raw mails naming them."""
    from app.privacy.services import scrub

    removed = mails = 0
    fines = fines_of(contracts)
    for contract in contracts:
        for fine in fines[contract.id]:
            names_them = _names(fine.text, needles) or _names(fine.addressee, needles)
            removed += _strip_fine(fine, data_dir, now, remove_pdf=names_them or fine.state in _FINISHED)
            fine.addressee, fine.reason = scrub(fine.addressee, needles), scrub(fine.reason, needles)
            for event in _events(fine):
                event.note = scrub(event.note, needles)
            mails += _redact_mail(fine.message, data_dir, needles)
    db.session.flush()
    return {"pdfs_removed": removed, "mails_removed": mails}


def _names(text: str | None, needles: tuple[str, ...]) -> bool:
    lowered = (text or "").lower()
    return any(n.lower() in lowered for n in needles)


def _mail_text(raw: bytes) -> str:
    """The raw bytes and every header and text part decoded (names hide in base64 and quoted-printable)."""
    pieces = [raw.decode("utf-8", "replace")]
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        pieces += [str(value) for value in message.values()]
        for part in message.walk():
            if part.get_content_maintype() == "text":
                pieces.append(part.get_content())
    except Exception:  # a mail we cannot parse is judged on its raw bytes
        pass
    return "\n".join(pieces)


def _redact_mail(message: IntakeMessage, data_dir: str, needles: tuple[str, ...]) -> int:
    """Remove the raw mail when its bytes or subject name the person (its fines were read from it already)."""
    from app.privacy.services import scrub

    message.subject = scrub(message.subject, needles)
    message.refusals = scrub(message.refusals, needles)
    if not message.raw_path:
        return 0
    stored = blobs.read(message.raw_path)
    if stored is None:
        return 0
    raw = _mail_text(stored).lower()
    if not any(n.lower() in raw for n in needles):
        return 0
    key, message.raw_path = message.raw_path, ""
    db.session.flush()
    blobs.remove_unnamed({key})
    return 1
