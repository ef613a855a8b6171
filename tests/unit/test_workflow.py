"""The fine state machine: every allowed move, every refused one, and what a fine needs to be ready."""
from __future__ import annotations

import itertools
from datetime import date

import pytest

from app.fleet.instructions import Instruction
from fines.workflow.states import (
    OPEN_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    FineState,
    Outcome,
    TransitionRefused,
    check_transition,
    needed_information,
    open_states,
    outcome_for,
)

S = FineState

ALLOWED = {
    (S.RECEIVED, S.READ), (S.RECEIVED, S.REVIEW), (S.RECEIVED, S.QUARANTINED), (S.RECEIVED, S.DUPLICATE),
    (S.READ, S.MATCHED), (S.READ, S.WAITING_INFO), (S.READ, S.REVIEW), (S.READ, S.CANCELLED),
    (S.REVIEW, S.READ), (S.REVIEW, S.CANCELLED), (S.REVIEW, S.QUARANTINED),
    (S.MATCHED, S.READY), (S.MATCHED, S.WAITING_INFO), (S.MATCHED, S.CANCELLED),
    (S.WAITING_INFO, S.MATCHED), (S.WAITING_INFO, S.WAITING_INFO), (S.WAITING_INFO, S.CANCELLED),
    (S.WAITING_INFO, S.REVIEW),
    (S.READY, S.PROCESSED), (S.READY, S.WAITING_INFO), (S.READY, S.CANCELLED),
    (S.PROCESSED, S.CLOSED), (S.PROCESSED, S.CANCELLED),
    (S.QUARANTINED, S.REVIEW), (S.QUARANTINED, S.CANCELLED),
    (S.DUPLICATE, S.CANCELLED),
    # a correction: the agent typed in the fields of an unreadable PDF
    (S.QUARANTINED, S.READ),
    # a correction shows the same issuer and notice number as an earlier fine
    (S.READ, S.DUPLICATE), (S.MATCHED, S.DUPLICATE), (S.WAITING_INFO, S.DUPLICATE), (S.READY, S.DUPLICATE),
}
ALL_PAIRS = list(itertools.product(FineState, FineState))


def test_the_table_is_exactly_the_documented_one() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED
    assert set(TRANSITIONS) == set(FineState)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED), ids=lambda s: s.value)
def test_every_allowed_transition_passes(current: FineState, target: FineState) -> None:
    check_transition(current, target, reason="because the client asked")
    check_transition(current.value, target.value, reason="because the client asked")  # plain strings too


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p not in ALLOWED], ids=lambda s: s.value)
def test_every_other_transition_is_refused(current: FineState, target: FineState) -> None:
    with pytest.raises(TransitionRefused) as refused:
        check_transition(current, target, reason="a reason")
    assert (refused.value.current, refused.value.target) == (current, target)
    assert current.value in str(refused.value) and target.value in str(refused.value)


@pytest.mark.parametrize("current", sorted(s for s in FineState if (s, S.CANCELLED) in ALLOWED), ids=lambda s: s.value)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_cancelling_needs_a_reason(current: FineState, reason: str | None) -> None:
    with pytest.raises(TransitionRefused, match="needs a reason"):
        check_transition(current, S.CANCELLED, reason=reason)


@pytest.mark.parametrize(("current", "target"), [(a, b) for a, b in ALL_PAIRS if a in TERMINAL_STATES],
                         ids=lambda s: s.value)
def test_terminal_states_are_never_left(current: FineState, target: FineState) -> None:
    with pytest.raises(TransitionRefused, match="final"):
        check_transition(current, target, reason="a reason")


@pytest.mark.parametrize(("current", "target"), sorted(p for p in ALLOWED if p[1] is not S.CANCELLED),
                         ids=lambda s: s.value)
def test_other_moves_need_no_reason(current: FineState, target: FineState) -> None:
    check_transition(current, target, reason=None)


def test_open_states() -> None:
    assert open_states == OPEN_STATES == {S.RECEIVED, S.READ, S.REVIEW, S.MATCHED, S.WAITING_INFO, S.READY}
    assert {S.CLOSED, S.CANCELLED} == TERMINAL_STATES


def test_an_unknown_state_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        check_transition("archived", "read", reason=None)


@pytest.mark.parametrize(
    ("instruction", "kind", "outcome"),
    [
        (Instruction.REDIRECT, "parking", Outcome.REDIRECTED),
        (Instruction.RECHARGE, "parking", Outcome.RECHARGED),
        (Instruction.RECHARGE, "driver_identification", Outcome.REDIRECTED),
    ],
)
def test_outcome_follows_the_instruction(instruction: Instruction, kind: str, outcome: Outcome) -> None:
    assert outcome_for(instruction, kind) is outcome


FULL = dict(driver_name="Marie Dubois", driver_address="Rue Haute 1, 1000 Bruxelles", amount_cents=23400,
            due_date=date(2026, 5, 22), letter_date=date(2026, 3, 23), kind="immediate_collection")


@pytest.mark.parametrize(
    ("instruction", "changes", "missing"),
    [
        (Instruction.REDIRECT, {}, []),
        (Instruction.RECHARGE, {}, []),
        (Instruction.REDIRECT, {"driver_name": None}, ["driver_name"]),
        (Instruction.REDIRECT, {"driver_name": "  ", "driver_address": ""}, ["driver_name", "driver_address"]),
        (Instruction.REDIRECT, {"letter_date": None}, []),  # the due date stands in for the deadline
        (Instruction.REDIRECT, {"letter_date": None, "due_date": None}, ["letter_date"]),
        (Instruction.REDIRECT, {"amount_cents": None}, []),  # a redirection asks no amount
        (Instruction.RECHARGE, {"driver_name": None, "driver_address": None}, []),
        (Instruction.RECHARGE, {"amount_cents": None}, ["amount"]),
        (Instruction.RECHARGE, {"amount_cents": 0, "due_date": None}, ["amount", "due_date"]),
        (None, {}, ["instruction"]),
        (Instruction.RECHARGE, {"kind": "driver_identification", "amount_cents": None}, []),
        (Instruction.REDIRECT, {"kind": "driver_identification", "due_date": None}, ["answer_date"]),
        (None, {"kind": "driver_identification", "driver_address": None}, ["driver_address"]),
    ],
)
def test_needed_information_before_ready(instruction: Instruction | None, changes: dict[str, object],
                                         missing: list[str]) -> None:
    values: dict[str, object] = {**FULL, **changes}
    assert needed_information(instruction, **values) == missing  # type: ignore[arg-type]
