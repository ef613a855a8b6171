"""Lease contracts: keep them, import and export them as CSV (callers tell the features what changed)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.database import bulk_insert
from app.extensions import db
from app.fleet.contracts_csv import ContractRow, RowError, parse_contracts_csv, write_contracts_csv
from app.fleet.instructions import Instruction
from app.fleet.models import Contract
from app.fleet.plates import normalise_plate
from app.models import Client
from app.services import Actor, ServiceError, record
from app.tenancy import TenantViolation, current_tenant

FIELDS = ("contract_number", "plate", "plate_country", "driver_name", "driver_email", "driver_address", "vehicle",
          "start_date", "end_date", "instruction")


@dataclass(frozen=True)
class ImportReport:
    """What an import did: created, changed and unchanged counts, or the errors that stopped it;
    ``warnings``: what was imported but leaves fines waiting (a redirect without the driver's address)."""

    created: int
    updated: int
    unchanged: int
    errors: list[RowError]
    plates: frozenset[tuple[int, str]]  # (client id, plate) touched, for re-matching
    warnings: tuple[RowError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRefused(ServiceError):
    """An import with problems: the caller raises it in its unit of work, which rolls back what was written."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(_l("Nothing was imported: %(count)s problem(s).", count=len(report.errors)))
        self.report = report


def clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """Validate one contract's values as a form gives them; raise ``ServiceError`` on the first problem."""
    number = str(values.get("contract_number") or "").strip()
    if not number:
        raise ServiceError(_l("A contract needs a number."), "contract_number")
    plate = normalise_plate(str(values.get("plate") or ""), (values.get("plate_country") or None))
    if plate is None:
        raise ServiceError(_l("%(plate)s is not a valid plate.", plate=str(values.get("plate") or "")), "plate")
    start, end = values.get("start_date"), values.get("end_date")
    if not isinstance(start, date):
        raise ServiceError(_l("A contract needs a start date."), "start_date")
    if end is not None and end < start:
        raise ServiceError(_l("The end date lies before the start date."), "end_date")
    instruction = str(values.get("instruction") or "")
    if instruction not in ("redirect", "recharge"):
        raise ServiceError(_l("The instruction is redirect or recharge."), "instruction")
    return {
        "contract_number": number, "plate": plate.text, "plate_country": plate.country,
        "driver_name": (values.get("driver_name") or "").strip() or None,
        "driver_email": (values.get("driver_email") or "").strip().lower() or None,
        "driver_address": (values.get("driver_address") or "").strip() or None,
        "vehicle": (values.get("vehicle") or "").strip() or None,
        "start_date": start, "end_date": end, "instruction": instruction,
    }


def save_contract(actor: Actor, client: Client, values: dict[str, Any], contract: Contract | None = None) -> Contract:
    """Create or change one contract; the caller tells the features (``app.fleet.contracts_changed``)."""
    cleaned = clean_values(values)
    clash = db.session.scalar(sa.select(Contract).where(
        Contract.client_id == client.id, Contract.contract_number == cleaned["contract_number"]))
    if clash is not None and clash is not contract:
        raise ServiceError(_l("Contract %(number)s exists already.", number=cleaned["contract_number"]),
                           "contract_number")
    if contract is None:
        contract = Contract(client_id=client.id, **cleaned)
        db.session.add(contract)
        db.session.flush()
        record(actor, "contract.created", contract, number=contract.contract_number)
        return contract
    before = {k: _plain(getattr(contract, k)) for k in FIELDS}
    for key, value in cleaned.items():
        setattr(contract, key, value)
    db.session.flush()
    after = {k: _plain(getattr(contract, k)) for k in FIELDS}
    changes = {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}
    if changes:
        record(actor, "contract.updated", contract, number=contract.contract_number, changes=changes,
               old_plate=before["plate"])
    return contract


def overlapping(contract: Contract) -> list[Contract]:
    """Other contracts of the same client and plate whose period overlaps this one's."""
    query = sa.select(Contract).where(Contract.client_id == contract.client_id, Contract.plate == contract.plate,
                                      Contract.id != contract.id,
                                      sa.or_(Contract.end_date.is_(None), Contract.end_date >= contract.start_date))
    if contract.end_date is not None:
        query = query.where(Contract.start_date <= contract.end_date)
    return list(db.session.scalars(query))


def import_contracts(actor: Actor, text: str, *, client: Client | None,
                     allowed_client_ids: set[int] | None) -> ImportReport:
    """All or nothing: every bad line is reported and nothing is written until the file is clean.

    ``client`` is the importing client user's own client (``client_code`` may then be absent);
    staff import for the clients named in the file. Importing the same file again changes nothing.
    """
    clients = {c.code: c for c in db.session.scalars(sa.select(Client))}
    allowed = None if allowed_client_ids is None else {c.code for c in clients.values() if c.id in allowed_client_ids}
    parsed = parse_contracts_csv(text, default_client_code=client.code if client else None,
                                 known_client_codes=set(clients), allowed_client_codes=allowed)
    if parsed.errors:
        return ImportReport(0, 0, 0, list(parsed.errors), frozenset())
    client_ids = {clients[r.client_code].id for r in parsed.rows}
    tenant = current_tenant(db.session)
    if tenant is not None and client_ids - {tenant}:  # new rows are written below the ORM's tenancy check
        raise TenantViolation(f"contracts of clients {sorted(client_ids - {tenant})} imported by tenant {tenant}")
    existing = {(c.client_id, c.contract_number): c for c in db.session.scalars(
        sa.select(Contract).where(Contract.client_id.in_(client_ids)))}
    created = updated = unchanged = 0
    touched: set[tuple[int, str]] = set()
    new_rows: list[dict[str, Any]] = []
    for row in parsed.rows:
        target = clients[row.client_code]
        values = _row_values(row)
        current = existing.get((target.id, row.contract_number))
        if current is None:
            new_rows.append({"client_id": target.id, **values})
            created += 1
            touched.add((target.id, values["plate"]))
            continue
        diff = {k: v for k, v in values.items() if getattr(current, k) != v}
        if not diff:
            unchanged += 1
            continue
        touched.update({(target.id, current.plate), (target.id, values["plate"])})
        for key, value in diff.items():
            setattr(current, key, value)
        updated += 1
    db.session.flush()
    # 150,000 new contracts one ORM object at a time took minutes (a web request must answer in
    # seconds): the new ones go in as one bulk insert (COPY on PostgreSQL).
    for start in range(0, len(new_rows), 20_000):
        bulk_insert(db.session, Contract.__table__, new_rows[start:start + 20_000])
    errors = _overlaps_after_import(touched)
    if errors:
        return ImportReport(0, 0, 0, errors, frozenset())  # the caller raises ImportRefused: rolled back
    record(actor, "contracts.imported", None, client_id=client.id if client else None,
           created=created, updated=updated, unchanged=unchanged)
    return ImportReport(created, updated, unchanged, [], frozenset(touched), tuple(parsed.warnings))


def _overlaps_after_import(touched: set[tuple[int, str]]) -> list[RowError]:
    """The touched plates whose contracts overlap, found in one query (each contract beside the one before it)."""
    if not touched:
        return []
    def previous(column: Any) -> Any:
        return sa.func.lag(column).over(partition_by=(Contract.client_id, Contract.plate),
                                        order_by=(Contract.start_date, Contract.id))

    ordered = sa.select(
        Contract.client_id, Contract.plate, Contract.contract_number, Contract.start_date,
        previous(Contract.id).label("previous_id"), previous(Contract.contract_number).label("previous_number"),
        previous(Contract.end_date).label("previous_end"),
    ).where(Contract.client_id.in_({client_id for client_id, _ in touched})).subquery()
    clashes = db.session.execute(sa.select(ordered).where(
        ordered.c.previous_id.is_not(None),
        sa.or_(ordered.c.previous_end.is_(None), ordered.c.previous_end >= ordered.c.start_date),
    ).order_by(ordered.c.client_id, ordered.c.plate, ordered.c.start_date))
    return [RowError(None, "plate", "overlap_stored",
                     {"other": row.previous_number, "number": row.contract_number, "plate": row.plate})
            for row in clashes if (row.client_id, row.plate) in touched]


def _row_values(row: ContractRow) -> dict[str, Any]:
    return {"contract_number": row.contract_number, "plate": row.plate, "plate_country": row.plate_country,
            "driver_name": row.driver or None, "driver_email": row.driver_email or None,
            "driver_address": row.driver_address or None, "vehicle": row.vehicle or None,
            "start_date": row.start_date, "end_date": row.end_date, "instruction": row.instruction.value}


def export_contracts(client_id: int | None) -> str:
    """The contracts (of one client, or all the session may see) as CSV in the import format."""
    query = sa.select(Contract, Client.code).join(Client, Client.id == Contract.client_id).order_by(
        Client.code, Contract.plate, Contract.start_date)
    if client_id is not None:
        query = query.where(Contract.client_id == client_id)
    rows = [ContractRow(client_code=code, contract_number=c.contract_number, plate=c.plate,
                        plate_country=c.plate_country, driver=c.driver_name or "", start_date=c.start_date,
                        end_date=c.end_date, instruction=Instruction(c.instruction), driver_email=c.driver_email or "",
                        driver_address=c.driver_address or "", vehicle=c.vehicle or "")
            for c, code in db.session.execute(query)]
    return write_contracts_csv(rows)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
