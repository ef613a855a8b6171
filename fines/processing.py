"""The fine workflow: match to the contract, deadlines, ready, processed, closed or cancelled.

Every state change goes through ``transition`` (checked against ``fines.workflow``'s table, with
an event on the fine and an audit entry). ``refresh`` brings a fine up to date after anything it
depends on changed: its fields (intake or correction), or a contract of its plate.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa

from app.database import bulk_insert, bulk_update, planned_per_call, utc_day
from app.extensions import db
from app.models import AuditEntry
from app.services import Actor, ServiceError, record
from app.workcalendar import WorkCalendar
from fines.deadlines import Assessment, FineDates, Instruction, assess, deadlines
from fines.matching import ContractPeriod, MatchResult, match_contract
from fines.models import Contract, Fine, FineEvent
from fines.workflow import STEP_NOTES, FineState, TransitionRefused, check_transition, needed_information

logger = logging.getLogger(__name__)
SYSTEM = Actor(label="system")
INTAKE = Actor(label="intake")  # the reading of a stored fine: its first step
MATCHABLE = {FineState.READ.value, FineState.MATCHED.value, FineState.WAITING_INFO.value, FineState.READY.value}


def transition(fine: Fine, target: str, actor: Actor, *, note: str | None = None, at: datetime | None = None) -> None:
    """Move a fine to ``target`` (refused when the workflow does not allow it), with its event."""
    if fine.state == target and target != FineState.WAITING_INFO.value:
        return
    try:
        check_transition(FineState(fine.state), FineState(target), reason=note)
    except TransitionRefused as exc:
        raise ServiceError(str(exc), "state") from exc
    event = FineEvent(fine_id=fine.id, client_id=fine.client_id, actor_label=actor.label, from_state=fine.state,
                      to_state=target, note=(note or None) and note[:1000])
    if at is not None:
        event.at = at
    db.session.add(event)
    if actor is not SYSTEM and actor is not INTAKE:  # automatic steps are in the fine's own events; people's also in the audit log
        record(actor, "fine.state_changed", fine, from_state=fine.state, to_state=target, note=note)
    fine.state = target


def instruction_of(fine: Fine) -> Instruction | None:
    return Instruction(fine.contract.instruction) if fine.contract is not None else None


def fine_dates(fine: Fine) -> FineDates:
    return FineDates(kind=fine.kind, letter_date=fine.letter_date, due_date=fine.due_date, received_at=fine.created_at,
                     complete_at=fine.complete_at, processed_at=fine.processed_at)


def update_deadlines(fine: Fine, calendar: WorkCalendar) -> None:
    """Store the fine's deadlines and cut-off (indexed, so the daily sweep reads instead of computes)."""
    result = deadlines(fine_dates(fine), instruction_of(fine), calendar)
    fine.payment_due, fine.designation_due = result.payment_due, result.designation_due
    fine.deadline, fine.cutoff = result.applies, result.cutoff


def assessment(fine: Fine, calendar: WorkCalendar, today: date) -> Assessment:
    """Whether the client delivered in time and, for a missed deadline, who answers for it."""
    return assess(fine_dates(fine), instruction_of(fine), calendar, today)


def refresh(fine: Fine, calendar: WorkCalendar, now: datetime, actor: Actor = SYSTEM) -> None:
    """Match the fine to its contract and move it to matched, waiting for information or ready."""
    if fine.state in MATCHABLE and fine.plate and fine.offence_at is not None:
        _match(fine, calendar, now, actor)
    update_deadlines(fine, calendar)


def _match(fine: Fine, calendar: WorkCalendar, now: datetime, actor: Actor) -> None:
    assert fine.offence_at is not None
    offence_day = fine.offence_at.astimezone(calendar.zone).date()  # the Belgian local date decides
    previous_reason = fine.match_reason
    candidates = [ContractPeriod(c.id, c.contract_number, c.plate, c.start_date, c.end_date)
                  for c in db.session.scalars(sa.select(Contract).where(
                      Contract.client_id == fine.client_id, Contract.plate == fine.plate,
                      Contract.start_date <= offence_day,
                      sa.or_(Contract.end_date.is_(None), Contract.end_date >= offence_day)))]
    _apply_match(fine, match_contract(candidates, fine.plate or "", offence_day, country=fine.plate_country),
                 now, actor, previous_reason)


@dataclass(frozen=True, slots=True)
class FineSnapshot:
    """What the matching decision needs to know of a fine."""

    state: str
    contract_id: int | None
    match_reason: str | None
    kind: str | None
    letter_date: date | None
    due_date: date | None
    amount_cents: int | None


@dataclass(frozen=True, slots=True)
class ContractInfo:
    """What the matching decision needs to know of the contract found."""

    id: int
    contract_number: str
    instruction: str
    driver_name: str | None
    driver_address: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    """Where matching takes a fine: its contract, the reason it waits, and the steps to get there."""

    contract_id: int | None
    match_reason: str | None
    steps: tuple[tuple[str, str | None], ...]  # (target state, note)
    complete: bool | None  # True: information complete now; False: not complete; None: unchanged
    rematched: bool = False  # a ready fine moved to another complete contract


def decide(fine: FineSnapshot, result: MatchResult, contract: ContractInfo | None) -> Decision:
    """Decide the outcome of a match (pure: the ORM path and the batch path both apply it)."""
    if contract is None:
        steps = () if fine.state == FineState.WAITING_INFO.value and fine.match_reason == result.reason else (
            (FineState.WAITING_INFO.value, result.reason),)
        return Decision(None, result.reason, steps, complete=False)
    state, steps_list = fine.state, []
    if state == FineState.READ.value:
        steps_list.append((FineState.MATCHED.value, STEP_NOTES["matched"].format(number=contract.contract_number)))
        state = FineState.MATCHED.value
    missing = needed_information(Instruction(contract.instruction), driver_name=contract.driver_name,
                                 driver_address=contract.driver_address, amount_cents=fine.amount_cents,
                                 due_date=fine.due_date, letter_date=fine.letter_date, kind=fine.kind)
    if missing:
        reason = STEP_NOTES["missing"].format(number=contract.contract_number, missing=", ".join(missing))
        if state != FineState.WAITING_INFO.value or fine.match_reason != reason:
            steps_list.append((FineState.WAITING_INFO.value, reason))
        return Decision(contract.id, reason, tuple(steps_list), complete=False)
    if state == FineState.READY.value:
        return Decision(contract.id, None, (), complete=None, rematched=fine.contract_id != contract.id)
    if state == FineState.WAITING_INFO.value:
        steps_list.append((FineState.MATCHED.value, STEP_NOTES["matched"].format(number=contract.contract_number)))
    steps_list.append((FineState.READY.value, STEP_NOTES["complete"]))
    return Decision(contract.id, None, tuple(steps_list), complete=True)


def _snapshot(fine: Fine) -> FineSnapshot:
    return FineSnapshot(fine.state, fine.contract_id, fine.match_reason, fine.kind, fine.letter_date, fine.due_date,
                        fine.amount_cents)


def _info(contract: Contract) -> ContractInfo:
    return ContractInfo(contract.id, contract.contract_number, contract.instruction, contract.driver_name,
                        contract.driver_address)


def _apply_match(fine: Fine, result: MatchResult, now: datetime, actor: Actor, previous_reason: str | None) -> None:
    contract = db.session.get(Contract, result.contract.id) if result.contract is not None else None
    decision = decide(replace(_snapshot(fine), match_reason=previous_reason), result,
                      _info(contract) if contract is not None else None)
    fine.contract = contract
    fine.match_reason = decision.match_reason
    if decision.complete is False:
        fine.complete_at = None
    for target, note in decision.steps:
        transition(fine, target, actor, note=note)
    if decision.complete is True:
        fine.complete_at = now
    if decision.rematched and contract is not None:
        record(actor, "fine.rematched", fine, contract=contract.contract_number)


_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@lru_cache(maxsize=16384)
def _deadlines(calendar: WorkCalendar, kind: str | None, letter_date: date | None, due_date: date | None,
               instruction: str | None) -> Any:
    """``deadlines`` for the batch path, cached: letters of one day share their deadlines."""
    return deadlines(FineDates(kind, letter_date, due_date, _EPOCH, None, None),
                     Instruction(instruction) if instruction else None, calendar)


@lru_cache(maxsize=256)
def _check_step(current: str, target: str) -> None:
    """``check_transition`` for the automatic steps of a batch (they carry their reason)."""
    check_transition(FineState(current), FineState(target), reason="automatic")


_MATCH_COLUMNS = (Fine.id, Fine.client_id, Fine.plate, Fine.plate_country, Fine.offence_at, Fine.state,
                  Fine.contract_id, Fine.match_reason, Fine.kind, Fine.letter_date, Fine.due_date, Fine.amount_cents,
                  Fine.complete_at)
_CONTRACT_COLUMNS = (Contract.id, Contract.client_id, Contract.plate, Contract.contract_number, Contract.start_date,
                     Contract.end_date, Contract.instruction, Contract.driver_name, Contract.driver_address)
#: Plates per query when matching again the fines of given plates (under SQLite's old limit of
#: 999 parameters a statement).
_PLATES_PER_QUERY = 900


def match_pending(calendar: WorkCalendar, now: datetime, *, client_id: int | None = None,
                  plates: Iterable[tuple[int, str]] | None = None, batch: int = 10000, actor: Actor = SYSTEM) -> int:
    """Match every open fine (of one client, or of the given (client, plate) pairs) in batches.

    Set-based SQL; returns how many fines were looked at.

    Per batch: one query for the fines, one join for the contracts that can apply (narrowed in SQL
    to the offence's day), one bulk update, one bulk insert of events (and of audit entries when a
    person triggered it). The decision per fine is ``decide``, the rule the one-fine path applies.
    """
    db.session.flush()
    with planned_per_call(db.session):
        total = _match_scoped(calendar, now, client_id, plates, batch, actor)
    for obj in list(db.session.identity_map.values()):  # the ORM's copies of these fines are stale now
        if isinstance(obj, Fine):
            db.session.expire(obj)
    return total


def _match_scoped(calendar: WorkCalendar, now: datetime, client_id: int | None,
                  plates: Iterable[tuple[int, str]] | None, batch: int, actor: Actor) -> int:
    if plates is None:
        return _match_batches(calendar, now, actor, batch,
                              Fine.client_id == client_id if client_id is not None else sa.true())
    by_client: dict[int, list[str]] = {}
    for pair_client, plate in sorted(set(plates)):
        if client_id is None or pair_client == client_id:
            by_client.setdefault(pair_client, []).append(plate)
    total = 0
    for pair_client, client_plates in by_client.items():
        for i in range(0, len(client_plates), _PLATES_PER_QUERY):
            chunk = client_plates[i:i + _PLATES_PER_QUERY]
            total += _match_batches(calendar, now, actor, batch,
                                    sa.and_(Fine.client_id == pair_client, Fine.plate.in_(chunk)))
    return total


def _match_batches(calendar: WorkCalendar, now: datetime, actor: Actor, batch: int, scope: Any) -> int:
    total, last_id, zone = 0, 0, calendar.zone
    person = actor is not SYSTEM
    while True:
        open_fines = sa.and_(scope, Fine.state.in_(MATCHABLE), Fine.plate.is_not(None), Fine.offence_at.is_not(None))
        rows = db.session.execute(sa.select(*_MATCH_COLUMNS).where(open_fines, Fine.id > last_id)
                                  .order_by(Fine.id).limit(batch)).all()
        if not rows:
            return total
        contracts = db.session.execute(candidate_contracts(open_fines, last_id, rows[-1].id)).all()
        periods: dict[tuple[int, str], list[ContractPeriod]] = {}
        infos: dict[int, ContractInfo] = {}
        for c in contracts:
            periods.setdefault((c.client_id, c.plate), []).append(
                ContractPeriod(c.id, c.contract_number, c.plate, c.start_date, c.end_date))
            infos[c.id] = ContractInfo(c.id, c.contract_number, c.instruction, c.driver_name, c.driver_address)
        updates, events, audits = [], [], []
        for (fine_id, fine_client, plate, country, offence_at, state, contract_id, reason, kind, letter_date, due_date,
             amount_cents, complete_at) in rows:
            assert plate is not None and offence_at is not None  # the query asks for both
            result = match_contract(periods.get((fine_client, plate), ()), plate, offence_at.astimezone(zone).date(),
                                    country=country)
            found = infos[result.contract.id] if result.contract is not None else None
            decision = decide(FineSnapshot(state, contract_id, reason, kind, letter_date, due_date, amount_cents),
                              result, found)
            for target, note in decision.steps:
                _check_step(state, target)
                events.append({"fine_id": fine_id, "client_id": fine_client, "at": now, "actor_label": actor.label,
                               "from_state": state, "to_state": target, "note": note})
                if person:
                    audits.append(_audit_row(actor, now, fine_client, fine_id, "fine.state_changed",
                                             {"from_state": state, "to_state": target, "note": note}))
                state = target
            if decision.rematched and found is not None:
                audits.append(_audit_row(actor, now, fine_client, fine_id, "fine.rematched",
                                         {"contract": found.contract_number}))
            due = _deadlines(calendar, kind, letter_date, due_date, found.instruction if found is not None else None)
            updates.append({
                "id": fine_id, "state": state, "contract_id": decision.contract_id, "match_reason": decision.match_reason,
                "complete_at": now if decision.complete else (None if decision.complete is False else complete_at),
                "payment_due": due.payment_due, "designation_due": due.designation_due, "deadline": due.applies,
                "cutoff": due.cutoff})
        bulk_update(db.session, Fine.__table__, updates)
        bulk_insert(db.session, FineEvent.__table__, events)
        bulk_insert(db.session, AuditEntry.__table__, audits)
        total += len(rows)
        if len(rows) < batch:  # the last batch: no need to ask for an empty one
            return total
        last_id = rows[-1].id


def candidate_contracts(fines: Any, after_id: int, last_id: int) -> sa.Select[*tuple[Any, ...]]:
    """Select the contracts that can apply to the fines ``fines`` selects with ids in (after_id, last_id].

    Same client and plate, running on the offence's UTC day or the next (the Brussels day is one of
    the two), found through ``ix_contracts_client_id_plate_start_date``; ``match_contract`` then
    decides on the exact Brussels day.
    """
    return (sa.select(*_CONTRACT_COLUMNS).distinct()
            .join(Fine, sa.and_(Fine.client_id == Contract.client_id, Fine.plate == Contract.plate))
            .where(fines, Fine.id > after_id, Fine.id <= last_id, Contract.start_date <= utc_day(Fine.offence_at, 1),
                   sa.or_(Contract.end_date.is_(None), Contract.end_date >= utc_day(Fine.offence_at))))


def _audit_row(actor: Actor, now: datetime, client_id: int, fine_id: int, action: str,
               details: dict[str, Any]) -> dict[str, Any]:
    """Return an audit entry as ``app.services.record`` writes it, as a row for a bulk insert."""
    return {"at": now, "actor_id": actor.user_id, "actor_label": actor.label, "client_id": client_id,
            "action": action, "object_type": "Fine", "object_id": str(fine_id), "details": details, "ip": actor.ip}


def rematch_plates(plates: Iterable[tuple[int, str]], calendar: WorkCalendar, now: datetime,
                   actor: Actor = SYSTEM) -> int:
    """Match again the open fines of these (client, plate) pairs; return how many were looked at."""
    pairs = set(plates)
    if not pairs:
        return 0
    return match_pending(calendar, now, plates=pairs, actor=actor)


def process(fine: Fine, actor: Actor, now: datetime, calendar: WorkCalendar) -> str:
    """Carry out the contract's instruction for a ready fine: redirect or recharge; return the outcome."""
    if fine.state != FineState.READY.value:
        raise ServiceError(f"only a ready fine can be processed (this one is {fine.state})", "state")
    assert fine.contract is not None
    outcome = "redirected" if fine.contract.instruction == Instruction.REDIRECT.value else "recharged"
    fine.outcome = outcome
    fine.processed_at = now
    transition(fine, FineState.PROCESSED.value, actor, note=outcome)
    update_deadlines(fine, calendar)
    return outcome


def close(fine: Fine, actor: Actor, now: datetime, note: str | None = None) -> None:
    """Close a processed fine."""
    transition(fine, FineState.CLOSED.value, actor, note=note)
    fine.closed_at = now


def cancel(fine: Fine, actor: Actor, reason: str) -> None:
    """Cancel a fine at any open step; a reason is required."""
    if not reason.strip():
        raise ServiceError("a cancellation needs a reason", "reason")
    transition(fine, FineState.CANCELLED.value, actor, note=reason.strip())


def counts_by_urgency(client_id: int | None, calendar: WorkCalendar, today: date) -> dict[str, int]:
    """Open fines by urgency of their cut-off: overdue, cut-off today, this week, later, unknown."""
    week_end = calendar.add_workdays(today, 5)
    open_states = [s.value for s in FineState if s.value in _open_values()]
    base = sa.select(sa.func.count()).select_from(Fine).where(Fine.state.in_(open_states))
    if client_id is not None:
        base = base.where(Fine.client_id == client_id)
    return {
        "overdue": db.session.scalar(base.where(Fine.cutoff < today)) or 0,
        "cutoff_today": db.session.scalar(base.where(Fine.cutoff == today)) or 0,
        "this_week": db.session.scalar(base.where(Fine.cutoff > today, Fine.cutoff <= week_end)) or 0,
        "later": db.session.scalar(base.where(Fine.cutoff > week_end)) or 0,
        "unknown": db.session.scalar(base.where(Fine.cutoff.is_(None))) or 0,
    }


def _open_values() -> set[str]:
    from fines.workflow import OPEN_STATES

    return {s.value for s in OPEN_STATES}


def counts_by_state(client_id: int | None) -> dict[str, int]:
    query = sa.select(Fine.state, sa.func.count()).group_by(Fine.state)
    if client_id is not None:
        query = query.where(Fine.client_id == client_id)
    return {state: int(n) for state, n in db.session.execute(query)}


def worklist(calendar: WorkCalendar, today: date, limit: int = 500) -> list[Fine]:
    """Fines agents should process today: ready ones, nearest deadline first."""
    return list(db.session.scalars(sa.select(Fine).where(Fine.state == FineState.READY.value)
                                   .options(sa.orm.joinedload(Fine.client), sa.orm.joinedload(Fine.contract))
                                   .order_by(Fine.deadline.is_(None), Fine.deadline, Fine.id).limit(limit)))


def reminders_due(calendar: WorkCalendar, today: date, within_workdays: int) -> dict[int, list[Any]]:
    """Per client, the fines still waiting for information whose cut-off is near or passed (light rows)."""
    horizon = calendar.add_workdays(today, within_workdays)
    rows = db.session.execute(
        sa.select(Fine.id, Fine.client_id, Fine.issuer, Fine.notice_number, Fine.plate, Fine.cutoff, Fine.match_reason)
        .where(Fine.state == FineState.WAITING_INFO.value, Fine.cutoff.is_not(None), Fine.cutoff <= horizon)
        .order_by(Fine.client_id, Fine.cutoff))
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.client_id or 0, []).append(row)
    return grouped


def sweep(calendar: WorkCalendar, batch: int = 5000) -> int:
    """Recompute the stored deadlines of every open fine (after a calendar change); returns the count."""
    total = 0
    last_id = 0
    open_states = sorted(_open_values())
    while True:
        fines = list(db.session.scalars(sa.select(Fine).where(Fine.id > last_id, Fine.state.in_(open_states))
                                        .order_by(Fine.id).limit(batch).options(sa.orm.selectinload(Fine.contract))))
        if not fines:
            return total
        for fine in fines:
            update_deadlines(fine, calendar)
        db.session.flush()
        total += len(fines)
        last_id = fines[-1].id


def to_json(fine: Fine, calendar: WorkCalendar, today: date) -> dict[str, Any]:
    """The workflow view of a fine: state, contract, deadlines and liability."""
    judged = assessment(fine, calendar, today)
    return {
        "id": fine.id, "state": fine.state, "contract_number": fine.contract.contract_number if fine.contract else None,
        "instruction": fine.contract.instruction if fine.contract else None, "match_reason": fine.match_reason,
        "payment_due": _iso(fine.payment_due), "designation_due": _iso(fine.designation_due),
        "deadline": _iso(fine.deadline), "cutoff": _iso(fine.cutoff), "urgency": judged.urgency.value,
        "delivered_on_time": judged.delivered_on_time, "liable": judged.liable.value if judged.liable else None,
        "liability": judged.liability_reason, "liability_code": judged.liability_code,
        "liability_params": dict(judged.liability_params),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
