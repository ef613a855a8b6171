"""One fine through the workflow: match it to its contract, keep its deadlines, process, close or cancel.

Every state change goes through ``transition`` (checked against ``fines.workflow.states``' table,
with an event on the fine and an audit entry). ``refresh`` brings a fine up to date after anything
it depends on changed: its fields (intake or correction), or a contract of its plate. The decision
itself is ``fines.workflow.decision.decide``; many fines at once go through ``fines.workflow.batch``.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.fleet.instructions import Instruction
from app.fleet.models import Contract
from app.privacy.services import override_restriction
from app.services import Actor, ServiceError, record
from app.workcalendar import WorkCalendar
from fines.models import Fine, FineEvent
from fines.reasons import Reason
from fines.workflow.deadlines import Assessment, FineDates, assess, deadlines
from fines.workflow.decision import ContractInfo, FineSnapshot, decide
from fines.workflow.matching import ContractPeriod, MatchResult, match_contract
from fines.workflow.states import TERMINAL_STATES, FineState, TransitionRefused, allowed_targets, check_transition

logger = logging.getLogger(__name__)
SYSTEM = Actor(label="system")
INTAKE = Actor(label="intake")  # the reading of a stored fine: its first step
MATCHABLE = {FineState.READ.value, FineState.MATCHED.value, FineState.WAITING_INFO.value, FineState.READY.value}


def _state_word(state: str) -> Any:
    """A state's word, lazy: it is worded in the reader's language when the refusal is shown."""
    from fines.web.labels import LABELS  # the one catalogue of state words

    return LABELS["state"].get(str(state), str(state))


def _transition_refused(exc: TransitionRefused) -> Any:
    """Say a refused move (``fines.workflow.states.check_transition``) as a lazy, translatable sentence."""
    source, goal = _state_word(exc.current.value), _state_word(exc.target.value)
    if exc.current in TERMINAL_STATES:
        return _l("The fine is %(state)s, which is final: it cannot become %(target)s.", state=source, target=goal)
    if exc.target is FineState.CANCELLED and exc.target in allowed_targets(exc.current):
        return _l("A cancellation needs a reason.")
    return _l("A fine cannot go from %(state)s to %(target)s.", state=source, target=goal)


def transition(fine: Fine, target: FineState | str, actor: Actor, *, note: str | None = None,
               reasons: Sequence[Reason] = (), at: datetime | None = None) -> None:
    """Move a fine to ``target`` (refused when the workflow does not allow it), with its event.

    ``note`` is what a person typed (a cancellation needs one); ``reasons`` say why an automatic step
    was taken, as codes the screens translate. The one place a stored fine's ``state`` is assigned
    (``tests/unit/test_state_assignments.py`` holds it); the batch matcher writes the same moves
    set-based, checked against the same table.
    """
    target = FineState(target)
    if fine.state == target and target is not FineState.WAITING_INFO:
        return
    try:
        check_transition(FineState(fine.state), target, reason=note)
    except TransitionRefused as exc:
        raise ServiceError(_transition_refused(exc), "state") from exc
    why = [reason.as_json() for reason in reasons]
    event = FineEvent(fine_id=fine.id, client_id=fine.client_id, actor_label=actor.label, from_state=fine.state,
                      to_state=target, note=(note or None) and note[:1000], reasons=why)
    if at is not None:
        event.at = at
    db.session.add(event)
    # Automatic steps are in the fine's own events; people's also in the audit log.
    if actor is not SYSTEM and actor is not INTAKE:
        details: dict[str, Any] = {"from_state": fine.state, "to_state": target, "note": note}
        if why:
            details["reasons"] = why
        record(actor, "fine.state_changed", fine, **details)
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
    previous_reason = match_reason(fine)
    candidates = [ContractPeriod(c.id, c.contract_number, c.plate, c.start_date, c.end_date)
                  for c in db.session.scalars(sa.select(Contract).where(
                      Contract.client_id == fine.client_id, Contract.plate == fine.plate,
                      Contract.start_date <= offence_day,
                      sa.or_(Contract.end_date.is_(None), Contract.end_date >= offence_day)))]
    _apply_match(fine, match_contract(candidates, fine.plate or "", offence_day, country=fine.plate_country),
                 now, actor, previous_reason)


def match_reason(fine: Fine) -> Reason | None:
    """Why the fine waits (``Fine.match_reason_code`` and its parameters), or None."""
    if fine.match_reason_code is None:
        return None
    return Reason(fine.match_reason_code, fine.match_reason_params or {})


def _snapshot(fine: Fine) -> FineSnapshot:
    return FineSnapshot(fine.state, fine.contract_id, match_reason(fine), fine.kind, fine.letter_date, fine.due_date,
                        fine.amount_cents)


def _info(contract: Contract) -> ContractInfo:
    return ContractInfo(contract.id, contract.contract_number, contract.instruction, contract.driver_name,
                        contract.driver_address)


def _apply_match(fine: Fine, result: MatchResult, now: datetime, actor: Actor,
                 previous_reason: Reason | None) -> None:
    contract = db.session.get(Contract, result.contract.id) if result.contract is not None else None
    decision = decide(replace(_snapshot(fine), match_reason=previous_reason), result,
                      _info(contract) if contract is not None else None)
    fine.contract = contract
    reason = decision.match_reason
    fine.match_reason_code = reason.code if reason is not None else None
    fine.match_reason_params = dict(reason.params) if reason is not None else None
    if decision.complete is False:
        fine.complete_at = None
    for target, why in decision.steps:
        transition(fine, target, actor, reasons=(why,) if why is not None else ())
    if decision.complete is True:
        fine.complete_at = now
    if decision.rematched and contract is not None:
        record(actor, "fine.rematched", fine, contract=contract.contract_number)


def process(fine: Fine, actor: Actor, now: datetime, calendar: WorkCalendar,
            override_reason: str | None = None) -> str:
    """Carry out the contract's instruction for a ready fine: redirect or recharge; return the outcome.

    A driver whose processing is restricted (``app.privacy``) is not designated unless an agent overrides
    the restriction with a reason (audited)."""
    if fine.state != FineState.READY.value:
        raise ServiceError(_l("Only a ready fine can be processed (this one is %(state)s).",
                                state=_state_word(fine.state)), "state")
    assert fine.contract is not None
    outcome = "redirected" if fine.contract.instruction == Instruction.REDIRECT.value else "recharged"
    if outcome == "redirected":
        override_restriction(actor, fine.contract, fine, override_reason)
    fine.outcome = outcome
    fine.processed_at = now
    transition(fine, FineState.PROCESSED.value, actor, reasons=(Reason(outcome),))  # the outcome is the code
    update_deadlines(fine, calendar)
    return outcome


def close(fine: Fine, actor: Actor, now: datetime, note: str | None = None) -> None:
    """Close a processed fine."""
    transition(fine, FineState.CLOSED.value, actor, note=note)
    fine.closed_at = now


def cancel(fine: Fine, actor: Actor, reason: str) -> None:
    """Cancel a fine at any open step; a reason is required."""
    if not reason.strip():
        raise ServiceError(_l("A cancellation needs a reason."), "reason")
    transition(fine, FineState.CANCELLED.value, actor, note=reason.strip())
