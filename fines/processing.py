"""The fine workflow: match to the contract, deadlines, ready, processed, closed or cancelled.

Every state change goes through ``transition`` (checked against ``fines.workflow``'s table, with
an event on the fine and an audit entry). ``refresh`` brings a fine up to date after anything it
depends on changed: its fields (intake or correction), or a contract of its plate.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.services import Actor, ServiceError, record
from app.workcalendar import WorkCalendar
from fines.deadlines import Assessment, FineDates, Instruction, assess, deadlines
from fines.matching import ContractPeriod, match_contract
from fines.models import Contract, Fine, FineEvent
from fines.workflow import FineState, TransitionRefused, check_transition, needed_information

logger = logging.getLogger(__name__)
SYSTEM = Actor(label="system")
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
    result = match_contract(candidates, fine.plate or "", offence_day)
    if result.contract is None:
        fine.contract, fine.match_reason, fine.complete_at = None, result.reason, None
        if fine.state != FineState.WAITING_INFO.value or previous_reason != result.reason:
            transition(fine, FineState.WAITING_INFO.value, actor, note=result.reason)
        return
    contract = db.session.get(Contract, result.contract.id)
    assert contract is not None
    changed = fine.contract_id != contract.id
    fine.contract = contract
    missing = needed_information(Instruction(contract.instruction), driver_name=contract.driver_name,
                                 driver_address=contract.driver_address, amount_cents=fine.amount_cents,
                                 due_date=fine.due_date, letter_date=fine.letter_date, kind=fine.kind)
    if fine.state == FineState.READ.value:
        transition(fine, FineState.MATCHED.value, actor, note=f"contract {contract.contract_number}")
    if missing:
        reason = f"contract {contract.contract_number}: missing " + ", ".join(missing)
        fine.match_reason, fine.complete_at = reason, None
        if fine.state != FineState.WAITING_INFO.value or previous_reason != reason:
            transition(fine, FineState.WAITING_INFO.value, actor, note=reason)
        return
    fine.match_reason = None
    if fine.state == FineState.READY.value:
        if changed:
            record(actor, "fine.rematched", fine, contract=contract.contract_number)
        return
    if fine.state == FineState.WAITING_INFO.value:
        transition(fine, FineState.MATCHED.value, actor, note=f"contract {contract.contract_number}")
    fine.complete_at = now
    transition(fine, FineState.READY.value, actor, note="information complete")


def rematch_plates(plates: Iterable[tuple[int, str]], calendar: WorkCalendar, now: datetime,
                   actor: Actor = SYSTEM) -> int:
    """Match again the open fines of these (client, plate) pairs; return how many were looked at."""
    pairs = set(plates)
    if not pairs:
        return 0
    count = 0
    for client_id, plate in sorted(pairs):
        fines = db.session.scalars(sa.select(Fine).where(Fine.client_id == client_id, Fine.plate == plate,
                                                         Fine.state.in_(MATCHABLE)))
        for fine in fines:
            refresh(fine, calendar, now, actor)
            count += 1
    return count


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
                                   .order_by(Fine.deadline.is_(None), Fine.deadline, Fine.id).limit(limit)))


def reminders_due(calendar: WorkCalendar, today: date, within_workdays: int) -> dict[int, list[Fine]]:
    """Per client, the fines still waiting for information whose cut-off is near or passed."""
    horizon = calendar.add_workdays(today, within_workdays)
    fines = db.session.scalars(sa.select(Fine).where(Fine.state == FineState.WAITING_INFO.value,
                                                     Fine.cutoff.is_not(None), Fine.cutoff <= horizon)
                               .order_by(Fine.client_id, Fine.cutoff))
    grouped: dict[int, list[Fine]] = {}
    for fine in fines:
        grouped.setdefault(fine.client_id or 0, []).append(fine)
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
        "liability": judged.liability_reason,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
