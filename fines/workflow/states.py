"""The life of a fine: its states, the moves between them, and what it still needs to be ready.

Pure: standard library and the project's pure modules only. The moves are data (``TRANSITIONS``);
``check_transition`` only reads the table, so adding a move is a one-line change reviewed as such.

received      intake stored the PDF
read          every field was read with confidence        review       an agent must check the fields
matched       the lease contract for plate and date found  waiting_info the client must supply something
ready         everything needed is there                   processed    redirected or recharged
closed        done (terminal)                              cancelled    withdrawn, with a reason (terminal)
quarantined   unsafe or unreadable attachment              duplicate    the same fine arrived before
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from app.fleet.instructions import Instruction
from fines.workflow.deadlines import DRIVER_IDENTIFICATION, designation_due

__all__ = [
    "MISSING",
    "OPEN_STATES",
    "OPEN_STATES_SQL",
    "OPEN_VALUES",
    "STEP_CODES",
    "TERMINAL_STATES",
    "TRANSITIONS",
    "FineState",
    "Outcome",
    "TransitionRefused",
    "allowed_targets",
    "check_transition",
    "needed_information",
    "open_states",
    "outcome_for",
]


class FineState(StrEnum):
    """Where a fine is in its processing (a ``str``: ``fine.state == "ready"`` holds, and it formats as its value)."""

    RECEIVED = "received"
    READ = "read"
    REVIEW = "review"
    MATCHED = "matched"
    WAITING_INFO = "waiting_info"
    READY = "ready"
    PROCESSED = "processed"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"


class Outcome(StrEnum):
    """What processing did with the fine."""

    REDIRECTED = "redirected"
    RECHARGED = "recharged"


S = FineState

#: Every allowed move: state → the states it may go to. A state missing a move refuses it.
TRANSITIONS: Mapping[FineState, frozenset[FineState]] = {
    S.RECEIVED: frozenset({S.READ, S.REVIEW, S.QUARANTINED, S.DUPLICATE}),
    # → duplicate (here and from matched, waiting_info, ready): an agent's correction of the fields
    # shows the same issuer and notice number as a fine received before.
    S.READ: frozenset({S.MATCHED, S.WAITING_INFO, S.REVIEW, S.CANCELLED, S.DUPLICATE}),
    # An agent's correction of the fields makes the fine read.
    S.REVIEW: frozenset({S.READ, S.CANCELLED, S.QUARANTINED}),
    S.MATCHED: frozenset({S.READY, S.WAITING_INFO, S.CANCELLED, S.DUPLICATE}),
    # waiting_info → waiting_info: a further request to the client while still waiting.
    S.WAITING_INFO: frozenset({S.MATCHED, S.WAITING_INFO, S.CANCELLED, S.REVIEW, S.DUPLICATE}),
    S.READY: frozenset({S.PROCESSED, S.WAITING_INFO, S.CANCELLED, S.DUPLICATE}),
    S.PROCESSED: frozenset({S.CLOSED, S.CANCELLED}),
    # quarantined → read: an agent typed the fields of an unreadable PDF in (a correction).
    S.QUARANTINED: frozenset({S.READ, S.REVIEW, S.CANCELLED}),
    S.DUPLICATE: frozenset({S.CANCELLED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

#: States a fine never leaves.
TERMINAL_STATES: frozenset[FineState] = frozenset({S.CLOSED, S.CANCELLED})

#: States in which a fine still waits for work towards its deadline.
open_states: frozenset[FineState] = frozenset(FineState) - {
    S.PROCESSED, S.CLOSED, S.CANCELLED, S.DUPLICATE, S.QUARANTINED,
}
OPEN_STATES = open_states  # the constant-style name some callers use
#: The open states' values, sorted: the one order in which SQL names them (``OPEN_STATES_SQL``).
OPEN_VALUES: tuple[str, ...] = tuple(sorted(state.value for state in open_states))
#: ``state IN (...open states...)``, the predicate of the partial indexes of open fines (``fines.models``,
#: migration 0021). ``fines.workflow.queries.open_condition`` writes the same words: SQLite uses a partial
#: index only for a query that repeats its WHERE term.
OPEN_STATES_SQL = "state IN (" + ", ".join(f"'{value}'" for value in OPEN_VALUES) + ")"


class TransitionRefused(ValueError):
    """A move the workflow does not allow; the message says why, in English."""

    def __init__(self, message: str, current: FineState, target: FineState) -> None:
        super().__init__(message)
        self.message = message
        self.current = current
        self.target = target


def allowed_targets(current: FineState | str) -> frozenset[FineState]:
    """Return the states a fine in ``current`` may move to."""
    return TRANSITIONS[FineState(current)]


def check_transition(current: FineState | str, target: FineState | str, *, reason: str | None) -> None:
    """Refuse (raise ``TransitionRefused``) a move the table does not allow.

    Cancelling needs a reason (not blank). Leaving a terminal state is always refused.
    """
    source, goal = FineState(current), FineState(target)
    if source in TERMINAL_STATES:
        raise TransitionRefused(
            f"The fine is {source.value}, which is final: it cannot become {goal.value}.", source, goal
        )
    if goal not in TRANSITIONS[source]:
        allowed = ", ".join(sorted(state.value for state in TRANSITIONS[source]))
        raise TransitionRefused(
            f"A fine cannot go from {source.value} to {goal.value} (from {source.value}: {allowed}).",
            source,
            goal,
        )
    if goal is S.CANCELLED and not (reason and reason.strip()):
        raise TransitionRefused("Cancelling a fine needs a reason.", source, goal)


def outcome_for(instruction: Instruction, kind: str | None = None) -> Outcome:
    """Return what processing does under ``instruction`` (a driver identification is redirected)."""
    if kind == DRIVER_IDENTIFICATION or instruction is Instruction.REDIRECT:
        return Outcome.REDIRECTED
    return Outcome.RECHARGED


#: What a fine may still need (``needed_information``; ``fines.web.labels`` says them).
MISSING: tuple[str, ...] = ("instruction", "driver_name", "driver_address", "answer_date", "letter_date", "amount",
                            "due_date")
#: The codes of the automatic workflow steps (``fines.reasons.Reason``, stored on the events and as the
#: fine's match reason): ``matched`` {number}, ``information_missing`` {number, missing: ``MISSING`` codes
#: joined by commas}, ``complete``.
STEP_CODES: tuple[str, ...] = ("matched", "information_missing", "complete")


def needed_information(
    instruction: Instruction | None,
    *,
    driver_name: str | None,
    driver_address: str | None,
    amount_cents: int | None,
    due_date: date | None,
    letter_date: date | None,
    kind: str | None,
) -> list[str]:
    """Return the codes (``MISSING``) of what is still missing before the fine can be ready; empty when nothing.

    A redirection needs the driver's name and postal address and a designation deadline (the letter
    date, or the due date standing in for it; for a driver identification its answer date). A
    recharge needs the amount and the due date. A driver identification is answered by designating
    the driver whatever the instruction, so it needs what a redirection needs.
    """
    identification = kind == DRIVER_IDENTIFICATION
    if instruction is None and not identification:
        return ["instruction"]
    missing: list[str] = []
    if identification or instruction is Instruction.REDIRECT:
        if not (driver_name and driver_name.strip()):
            missing.append("driver_name")
        if not (driver_address and driver_address.strip()):
            missing.append("driver_address")
        if identification:
            if due_date is None:
                missing.append("answer_date")
        elif designation_due(kind, letter_date, due_date) is None and due_date is None:
            missing.append("letter_date")
    else:
        if amount_cents is None or amount_cents <= 0:
            missing.append("amount")
        if due_date is None:
            missing.append("due_date")
    return missing
