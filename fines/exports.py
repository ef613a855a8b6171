"""Queries behind the fine outputs: designations, recharge lines and the liability overview."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.fleet.models import Contract
from app.fleet.plates import Plate, format_plate
from app.models import Client
from app.privacy.services import restricted_contract_ids
from app.workcalendar import WorkCalendar
from fines.models import Fine
from fines.outputs import Designation, RechargeLine
from fines.workflow import services as workflow


def _plate(fine: Fine) -> str:
    return format_plate(Plate(fine.plate_country or "BE", fine.plate)) if fine.plate else ""


def designation_of(fine: Fine, calendar: WorkCalendar) -> Designation | None:
    """The designation of a fine whose contract says redirect and names the driver; else None."""
    contract = fine.contract
    if contract is None or contract.instruction != "redirect" or not contract.driver_name:
        return None
    client = db.session.get(Client, fine.client_id)
    return Designation(
        fine_id=fine.id, client_code=client.code if client else "",
        company=fine.addressee or (client.name if client else ""),
        issuer=fine.issuer, notice_number=fine.notice_number, plate=_plate(fine),
        offence_at=fine.offence_at.astimezone(calendar.zone) if fine.offence_at else None,
        contract_number=contract.contract_number, driver_name=contract.driver_name,
        driver_address=contract.driver_address or "", driver_email=contract.driver_email,
        deadline=fine.designation_due, language=fine.language or "en")


def designations(client_id: int | None, calendar: WorkCalendar) -> list[Designation]:
    """Designations of the ready and redirected fines (of one client, or all the user may see); a ready fine
    of a driver whose processing is restricted (``app.privacy``) is left out."""
    query = (sa.select(Fine).join(Contract, Fine.contract_id == Contract.id)
             .where(Contract.instruction == "redirect", Fine.state.in_(("ready", "processed")))
             .options(joinedload(Fine.contract)).order_by(Fine.client_id, Fine.designation_due, Fine.id))
    if client_id is not None:
        query = query.where(Fine.client_id == client_id)
    fines = list(db.session.scalars(query))
    restricted = restricted_contract_ids(f.contract_id for f in fines if f.state == "ready" and f.contract_id)
    items = [designation_of(f, calendar) for f in fines if not (f.state == "ready" and f.contract_id in restricted)]
    return [i for i in items if i is not None]


def recharge_lines(client_id: int | None, start: date, end: date, calendar: WorkCalendar) -> list[RechargeLine]:
    """Recharge lines of fines processed between ``start`` and ``end`` (Belgian dates, inclusive)."""
    zone = calendar.zone
    since = datetime.combine(start, time.min, zone).astimezone(UTC)
    until = datetime.combine(end, time.max, zone).astimezone(UTC)
    query = (sa.select(Fine, Client.code).join(Client, Client.id == Fine.client_id)
             .where(Fine.outcome == "recharged", Fine.processed_at >= since, Fine.processed_at <= until)
             .options(joinedload(Fine.contract)).order_by(Client.code, Fine.processed_at, Fine.id))
    if client_id is not None:
        query = query.where(Fine.client_id == client_id)
    lines = []
    for fine, code in db.session.execute(query):
        contract = fine.contract
        assert fine.processed_at is not None
        lines.append(RechargeLine(
            source="fine", source_id=fine.id, client_code=code,
            contract_number=contract.contract_number if contract else "",
            lessee=(contract.driver_name if contract else None) or "", issuer=fine.issuer,
            notice_number=fine.notice_number, plate=_plate(fine),
            offence_at=fine.offence_at.astimezone(zone) if fine.offence_at else None,
            amount_cents=fine.amount_cents or 0, currency=fine.currency or "EUR",
            payment_reference=fine.payment_reference, due_date=fine.due_date,
            processed_on=fine.processed_at.astimezone(zone).date()))
    return lines


def liability_overview(client_id: int | None, calendar: WorkCalendar, today: date) -> list[dict[str, Any]]:
    """Per client: fines whose deadline was missed, and who answers for them; plus late deliveries."""
    query = (sa.select(Fine).where(Fine.deadline.is_not(None), Fine.deadline < today,
                                   Fine.state.notin_(("cancelled", "duplicate")))
             .options(joinedload(Fine.contract)))
    if client_id is not None:
        query = query.where(Fine.client_id == client_id)
    rows: dict[int, dict[str, Any]] = {}
    codes = {c.id: c.code for c in db.session.scalars(sa.select(Client))}
    for fine in db.session.scalars(query):
        judged = workflow.assessment(fine, calendar, today)
        row = rows.setdefault(fine.client_id or 0, {"client": codes.get(fine.client_id or 0, "?"), "missed": 0,
                                                      "client_liable": 0, "operator_liable": 0, "in_time": 0})
        if judged.missed:
            row["missed"] += 1
            row["client_liable" if judged.liable and judged.liable.value == "client" else "operator_liable"] += 1
        else:
            row["in_time"] += 1
    return sorted(rows.values(), key=lambda r: r["client"])
