"""The requests register's operations, restriction of processing, the person's export and complete erasure.

A feature holding personal data about a contract's driver adds it through ``add_person_data``: an exporter
(``contracts -> JSON-able dict``) and an eraser (``actor, contracts, data_dir, now, values -> counts``), both
called inside the caller's unit of work. Services flush only.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.fleet.models import Contract
from app.models import AuditEntry, Client
from app.privacy import deadlines
from app.privacy.models import PrivacyRequest, Restriction
from app.services import Actor, ServiceError, record

ERASED = "(erased)"
EXPORT_FORMAT = "fleetdesk-person-export/1"

Exporter = Callable[[list[Contract]], dict[str, Any]]
Eraser = Callable[[Actor, list[Contract], str, datetime, tuple[str, ...]], dict[str, int]]


@dataclass(frozen=True)
class PersonData:
    """One feature's part of a person's data: its name in the export, how to export and erase it."""

    name: str
    export: Exporter
    erase: Eraser | None = None


def add_person_data(app: Flask, part: PersonData) -> None:
    """Let a feature add its data about a contract's driver to the export and the erasure."""
    app.extensions.setdefault("fleetdesk.person_data", {})[part.name] = part


def person_data_parts() -> list[PersonData]:
    parts: dict[str, PersonData] = current_app.extensions.get("fleetdesk.person_data", {})
    return [parts[name] for name in sorted(parts)]


# --- the register ------------------------------------------------------------------------------

def open_request(actor: Actor, client: Client, kind: str, person: str, received_on: date,
                 contract: Contract | None = None) -> PrivacyRequest:
    """Record a data subject's request; its deadline is a calendar month after receipt."""
    if kind not in deadlines.KINDS:
        raise ServiceError(_l("Choose the kind of request."), "kind")
    person = person.strip()
    if not person:
        raise ServiceError(_l("Name the person the request comes from."), "person")
    if contract is not None and contract.client_id != client.id:
        raise ServiceError(_l("That contract belongs to another client."), "contract_number")
    request = PrivacyRequest(client_id=client.id, kind=kind, person=person, received_on=received_on,
                             due_on=deadlines.due_date(received_on), state="open",
                             contract_id=contract.id if contract is not None else None)
    db.session.add(request)
    db.session.flush()
    record(actor, "privacy.request_opened", request, kind=kind, due=request.due_on.isoformat())
    return request


def _require_open(request: PrivacyRequest) -> None:
    if request.state not in deadlines.OPEN_STATES:
        raise ServiceError(_l("This request has been answered already."), "state")


def note_identity(actor: Actor, request: PrivacyRequest, method: str, now: datetime) -> None:
    """Note how the requester's identity was checked (who and when are the acting agent and now)."""
    _require_open(request)
    method = method.strip()
    if not method:
        raise ServiceError(_l("Say how the identity was checked."), "method")
    request.identity_method, request.identity_checked_by, request.identity_checked_at = method, actor.label, now
    record(actor, "privacy.identity_checked", request)
    db.session.flush()


def extend(actor: Actor, request: PrivacyRequest, reason: str, now: datetime) -> None:
    """Extend the deadline once, by two months, for a stated reason (GDPR art. 12(3))."""
    _require_open(request)
    if request.extended_at is not None:
        raise ServiceError(_l("The deadline can be extended only once."), "reason")
    reason = reason.strip()
    if not reason:
        raise ServiceError(_l("An extension needs a reason."), "reason")
    request.extension_reason, request.extended_at, request.state = reason, now, "extended"
    request.due_on = deadlines.due_date(request.received_on, extended=True)
    record(actor, "privacy.request_extended", request, due=request.due_on.isoformat())
    db.session.flush()


def answer(actor: Actor, request: PrivacyRequest, outcome: str, now: datetime, *, refused: bool = False) -> None:
    """Close the request with what was done (or why it was refused); the identity must have been checked."""
    _require_open(request)
    outcome = outcome.strip()
    if not outcome:
        raise ServiceError(_l("Say what was answered."), "outcome")
    if request.identity_checked_at is None and not refused:
        raise ServiceError(_l("Note the identity check before answering."), "outcome")
    request.outcome, request.answered_at = outcome, now
    request.state = "refused" if refused else "answered"
    if refused:
        record(actor, "privacy.request_refused", request)
    else:
        record(actor, "privacy.request_answered", request)
    db.session.flush()


def requests_due(today: date) -> dict[str, int]:
    """Open requests due within ``deadlines.WARN_DAYS`` days (``soon``) and past due (``late``)."""
    rows = db.session.scalars(sa.select(PrivacyRequest.due_on).where(
        PrivacyRequest.state.in_(deadlines.OPEN_STATES),
        PrivacyRequest.due_on <= date.fromordinal(today.toordinal() + deadlines.WARN_DAYS)))
    counts = {"soon": 0, "late": 0}
    for due in rows:
        counts[deadlines.urgency(due, today, "open")] += 1
    return counts


# --- restriction -------------------------------------------------------------------------------

def restricted_contract_ids(contract_ids: Iterable[int]) -> set[int]:
    """Which of these contracts' drivers have their processing restricted now."""
    ids = set(contract_ids)
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(Restriction.contract_id).where(
        Restriction.contract_id.in_(ids), Restriction.lifted_at.is_(None))))


def is_restricted(contract_id: int | None) -> bool:
    return contract_id is not None and bool(restricted_contract_ids([contract_id]))


def restrict(actor: Actor, request: PrivacyRequest, now: datetime) -> Restriction:
    """Restrict processing of the request's contract's driver: kept, but no designation without an override."""
    if request.contract_id is None:
        raise ServiceError(_l("Link the request to the driver's contract first."), "contract_number")
    if is_restricted(request.contract_id):
        raise ServiceError(_l("Processing of this driver's data is restricted already."), "state")
    restriction = Restriction(client_id=request.client_id, contract_id=request.contract_id,
                              request_id=request.id, since=now)
    db.session.add(restriction)
    db.session.flush()
    record(actor, "privacy.restricted", request, contract=request.contract_id)
    return restriction


def lift_restriction(actor: Actor, request: PrivacyRequest, now: datetime) -> None:
    """Lift the restriction of the request's contract's driver."""
    rows = list(db.session.scalars(sa.select(Restriction).where(
        Restriction.contract_id == request.contract_id, Restriction.lifted_at.is_(None))))
    if not rows:
        raise ServiceError(_l("Processing of this driver's data is not restricted."), "state")
    for row in rows:
        row.lifted_at = now
    record(actor, "privacy.restriction_lifted", request, contract=request.contract_id)
    db.session.flush()


def override_restriction(actor: Actor, contract: Contract, obj: Any, reason: str | None) -> None:
    """Refuse to process a restricted driver's data unless an agent gives a reason (then audited)."""
    if not is_restricted(contract.id):
        return
    if not (reason or "").strip():
        raise ServiceError(_l("Processing of this driver's data is restricted (privacy request): tick the "
                              "override and give a reason to designate the driver anyway."), "restriction")
    record(actor, "privacy.restriction_overridden", obj, contract=contract.contract_number,
           reason=(reason or "").strip())


# --- the person: export and erasure -----------------------------------------------------------

def person_contracts(request: PrivacyRequest) -> list[Contract]:
    """The request's contract and the client's other contracts with the same driver (e-mail, else name)."""
    if request.contract_id is None:
        return []
    contract = db.session.get(Contract, request.contract_id)
    if contract is None:
        return []
    if contract.personal_data_erased_at is not None or not (contract.driver_email or contract.driver_name):
        return [contract]  # nothing left to find the driver's other contracts by
    same = (sa.func.lower(Contract.driver_email) == contract.driver_email.lower() if contract.driver_email
            else Contract.driver_name == contract.driver_name)
    query = sa.select(Contract).where(Contract.client_id == contract.client_id,
                                      sa.or_(Contract.id == contract.id, same)).order_by(Contract.start_date)
    return list(db.session.scalars(query))


def personal_values(contracts: list[Contract], extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The person's name, e-mail and address as stored (what erasure looks for and removes)."""
    values = {v.strip() for c in contracts for v in (c.driver_name, c.driver_email, c.driver_address)
              if v and v.strip() and v != ERASED}
    values |= {v.strip() for v in extra if v and v.strip()}
    return tuple(sorted(values, key=len, reverse=True))


def _mentions(value: Any, needles: tuple[str, ...]) -> bool:
    if isinstance(value, str):
        lowered = value.lower()
        return any(n.lower() in lowered for n in needles)
    if isinstance(value, dict):
        return any(_mentions(v, needles) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_mentions(v, needles) for v in value)
    return False


def scrub(value: Any, needles: tuple[str, ...]) -> Any:
    """``value`` with every occurrence of the needles (case-insensitive) replaced by the erased marker."""
    if isinstance(value, str):
        for needle in needles:
            value = _replace_ci(value, needle)
        return value
    if isinstance(value, dict):
        return {k: scrub(v, needles) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, needles) for v in value]
    return value


def _replace_ci(text: str, needle: str) -> str:
    lowered, low_needle, out, start = text.lower(), needle.lower(), [], 0
    while (found := lowered.find(low_needle, start)) >= 0:
        out += [text[start:found], ERASED]
        start = found + len(needle)
    return "".join(out) + text[start:]


def _audit_about(client_id: int, contract_ids: list[int], needles: tuple[str, ...]) -> list[AuditEntry]:
    query = sa.select(AuditEntry).where(sa.or_(AuditEntry.client_id == client_id, AuditEntry.client_id.is_(None)))
    ids = {str(i) for i in contract_ids}
    return [entry for entry in db.session.scalars(query.order_by(AuditEntry.id))
            if (entry.object_type == "Contract" and entry.object_id in ids) or _mentions(entry.details, needles)]


def scrub_audit(client_id: int, contracts: list[Contract], needles: tuple[str, ...]) -> int:
    """Replace the person's values in the audit entries' details by the erased marker; return how many changed."""
    scrubbed = 0
    for entry in _audit_about(client_id, [c.id for c in contracts], needles):
        if _mentions(entry.details, needles):
            entry.details = scrub(entry.details, needles)
            scrubbed += 1
    return scrubbed


def export_person(request: PrivacyRequest) -> dict[str, Any]:
    """Everything held on the request's person, machine-readable (access and portability)."""
    contracts = person_contracts(request)
    needles = personal_values(contracts)
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT, "request": {"id": request.id, "kind": request.kind, "person": request.person,
                                             "received_on": request.received_on.isoformat()},
        "contracts": [_contract_json(c) for c in contracts],
        "audit": [{"at": e.at.isoformat(), "actor": e.actor_label, "action": e.action,
                   "object_type": e.object_type, "object_id": e.object_id, "details": e.details}
                  for e in _audit_about(request.client_id, [c.id for c in contracts], needles)] if contracts else [],
    }
    for part in person_data_parts():
        data[part.name] = part.export(contracts)
    return data


def _contract_json(contract: Contract) -> dict[str, Any]:
    return {"contract_number": contract.contract_number, "plate": contract.plate,
            "plate_country": contract.plate_country, "driver_name": contract.driver_name,
            "driver_email": contract.driver_email, "driver_address": contract.driver_address,
            "vehicle": contract.vehicle, "start_date": contract.start_date.isoformat(),
            "end_date": contract.end_date.isoformat() if contract.end_date else None,
            "instruction": contract.instruction,
            "erased_at": contract.personal_data_erased_at.isoformat() if contract.personal_data_erased_at else None}


def erase_person(actor: Actor, request: PrivacyRequest, data_dir: str, now: datetime) -> dict[str, int]:
    """Erase the person everywhere: features' data and files, the contracts, the audit's personal values.

    Audit entries keep the fact and time of each change; the personal values in their details become the
    erased marker. The register's requests keep their dates, kinds and states (proof the request was
    answered) while the person's name in them becomes the marker too."""
    contracts = person_contracts(request)
    needles = personal_values(contracts, [request.person])
    counts: dict[str, int] = {"contracts": len(contracts)}
    for part in person_data_parts():
        if part.erase is not None:
            for key, value in part.erase(actor, contracts, data_dir, now, needles).items():
                counts[key] = counts.get(key, 0) + value
    for contract in contracts:
        contract.driver_name, contract.driver_email, contract.driver_address = ERASED, None, None
        contract.personal_data_erased_at = now
    scrubbed = scrub_audit(request.client_id, contracts, needles)
    for other in db.session.scalars(sa.select(PrivacyRequest).where(PrivacyRequest.client_id == request.client_id)):
        if _mentions([other.person, other.outcome, other.identity_method, other.extension_reason], needles):
            other.person = scrub(other.person, needles)
            other.outcome, other.identity_method = scrub(other.outcome, needles), scrub(other.identity_method, needles)
            other.extension_reason = scrub(other.extension_reason, needles)
    counts["audit_entries_scrubbed"] = scrubbed
    db.session.flush()
    record(actor, "privacy.person_erased", request, **counts)
    db.session.flush()
    return counts
