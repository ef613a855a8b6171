"""The matching decision for one fine: its contract, why it waits, and the steps to get there.

Pure: the one-fine ORM path (``fines.workflow.services``) and the set-based batch
(``fines.workflow.batch``) both apply ``decide``, so they cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.fleet.instructions import Instruction
from fines.reasons import Reason
from fines.workflow.matching import MatchResult
from fines.workflow.states import FineState, needed_information


@dataclass(frozen=True, slots=True)
class FineSnapshot:
    """What the matching decision needs to know of a fine."""

    state: str
    contract_id: int | None
    match_reason: Reason | None
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
    match_reason: Reason | None
    steps: tuple[tuple[str, Reason | None], ...]  # (target state, why)
    complete: bool | None  # True: information complete now; False: not complete; None: unchanged
    rematched: bool = False  # a ready fine moved to another complete contract


def decide(fine: FineSnapshot, result: MatchResult, contract: ContractInfo | None) -> Decision:
    """Decide the outcome of a match (pure: the ORM path and the batch path both apply it)."""
    if contract is None:
        steps = () if fine.state == FineState.WAITING_INFO.value and fine.match_reason == result.reason else (
            (FineState.WAITING_INFO.value, result.reason),)
        return Decision(None, result.reason, steps, complete=False)
    state, steps_list = fine.state, []
    matched = Reason("matched", {"number": contract.contract_number})
    if state == FineState.READ.value:
        steps_list.append((FineState.MATCHED.value, matched))
        state = FineState.MATCHED.value
    missing = needed_information(Instruction(contract.instruction), driver_name=contract.driver_name,
                                 driver_address=contract.driver_address, amount_cents=fine.amount_cents,
                                 due_date=fine.due_date, letter_date=fine.letter_date, kind=fine.kind)
    if missing:
        reason = Reason("information_missing", {"number": contract.contract_number, "missing": ",".join(missing)})
        if state != FineState.WAITING_INFO.value or fine.match_reason != reason:
            steps_list.append((FineState.WAITING_INFO.value, reason))
        return Decision(contract.id, reason, tuple(steps_list), complete=False)
    if state == FineState.READY.value:
        return Decision(contract.id, None, (), complete=None, rematched=fine.contract_id != contract.id)
    if state == FineState.WAITING_INFO.value:
        steps_list.append((FineState.MATCHED.value, matched))
    steps_list.append((FineState.READY.value, Reason("complete")))
    return Decision(contract.id, None, tuple(steps_list), complete=True)
