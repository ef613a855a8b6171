"""A driver's assistance cases for ``app.privacy``'s person export: the cases of their contracts, or of their
plates while their contract ran."""
from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.fleet.models import Contract
from assistance.models import Case


def _period(contract: Contract) -> Any:
    start = datetime.combine(contract.start_date, time.min, UTC)
    in_period = sa.and_(Case.client_id == contract.client_id, Case.plate == contract.plate, Case.at >= start)
    if contract.end_date is not None:
        in_period = sa.and_(in_period, Case.at <= datetime.combine(contract.end_date, time.max, UTC))
    return sa.or_(Case.contract_id == contract.id, in_period)


def export_person_cases(contracts: list[Contract]) -> dict[str, Any]:
    """The assistance cases of these contracts (fields as stored: codes, dates, the verdict's codes)."""
    if not contracts:
        return {"cases": []}
    cases = db.session.scalars(sa.select(Case).where(sa.or_(*(_period(c) for c in contracts))).order_by(Case.id))
    return {"cases": [{
        "id": case.id, "plate": case.plate, "at": case.at.isoformat(), "country": case.country, "cause": case.cause,
        "state": case.state, "covered": case.covered, "verdict": case.verdict,
        "replacement_start": case.replacement_start.isoformat() if case.replacement_start else None,
        "replacement_returned": case.replacement_returned.isoformat() if case.replacement_returned else None,
        "opened_at": case.opened_at.isoformat(), "closed_at": case.closed_at.isoformat() if case.closed_at else None}
        for case in cases]}
