"""A driver's personal data: export it (JSON) and erase it on request; expire it after retention."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.fleet.models import Contract
from app.services import Actor, ServiceError, record
from fines.models import Fine

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
    """Anonymise the driver in these contracts and their fines; remove the PDFs of finished fines."""
    removed = 0
    fines = fines_of(contracts)
    for contract in contracts:
        contract.driver_name, contract.driver_email, contract.driver_address = ERASED, None, None
        contract.personal_data_erased_at = now
        for fine in fines[contract.id]:
            removed += _strip_fine(fine, data_dir, now, remove_pdf=fine.state in _FINISHED)
        record(actor, "privacy.driver_erased", contract, number=contract.contract_number)
    db.session.flush()
    return {"contracts": len(contracts), "pdfs_removed": removed}


def expire_closed_fines(data_dir: str, now: datetime, retention_days: int) -> int:
    """Closed fines older than the retention lose their PDFs and personal data (scheduled daily)."""
    limit = now - timedelta(days=retention_days)
    fines = list(db.session.scalars(sa.select(Fine).where(Fine.state == "closed", Fine.closed_at < limit,
                                                           Fine.personal_data_erased_at.is_(None)).limit(5000)))
    for fine in fines:
        _strip_fine(fine, data_dir, now, remove_pdf=True)
        record(Actor("retention"), "privacy.fine_expired", fine)
    db.session.flush()
    return len(fines)


def _strip_fine(fine: Fine, data_dir: str, now: datetime, *, remove_pdf: bool) -> int:
    fine.text = None
    fine.personal_data_erased_at = now
    if not remove_pdf or fine.pdf_path == "":
        return 0
    still_used = db.session.scalar(sa.select(sa.func.count()).select_from(Fine).where(
        Fine.pdf_sha256 == fine.pdf_sha256, Fine.id != fine.id, Fine.personal_data_erased_at.is_(None)))
    root = Path(data_dir)
    if not still_used:
        previews = (root / "previews" / fine.pdf_sha256[:2]).glob(f"{fine.pdf_sha256}-*.png")
        original = [root / fine.original_path] if fine.original_path else []  # the picture it arrived as
        for path in [root / fine.pdf_path, *original, *previews]:
            path.unlink(missing_ok=True)
    fine.pdf_path = ""
    fine.original_path = None
    return 1
