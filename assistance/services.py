"""Assistance operations: covers (and their CSV import), cases with verdict and deadlines, providers,
assignments and their events, invoice checks, closing, recharge lines, the provider report and the
figures behind the gauges.

Services flush, never commit (the caller's unit of work does). Every change is audited. What a case is
entitled to comes from the pure core (``assistance.verdict.check``, ``assistance.clocks``,
``assistance.invoices``) and is stored as codes and parameters. Tenancy is the session's: a client
user's session sees only their client's covers and cases (``app.tenancy``).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.documents import pdf_text
from app.extensions import db
from app.fleet.matching import ContractPeriod, match_contract, plate_key
from app.fleet.models import Contract
from app.fleet.plates import normalise_plate
from app.models import Client
from app.recharge import RechargeLine
from app.services import Actor, ServiceError, record
from app.tenancy import TenantViolation, current_tenant
from app.workcalendar import WorkCalendar
from assistance import clocks
from assistance.covers_csv import CoverRow, RowError, parse_covers_csv
from assistance.invoices import ITEMS, InvoiceLine, days_beyond
from assistance.invoices import check_invoice as check_lines
from assistance.models import Case, CaseDeadline, Cover, CoverVehicle, Invoice, Provider, ProviderAssignment
from assistance.rules import place_of
from assistance.terms import (
    Body,
    Cap,
    CaseFacts,
    Cause,
    CoverTerms,
    Deadline,
    Exclusion,
    Finding,
    Formula,
    Product,
    Replacement,
    VehicleFacts,
    Verdict,
)
from assistance.verdict import check

#: Provider events an agent records: what each sets on the assignment.
PROVIDER_EVENTS: tuple[str, ...] = ("contacted", "appointment", "customer_proposed", "photos_arrival", "photos_after",
                                    "mandate_signed")
#: Codes of the verdicts the services write themselves (no cover found); ``assistance.screen_labels`` words them.
SERVICE_FINDINGS: tuple[str, ...] = ("no_cover",)
#: Largest invoice PDF read, in bytes (pages: ``PDF_MAX_PAGES`` of the configuration, as for fines).
MAX_INVOICE_PDF_BYTES = 10 * 1024 * 1024


def _brussels_day(at: datetime, calendar: WorkCalendar) -> date:
    return at.astimezone(calendar.zone).date()


# --- covers ----------------------------------------------------------------------------------

def cover_terms(cover: Cover) -> CoverTerms:
    """The cover as the pure core reads it."""
    return CoverTerms(product=Product(cover.product), formula=Formula(cover.formula) if cover.formula else None,
                      upgrade=cover.upgrade, start=cover.start_date, premium_paid=cover.premium_paid_on,
                      signed=cover.signed_on, end=cover.end_date)


def _clean_cover(values: Mapping[str, Any]) -> dict[str, Any]:
    policy = str(values.get("policy_number") or "").strip()
    if not policy:
        raise ServiceError(_l("A cover needs a policy number."), "policy_number")
    try:
        product = Product(str(values.get("product") or ""))
    except ValueError:
        raise ServiceError(_l("Choose the insurer's product."), "product") from None
    formula_raw = str(values.get("formula") or "")
    try:
        formula = Formula(formula_raw) if formula_raw else None
    except ValueError:
        raise ServiceError(_l("Choose a formula."), "formula") from None
    start, end = values.get("start_date"), values.get("end_date")
    if not isinstance(start, date):
        raise ServiceError(_l("A cover needs a start date."), "start_date")
    if end is not None and end < start:
        raise ServiceError(_l("The end date lies before the start date."), "end_date")
    return {"policy_number": policy, "product": product.value, "formula": formula.value if formula else None,
            "upgrade": bool(values.get("upgrade")), "start_date": start,
            "premium_paid_on": values.get("premium_paid_on"), "signed_on": values.get("signed_on"), "end_date": end}


def _plates(raw: Iterable[str]) -> list[str]:
    plates: list[str] = []
    for item in raw:
        if not item.strip():
            continue
        plate = normalise_plate(item, None)
        if plate is None:
            raise ServiceError(_l("%(plate)s is not a valid plate.", plate=item.strip()), "plates")
        if plate.text not in plates:
            plates.append(plate.text)
    return plates


def _contracts_by_number(client_id: int, numbers: Iterable[str]) -> dict[str, Contract]:
    wanted = {n.strip() for n in numbers if n.strip()}
    if not wanted:
        return {}
    found = {c.contract_number: c for c in db.session.scalars(
        sa.select(Contract).where(Contract.client_id == client_id, Contract.contract_number.in_(wanted)))}
    missing = sorted(wanted - set(found))
    if missing:
        raise ServiceError(_l("There is no lease contract %(number)s.", number=missing[0]), "contracts")
    return found


def save_cover(actor: Actor, client: Client, values: Mapping[str, Any], cover: Cover | None = None) -> Cover:
    """Create or change a cover and the vehicles it names (``plates`` and ``contracts``: lists of text)."""
    cleaned = _clean_cover(values)
    clash = db.session.scalar(sa.select(Cover).where(Cover.client_id == client.id,
                                                     Cover.policy_number == cleaned["policy_number"]))
    if clash is not None and clash is not cover:
        raise ServiceError(_l("Policy %(number)s exists already.", number=cleaned["policy_number"]), "policy_number")
    plates = _plates(values.get("plates") or [])
    contracts = _contracts_by_number(client.id, values.get("contracts") or [])
    if not plates and not contracts and cleaned["formula"] != Formula.ALL_VEHICLES.value:
        raise ServiceError(_l("Name the vehicles the cover insures: plates or lease contracts."), "plates")
    creating = cover is None
    if cover is None:
        cover = Cover(client_id=client.id, **cleaned)
        db.session.add(cover)
        changes: dict[str, Any] = {}
    else:
        changes = {k: [_plain(getattr(cover, k)), _plain(v)] for k, v in cleaned.items() if getattr(cover, k) != v}
        for key, value in cleaned.items():
            setattr(cover, key, value)
    _set_vehicles(cover, client.id, plates, list(contracts.values()))
    db.session.flush()
    if creating:
        record(actor, "assistance.cover_created", cover, policy=cover.policy_number, product=cover.product,
               plates=plates, contracts=sorted(contracts))
    else:
        record(actor, "assistance.cover_updated", cover, policy=cover.policy_number, changes=changes,
               plates=plates, contracts=sorted(contracts))
    return cover


def _set_vehicles(cover: Cover, client_id: int, plates: Sequence[str], contracts: Sequence[Contract]) -> None:
    cover.vehicles[:] = ([CoverVehicle(client_id=client_id, plate=p) for p in plates]
                         + [CoverVehicle(client_id=client_id, contract_id=c.id) for c in contracts])


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@dataclass(frozen=True)
class ImportReport:
    """What a cover import did, or the errors that stopped it (nothing is then written)."""

    created: int
    updated: int
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRefused(ServiceError):
    """A cover import with problems: raised in the caller's unit of work, which rolls back."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(_l("Nothing was imported: %(count)s problem(s).", count=len(report.errors)))
        self.report = report


def import_covers(actor: Actor, client: Client, text: str) -> ImportReport:
    """All or nothing: every bad line is reported and nothing is written until the file is clean.

    A policy already stored is updated (its vehicles become the file's); importing a file twice
    changes nothing the second time.
    """
    tenant = current_tenant(db.session)
    if tenant is not None and tenant != client.id:
        raise TenantViolation(f"covers of client {client.id} imported by tenant {tenant}")
    contracts = {c.contract_number: c for c in db.session.scalars(
        sa.select(Contract).where(Contract.client_id == client.id))}
    parsed = parse_covers_csv(text, contract_numbers=frozenset(contracts))
    if parsed.errors:
        return ImportReport(0, 0, list(parsed.errors))
    existing = {c.policy_number: c for c in db.session.scalars(
        sa.select(Cover).where(Cover.client_id == client.id).options(selectinload(Cover.vehicles)))}
    created = updated = 0
    for row in parsed.covers:
        values = _row_values(row)
        cover = existing.get(row.policy_number)
        vehicles = [(v.plate, contracts[v.contract_number].id if v.contract_number else None) for v in row.vehicles]
        if cover is None:
            cover = Cover(client_id=client.id, **values)
            db.session.add(cover)
            created += 1
        elif (any(getattr(cover, k) != v for k, v in values.items())
              or sorted((v.plate or "", v.contract_id or 0) for v in cover.vehicles)
              != sorted((p or "", c or 0) for p, c in vehicles)):
            for key, value in values.items():
                setattr(cover, key, value)
            updated += 1
        else:
            continue
        cover.vehicles[:] = [CoverVehicle(client_id=client.id, plate=p, contract_id=c) for p, c in vehicles]
    db.session.flush()
    record(actor, "assistance.covers_imported", None, client_id=client.id, created=created, updated=updated)
    return ImportReport(created, updated, [])


def _row_values(row: CoverRow) -> dict[str, Any]:
    return {"policy_number": row.policy_number, "product": row.product.value,
            "formula": row.formula.value if row.formula else None, "upgrade": row.upgrade,
            "start_date": row.start_date, "premium_paid_on": row.premium_paid_on, "signed_on": row.signed_on,
            "end_date": row.end_date}


# --- matching --------------------------------------------------------------------------------

def match_case_contract(client_id: int, plate: str, day: date) -> tuple[Contract | None, dict[str, Any] | None]:
    """The lease contract of ``plate`` in force on ``day`` (the fines' rule), or why there is none."""
    key = plate_key(plate)
    rows = db.session.scalars(sa.select(Contract).where(Contract.client_id == client_id, Contract.plate == key))
    by_id = {c.id: c for c in rows}
    result = match_contract([ContractPeriod(c.id, c.contract_number, c.plate, c.start_date, c.end_date)
                             for c in by_id.values()], plate, day)
    if result.contract is not None:
        return by_id[result.contract.id], None
    return None, result.reason.as_json() if result.reason else None


def _cover_in_force(cover: Cover, day: date) -> bool:
    return cover.start_date <= day and (cover.end_date is None or day < cover.end_date)


def match_cover(client_id: int, plate: str, contract: Contract | None, day: date) -> Cover | None:
    """The cover of the vehicle on ``day``: one naming its plate or its contract, else an all-vehicles cover.

    Among several, one in force that day comes first, then the latest start. A cover not in force is still
    returned (the verdict then says why the case is outside its dates).
    """
    key = plate_key(plate)
    naming = sa.select(CoverVehicle.cover_id).where(CoverVehicle.client_id == client_id, sa.or_(
        CoverVehicle.plate == key, CoverVehicle.contract_id == (contract.id if contract else -1)))
    covers = list(db.session.scalars(sa.select(Cover).where(Cover.client_id == client_id, Cover.id.in_(naming))))
    if not covers:
        covers = list(db.session.scalars(sa.select(Cover).where(Cover.client_id == client_id,
                                                                Cover.formula == Formula.ALL_VEHICLES.value)))
    if not covers:
        return None
    return max(covers, key=lambda c: (_cover_in_force(c, day), c.start_date, c.id))


# --- the stored verdict --------------------------------------------------------------------

def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """The verdict as stored: codes, references and parameters, no sentences."""
    data: dict[str, Any] = dict(verdict.as_json(lambda finding: ""))
    data["reasons"] = [{k: v for k, v in reason.items() if k != "text"} for reason in data["reasons"]]
    return data


def verdict_of(data: Mapping[str, Any]) -> Verdict:
    """Read back what ``verdict_json`` stored."""
    def cap(item: Mapping[str, Any]) -> Cap:
        return Cap(item["item"], item.get("max_cents"), item.get("max_count"), item.get("per"), item.get("ref", ""))

    rv = data.get("replacement_vehicle")
    replacement = Replacement(rv["category"], int(rv["max_days"]), rv["unit"], rv.get("ref", ""),
                              date.fromisoformat(rv["return_by"]) if rv.get("return_by") else None) if rv else None
    return Verdict(
        covered=bool(data.get("covered")),
        reasons=tuple(Finding(r["code"], r.get("ref", ""), r.get("params") or {}, r.get("effect", "note"))
                      for r in data.get("reasons", [])),
        replacement=replacement,
        alternatives=tuple(cap(c) for c in data.get("alternatives", [])),
        caps=tuple(cap(c) for c in data.get("caps", [])),
        deadlines=tuple(Deadline(d["code"], datetime.fromisoformat(d["due"]), d.get("ref", ""))
                        for d in data.get("deadlines", [])),
    )


def stored_verdict(case: Case) -> Verdict | None:
    """The case's verdict, or None when no cover was found for it."""
    return verdict_of(case.verdict) if case.verdict and case.cover_id is not None else None


# --- cases -----------------------------------------------------------------------------------

CASE_FIELDS = ("plate", "registered", "at", "country", "cause", "assistance_called_at_once", "police_tow",
               "helper_arrived_at", "immobilised_until", "repairable_within_3_workdays", "exclusions",
               "trip_started", "max_mass_kg", "body", "passengers")


def _clean_case(values: Mapping[str, Any]) -> dict[str, Any]:
    plate = normalise_plate(str(values.get("plate") or ""), None)
    if plate is None:
        raise ServiceError(_l("%(plate)s is not a valid plate.", plate=str(values.get("plate") or "")), "plate")
    at = values.get("at")
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise ServiceError(_l("Give a date and time."), "at")
    country = str(values.get("country") or "").strip().upper()
    if place_of(country) is None:
        raise ServiceError(_l("%(country)s is not a country code.", country=country), "country")
    try:
        cause = Cause(str(values.get("cause") or ""))
        body = Body(str(values.get("body") or "car"))
        exclusions = sorted(Exclusion(str(e)).value for e in values.get("exclusions") or [])
    except ValueError:
        raise ServiceError(_l("Choose one of the listed values."), "cause") from None
    registered = str(values.get("registered") or "BE").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", registered):
        raise ServiceError(_l("%(country)s is not a country code.", country=registered), "registered")
    mass = values.get("max_mass_kg")
    passengers = int(values.get("passengers") or 1)
    if passengers < 1 or passengers > 99:
        raise ServiceError(_l("Give between 1 and 99 passengers."), "passengers")
    for name in ("helper_arrived_at", "immobilised_until"):
        if values.get(name) is not None and values[name].tzinfo is None:
            raise ServiceError(_l("Give a date and time."), name)
    return {"plate": plate.text, "registered": registered, "at": at.astimezone(UTC), "country": country,
            "cause": cause.value, "assistance_called_at_once": bool(values.get("assistance_called_at_once")),
            "police_tow": bool(values.get("police_tow")), "helper_arrived_at": values.get("helper_arrived_at"),
            "immobilised_until": values.get("immobilised_until"),
            "repairable_within_3_workdays": values.get("repairable_within_3_workdays"),
            "exclusions": exclusions, "trip_started": values.get("trip_started"),
            "max_mass_kg": int(mass) if mass not in (None, "") else None, "body": body.value, "passengers": passengers}


def case_facts(case: Case) -> tuple[VehicleFacts, CaseFacts]:
    """The vehicle and the case as the pure core reads them."""
    vehicle = VehicleFacts(plate=case.plate, registered=case.registered, max_mass_kg=case.max_mass_kg,
                           body=Body(case.body))
    facts = CaseFacts(cause=Cause(case.cause), at=case.at, country=case.country,
                      assistance_called_at_once=case.assistance_called_at_once, police_tow=case.police_tow,
                      helper_arrived_at=case.helper_arrived_at, immobilised_until=case.immobilised_until,
                      repairable_within_3_workdays=case.repairable_within_3_workdays,
                      exclusions=frozenset(Exclusion(e) for e in case.exclusions or []),
                      trip_started=case.trip_started)
    return vehicle, facts


def _judge(case: Case, calendar: WorkCalendar) -> None:
    """Match the case to its contract and cover at its moment, then store the verdict and the deadlines."""
    day = _brussels_day(case.at, calendar)
    contract, reason = match_case_contract(case.client_id, case.plate, day)
    case.contract_id, case.match_reason = (contract.id if contract else None), reason
    cover = match_cover(case.client_id, case.plate, contract, day)
    case.cover_id = cover.id if cover else None
    if cover is None:
        case.covered = False
        case.verdict = {"covered": False, "reasons": [{"code": "no_cover", "ref": "", "effect": "excludes",
                                                      "params": {"plate": case.plate, "day": day.isoformat()}}],
                        "replacement_vehicle": None, "caps": [], "alternatives": [], "deadlines": []}
        _set_deadlines(case, ())
        return
    vehicle, facts = case_facts(case)
    verdict = check(cover_terms(cover), vehicle, facts, calendar=calendar)
    case.covered = verdict.covered
    case.verdict = verdict_json(verdict)
    _set_deadlines(case, _case_deadlines(case, cover, verdict))


def _case_deadlines(case: Case, cover: Cover, verdict: Verdict) -> tuple[Deadline, ...]:
    if not verdict.covered:
        return ()
    if case.replacement_start is None:
        return verdict.deadlines
    return clocks.case_deadlines(Cause(case.cause), case.at, replacement=verdict.replacement,
                                 replacement_start=case.replacement_start, product=Product(cover.product))


def _set_deadlines(case: Case, deadlines: Sequence[Deadline]) -> None:
    """Replace the case's own deadlines (not the providers'), keeping when one was met."""
    met = {d.code: d.met_at for d in case.deadlines if d.assignment_id is None}
    kept = [d for d in case.deadlines if d.assignment_id is not None]
    case.deadlines[:] = kept + [CaseDeadline(client_id=case.client_id, code=d.code, ref=d.ref, due_at=d.due,
                                             met_at=met.get(d.code)) for d in deadlines]
    _refresh_nearest(case)


def _refresh_nearest(case: Case) -> None:
    open_dues = [d.due_at for d in case.deadlines if d.met_at is None]
    case.nearest_due = min(open_dues) if open_dues and case.state == "open" else None


def open_case(actor: Actor, client: Client, values: Mapping[str, Any], *, opened_by_id: int | None,
              calendar: WorkCalendar) -> Case:
    """Register a case, match it to the contract and cover at its moment, store verdict and deadlines."""
    cleaned = _clean_case(values)
    case = Case(client_id=client.id, state="open", opened_by_id=opened_by_id, **cleaned)
    db.session.add(case)
    _judge(case, calendar)
    db.session.flush()
    record(actor, "assistance.case_opened", case, plate=case.plate, cause=case.cause, country=case.country,
           covered=case.covered)
    return case


def _require_open(case: Case) -> None:
    if case.state != "open":
        raise ServiceError(_l("This case is closed."))


def update_case(actor: Actor, case: Case, values: Mapping[str, Any], *, calendar: WorkCalendar) -> Case:
    """Correct the facts of an open case; the verdict and its deadlines are judged again."""
    _require_open(case)
    cleaned = _clean_case(values)
    changes = {k: [_jsonable(getattr(case, k)), _jsonable(v)] for k, v in cleaned.items() if getattr(case, k) != v}
    for key, value in cleaned.items():
        setattr(case, key, value)
    _judge(case, calendar)
    db.session.flush()
    record(actor, "assistance.case_updated", case, changes=changes, covered=case.covered)
    return case


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def set_replacement(actor: Actor, case: Case, *, start: date | None, returned: date | None,
                    calendar: WorkCalendar, now: datetime) -> Case:
    """Record when the replacement vehicle was taken and given back; its return deadline follows."""
    _require_open(case)
    if start is not None and returned is not None and returned < start:
        raise ServiceError(_l("The vehicle cannot be returned before it was taken."), "replacement_returned")
    verdict = stored_verdict(case)
    if start is not None and (verdict is None or verdict.replacement is None):
        raise ServiceError(_l("This case gives no replacement vehicle."), "replacement_start")
    case.replacement_start, case.replacement_returned = start, returned
    _judge(case, calendar)
    if returned is not None:
        for deadline in case.deadlines:
            if deadline.code == "return_replacement" and deadline.met_at is None:
                deadline.met_at = now
        _refresh_nearest(case)
    db.session.flush()
    record(actor, "assistance.replacement_recorded", case, start=_jsonable(start), returned=_jsonable(returned))
    return case


def meet_deadline(actor: Actor, case: Case, deadline_id: int, *, now: datetime) -> CaseDeadline:
    """Mark one of the case's own deadlines met (the police report's receipt came in, proof sent...)."""
    _require_open(case)
    deadline = next((d for d in case.deadlines if d.id == deadline_id and d.assignment_id is None), None)
    if deadline is None:
        raise ServiceError(_l("This case has no such deadline."))
    if deadline.met_at is None:
        deadline.met_at = now
        _refresh_nearest(case)
        db.session.flush()
        record(actor, "assistance.deadline_met", case, deadline=deadline.code, on_time=now <= deadline.due_at)
    return deadline


# --- providers and assignments ---------------------------------------------------------------

def save_provider(actor: Actor, values: Mapping[str, Any], provider: Provider | None = None) -> Provider:
    """Create or change a provider (operator-wide)."""
    name = str(values.get("name") or "").strip()
    if not name:
        raise ServiceError(_l("A provider needs a name."), "name")
    clash = db.session.scalar(sa.select(Provider).where(Provider.name == name))
    if clash is not None and clash is not provider:
        raise ServiceError(_l("Provider %(name)s exists already.", name=name), "name")
    cleaned = {"name": name, "email": (str(values.get("email") or "").strip().lower() or None),
               "phone": (str(values.get("phone") or "").strip() or None), "active": bool(values.get("active", True))}
    if provider is None:
        provider = Provider(**cleaned)
        db.session.add(provider)
        db.session.flush()
        record(actor, "assistance.provider_created", provider, name=name)
    else:
        changes = {k: [getattr(provider, k), v] for k, v in cleaned.items() if getattr(provider, k) != v}
        for key, value in cleaned.items():
            setattr(provider, key, value)
        db.session.flush()
        record(actor, "assistance.provider_updated", provider, changes=changes)
    return provider


def _provider_deadlines(assignment: ProviderAssignment) -> None:
    contact, appointment = clocks.provider_clocks(assignment.accepted_at, assignment.customer_proposed_at)
    case = assignment.case
    mine = {d.code: d for d in case.deadlines if d.assignment_id == assignment.id}
    done = {"provider_contact": assignment.contacted_at, "provider_appointment": assignment.appointment_at}
    for due in (contact, appointment):
        row = mine.get(due.code)
        if row is None:
            row = CaseDeadline(client_id=case.client_id, code=due.code, ref=due.ref, due_at=due.due,
                               assignment_id=assignment.id)
            case.deadlines.append(row)
        row.due_at, row.met_at = due.due, done[due.code]
    _refresh_nearest(case)


def assign_provider(actor: Actor, case: Case, provider: Provider, *, accepted_at: datetime,
                    customer_proposed_at: datetime | None = None) -> ProviderAssignment:
    """Hand the case to a provider who accepted it at ``accepted_at``; its clocks start then (000 4.2)."""
    _require_open(case)
    if not provider.active:
        raise ServiceError(_l("This provider takes no assignments."), "provider")
    if accepted_at.tzinfo is None:
        raise ServiceError(_l("Give a date and time."), "accepted_at")
    assignment = ProviderAssignment(client_id=case.client_id, provider=provider, accepted_at=accepted_at,
                                    customer_proposed_at=customer_proposed_at)
    case.assignments.append(assignment)
    db.session.flush()
    _provider_deadlines(assignment)
    db.session.flush()
    record(actor, "assistance.provider_assigned", case, provider=provider.name, accepted_at=_jsonable(accepted_at))
    return assignment


def record_provider_event(actor: Actor, assignment: ProviderAssignment, event: str, *,
                          at: datetime | None) -> ProviderAssignment:
    """Record what the provider did: contacted the customer, the appointment, a customer's proposal, documents."""
    _require_open(assignment.case)
    if event not in PROVIDER_EVENTS:
        raise ServiceError(_l("Choose one of the listed values."), "event")
    moments = {"contacted": "contacted_at", "appointment": "appointment_at",
               "customer_proposed": "customer_proposed_at"}
    if event in moments:
        if at is None or at.tzinfo is None:
            raise ServiceError(_l("Give a date and time."), "at")
        if at < assignment.accepted_at and event != "customer_proposed":
            raise ServiceError(_l("That moment lies before the provider accepted the assignment."), "at")
        setattr(assignment, moments[event], at)
    else:
        setattr(assignment, event, True)
    _provider_deadlines(assignment)
    db.session.flush()
    record(actor, "assistance.provider_event", assignment.case, event=event, provider=assignment.provider.name,
           at=_jsonable(at) if event in moments else None)
    return assignment


def assignment_facts(assignment: ProviderAssignment) -> clocks.AssignmentFacts:
    """The assignment as the pure clocks read it."""
    return clocks.AssignmentFacts(accepted_at=assignment.accepted_at, contacted_at=assignment.contacted_at,
                                  appointment_at=assignment.appointment_at,
                                  customer_proposed_at=assignment.customer_proposed_at,
                                  photos_arrival=assignment.photos_arrival, photos_after=assignment.photos_after,
                                  mandate_signed=assignment.mandate_signed)


def provider_report(month: date, now: datetime, calendar: WorkCalendar) -> list[clocks.ProviderMonth]:
    """The month's compliance per provider (assignments accepted in it, judged at ``now``)."""
    first = month.replace(day=1)
    since = datetime.combine(first - timedelta(days=1), time.min, calendar.zone).astimezone(UTC)
    until = datetime.combine(clocks.add_months(first, 1) + timedelta(days=1), time.min, calendar.zone).astimezone(UTC)
    rows = db.session.execute(sa.select(ProviderAssignment, Provider.name)
                              .join(Provider, Provider.id == ProviderAssignment.provider_id)
                              .where(ProviderAssignment.accepted_at >= since, ProviderAssignment.accepted_at < until))
    return clocks.monthly_compliance(((name, assignment_facts(a)) for a, name in rows), first, now)


# --- invoices --------------------------------------------------------------------------------

def clean_lines(rows: Iterable[Mapping[str, Any]]) -> list[InvoiceLine]:
    """Typed invoice lines from a form: item, description, quantity, amount in cents; empty rows skipped."""
    lines = []
    for row in rows:
        amount = row.get("amount_cents")
        if amount is None and not str(row.get("description") or "").strip():
            continue
        item = str(row.get("item") or "")
        if item not in ITEMS and item != "other":
            raise ServiceError(_l("Choose one of the listed values."), "lines")
        if amount is None or int(amount) < 0:
            raise ServiceError(_l("Every invoice line needs an amount."), "lines")
        lines.append(InvoiceLine(item=item, description=str(row.get("description") or "").strip()[:200],
                                 quantity=max(1, int(row.get("quantity") or 1)), amount_cents=int(amount)))
    if not lines:
        raise ServiceError(_l("An invoice needs at least one line."), "lines")
    return lines


#: Words on an invoice line that say which cost item it is (Dutch, French, English).
_ITEM_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("replacement_vehicle", ("vervangwagen", "vervangvoertuig", "remplacement", "replacement", "rental", "huur",
                             "location")),
    ("towing", ("sleep", "slepen", "takel", "remorquage", "depannage", "dépannage", "towing", "tow")),
    ("hotel", ("hotel", "hôtel", "overnachting", "nuitée", "nuitee")),
    ("guarding", ("stalling", "bewaking", "gardiennage", "storage", "guarding")),
    ("repatriation", ("repatriëring", "repatriering", "rapatriement", "repatriation")),
    ("transport", ("transport", "vervoer")),
    ("continue_trip", ("verderzetting", "poursuite", "continuation", "continue")),
    ("parts", ("onderdelen", "onderdeel", "pièces", "pieces", "parts", "part")),
)
_AMOUNT_LINE = re.compile(
    r"^(?P<description>.*?[^\d\s].*?)\s+(?:(?P<quantity>\d{1,3})\s*[x×]\s+)?(?:EUR|€)?\s*"
    r"(?P<amount>\d{1,3}(?:[ .\u00a0]\d{3})*(?:[.,]\d{2})|\d+(?:[.,]\d{2}))\s*(?:EUR|€)?$", re.IGNORECASE)
_DAYS = re.compile(r"(\d{1,3})\s*(?:dagen|dag|jours|jour|days|day|nachten|nuits|nights)\b", re.IGNORECASE)
_TOTALS = re.compile(r"\b(totaal|total|btw|tva|vat|subtotal|subtotaal|sous-total)\b", re.IGNORECASE)


def _cents(text: str) -> int:
    digits = re.sub(r"[ .\u00a0](?=\d{3}\b)", "", text).replace(",", ".")
    return round(float(digits) * 100)


def _item_of(description: str) -> str:
    folded = description.casefold()
    return next((item for item, words in _ITEM_WORDS if any(word in folded for word in words)), "other")


def lines_from_text(text: str) -> list[InvoiceLine]:
    """Invoice lines read from an invoice's text: "description ... amount" lines (totals and VAT skipped)."""
    lines = []
    for raw in text.splitlines():
        found = _AMOUNT_LINE.match(raw.strip())
        if found is None or _TOTALS.search(found["description"]):
            continue
        description = found["description"].strip(" .:-\t")
        days = _DAYS.search(description)
        quantity = int(found["quantity"] or (days.group(1) if days else 1))
        lines.append(InvoiceLine(item=_item_of(description), description=description[:200], quantity=max(1, quantity),
                                 amount_cents=_cents(found["amount"])))
    return lines


def lines_from_pdf(data: bytes, *, max_pages: int) -> list[InvoiceLine]:
    """Read an invoice PDF (text layer or OCR) into lines, through the platform's sandboxed PDF reader."""
    if len(data) > MAX_INVOICE_PDF_BYTES:
        raise ServiceError(_l("The file is too large."), "pdf")
    if not data.startswith(b"%PDF-"):
        raise ServiceError(_l("This file is not a PDF."), "pdf")
    read = pdf_text(data, "invoice.pdf")
    if not read.ok:
        if read.reason == "too_many_pages":
            raise ServiceError(_l("The PDF has more than %(count)s pages.", count=max_pages), "pdf")
        if read.reason == "encrypted":
            raise ServiceError(_l("The PDF is protected by a password."), "pdf")
        if read.reason in ("timeout", "cpu_limit", "too_complex", "crashed"):
            raise ServiceError(_l("The PDF took too long to read."), "pdf")
        raise ServiceError(_l("This file could not be read as a PDF."), "pdf")
    lines = lines_from_text(read.text)
    if not lines:
        raise ServiceError(_l("No invoice line with an amount was found in the PDF."), "pdf")
    return lines


def days_used(case: Case) -> int | None:
    """Calendar days the replacement vehicle was kept (both days counted), when both dates are known."""
    if case.replacement_start is None or case.replacement_returned is None:
        return None
    return (case.replacement_returned - case.replacement_start).days + 1


def check_invoice(actor: Actor, case: Case, lines: Sequence[InvoiceLine], *, issuer_kind: str,
                  provider: Provider | None = None, number: str | None = None, source: str = "typed",
                  checked_by_id: int | None = None) -> Invoice:
    """Check an invoice's lines against the case's caps and entitlement and keep the result.

    A provider's invoice is accepted for checking only once the photos on arrival and after the work
    and the signed mandate are in (000 4.3, 5.1).
    """
    _require_open(case)
    if issuer_kind not in ("insurer", "provider"):
        raise ServiceError(_l("Choose one of the listed values."), "issuer_kind")
    if issuer_kind == "provider":
        assignment = next((a for a in case.assignments if provider is None or a.provider_id == provider.id), None)
        if assignment is None:
            raise ServiceError(_l("No provider was assigned to this case."), "provider")
        missing = clocks.assignment_compliance(assignment_facts(assignment), assignment.accepted_at).missing
        if missing:
            raise ServiceError(_l("The photos on arrival and after the work and the signed mandate are needed "
                                  "before the provider's invoice."), "provider")
        provider = assignment.provider
    verdict = stored_verdict(case) or Verdict(False, (), None, (), (), ())
    result = check_lines(verdict, lines, passengers=case.passengers, days_used=days_used(case))
    invoice = Invoice(client_id=case.client_id, issuer_kind=issuer_kind, provider=provider,
                      number=(number or "").strip()[:64] or None, source=source,
                      lines=[{"item": ln.item, "description": ln.description, "quantity": ln.quantity,
                              "amount_cents": ln.amount_cents} for ln in lines],
                      checked=result.as_json(), accepted_cents=result.accepted_cents,
                      refused_cents=result.refused_cents, checked_by_id=checked_by_id)
    case.invoices.append(invoice)
    db.session.flush()
    record(actor, "assistance.invoice_checked", case, issuer=issuer_kind, source=source, lines=len(lines),
           accepted_cents=result.accepted_cents, refused_cents=result.refused_cents)
    return invoice


def close_case(actor: Actor, case: Case, *, now: datetime) -> Case:
    """Close a case; one handed to a provider needs its invoice checked first."""
    _require_open(case)
    if case.assignments and not any(i.issuer_kind == "provider" for i in case.invoices):
        raise ServiceError(_l("Check the provider's invoice before closing the case."))
    case.state, case.closed_at = "closed", now
    _refresh_nearest(case)
    db.session.flush()
    record(actor, "assistance.case_closed", case, covered=case.covered)
    return case


# --- recharge, queue and figures -------------------------------------------------------------

def beyond_entitlement(case: Case, calendar: WorkCalendar) -> int:
    """Days the replacement vehicle was kept beyond the entitlement (the driver's or lessee's to pay)."""
    verdict = stored_verdict(case)
    if verdict is None or verdict.replacement is None or case.replacement_start is None \
            or case.replacement_returned is None:
        return 0
    return days_beyond(verdict.replacement, case.replacement_start, case.replacement_returned, calendar)


def _refused_days_cents(case: Case) -> int:
    """What the invoice checks refused of the replacement vehicle for days beyond the entitlement."""
    return sum(line.get("refused_cents", 0) for invoice in case.invoices for line in invoice.checked.get("lines", [])
               if line.get("item") == "replacement_vehicle"
               and any(r.get("code") == "invoice_days_beyond" for r in line.get("reasons", [])))


def recharge_lines(client_id: int | None, start: date, end: date, calendar: WorkCalendar) -> list[RechargeLine]:
    """Recharge lines of cases closed between ``start`` and ``end`` (Belgian dates) with days beyond the entitlement.

    The amount is what the invoice checks refused of the replacement vehicle (0 when no invoice says it).
    """
    zone = calendar.zone
    since = datetime.combine(start, time.min, zone).astimezone(UTC)
    until = datetime.combine(end, time.max, zone).astimezone(UTC)
    query = (sa.select(Case, Client.code).join(Client, Client.id == Case.client_id)
             .where(Case.state == "closed", Case.closed_at >= since, Case.closed_at <= until)
             .options(selectinload(Case.invoices), selectinload(Case.contract))
             .order_by(Client.code, Case.closed_at, Case.id))
    if client_id is not None:
        query = query.where(Case.client_id == client_id)
    lines = []
    for case, code in db.session.execute(query):
        days = beyond_entitlement(case, calendar)
        if days <= 0:
            continue
        assert case.closed_at is not None
        contract = case.contract
        lines.append(RechargeLine(
            source="assistance", source_id=case.id, client_code=code,
            contract_number=contract.contract_number if contract else "",
            lessee=(contract.driver_name if contract else None) or "", issuer=None, notice_number=None,
            plate=case.plate, offence_at=case.at.astimezone(zone), amount_cents=_refused_days_cents(case),
            currency="EUR", payment_reference=None, due_date=None, processed_on=case.closed_at.astimezone(zone).date(),
            item="replacement_days_beyond", quantity=days))
    return lines


def queue(*, limit: int = 200, client_id: int | None = None) -> list[Case]:
    """Open cases, the nearest open deadline first (cases without one last)."""
    query = (sa.select(Case).where(Case.state == "open")
             .order_by(Case.nearest_due.is_(None), Case.nearest_due, Case.id).limit(limit)
             .options(selectinload(Case.deadlines), selectinload(Case.assignments)))
    if client_id is not None:
        query = query.where(Case.client_id == client_id)
    return list(db.session.scalars(query))


def open_counts() -> list[tuple[str, int]]:
    """Open cases per client code (for the gauge)."""
    return [(code, count) for code, count in db.session.execute(
        sa.select(Client.code, sa.func.count(Case.id)).join(Case, Case.client_id == Client.id)
        .where(Case.state == "open").group_by(Client.code).order_by(Client.code))]


def breached_counts(now: datetime) -> list[tuple[str, int]]:
    """Deadlines of open cases past due and not met, per client code (for the gauge)."""
    return [(code, count) for code, count in db.session.execute(
        sa.select(Client.code, sa.func.count(CaseDeadline.id))
        .join(Case, Case.id == CaseDeadline.case_id).join(Client, Client.id == Case.client_id)
        .where(Case.state == "open", CaseDeadline.met_at.is_(None), CaseDeadline.due_at < now)
        .group_by(Client.code).order_by(Client.code))]


@dataclass(frozen=True)
class Reminder:
    """A deadline of an open case that is near or past, for the agents' reminder mail."""

    case_id: int
    client_code: str
    plate: str
    code: str
    due_at: datetime


def due_reminders(now: datetime, *, within: timedelta = timedelta(hours=24)) -> list[Reminder]:
    """Deadlines of open cases due within ``within`` (or past), not met and not reminded yet; marks them reminded."""
    rows = db.session.execute(
        sa.select(CaseDeadline, Case.plate, Client.code).join(Case, Case.id == CaseDeadline.case_id)
        .join(Client, Client.id == Case.client_id)
        .where(Case.state == "open", CaseDeadline.met_at.is_(None), CaseDeadline.reminded_at.is_(None),
               CaseDeadline.due_at <= now + within)
        .order_by(CaseDeadline.due_at, CaseDeadline.id)).all()
    reminders = []
    for deadline, plate, code in rows:
        deadline.reminded_at = now
        reminders.append(Reminder(deadline.case_id, code, plate, deadline.code, deadline.due_at))
    if reminders:
        db.session.flush()
        record(Actor("scheduler"), "assistance.reminders_sent", None, deadlines=len(reminders))
    return reminders


def providers(*, active_only: bool = False) -> list[Provider]:
    """The providers by name."""
    query = sa.select(Provider).order_by(Provider.name)
    if active_only:
        query = query.where(Provider.active.is_(True))
    return list(db.session.scalars(query))
