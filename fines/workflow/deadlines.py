"""Which deadline a fine has, the client's cut-off before it, and who answers when it is missed.

Pure: standard library, the working calendar and the contract's instruction only; ``today`` comes in as a parameter.

The rules (DOMAIN.md, "Traffic fines", Deadline and Liability)
-------------------------------------------------------------
Every fine carries up to two authority deadlines:

* the **payment due date** (``due_date`` on the letter);
* the **designation deadline**, the date by which the driver must be designated for a redirection:
  15 calendar days after the letter was sent (art. 67ter of the road traffic law; it runs even when
  the fine is paid), or, for a request to identify the driver (kind ``driver_identification``),
  the answer date printed on the request, which intake stores in ``due_date``.

The contract's standing instruction picks the deadline that *applies*:

* ``redirect``: the designation deadline; when the letter date is unknown, the due date stands in
  (it is the only date the letter gave; ``applies_kind`` then says ``"payment"``, because that is
  what the date is).
* ``recharge``: the payment due date (no fallback: a recharge without a due date cannot be paid,
  and its urgency is ``unknown`` until an agent supplies the date).
* unknown (no contract matched yet): the earliest known of the two, marked ``provisional``, so a
  fine waiting for its contract is never treated as less urgent than it may turn out to be.
* ``driver_identification`` ignores the instruction: the request must be answered by its answer
  date whatever the contract says, and it asks for no payment (``payment_due`` is ``None``).

The client delivers the fine and its information at the latest **5 workdays before** the deadline
that applies: the cut-off is ``calendar.add_workdays(deadline, -5)``, the fifth workday before it.

Every moment (arrival, information complete, processed) is compared by its Brussels-local date
(``calendar.zone``): a fine that arrives at 23:30 on the cut-off day is on time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from app.fleet.instructions import Instruction
from app.workcalendar import WorkCalendar, require_aware

__all__ = [
    "CUTOFF_WORKDAYS",
    "DEADLINE_NAMES",
    "DESIGNATION_DAYS",
    "DRIVER_IDENTIFICATION",
    "LIABILITY_REASONS",
    "Assessment",
    "Deadlines",
    "FineDates",
    "Liable",
    "Urgency",
    "assess",
    "cutoff_urgency",
    "deadlines",
    "designation_due",
    "local_date",
]

#: Calendar days after the letter within which the driver must be designated (art. 67ter).
DESIGNATION_DAYS = 15
#: Workdays before the deadline by which the client delivers the fine and its information.
CUTOFF_WORKDAYS = 5
#: The reminder warns when the cut-off is this many workdays away or fewer.
NEAR_WORKDAYS = 2
#: The kind of a request to identify the driver (``fines.intake.extraction.KINDS``).
DRIVER_IDENTIFICATION = "driver_identification"

DeadlineKind = Literal["designation", "payment"]


class Liable(StrEnum):
    """Who bears the damage, costs and surcharges of a missed deadline."""

    CLIENT = "client"
    OPERATOR = "operator"


class Urgency(StrEnum):
    """How close an open fine's cut-off is, for work lists and reminders."""

    OVERDUE = "overdue"  # the cut-off has passed
    CUTOFF_TODAY = "cutoff_today"
    THIS_WEEK = "this_week"  # the cut-off is within the next 5 workdays
    LATER = "later"
    DONE = "done"  # processed (or closed after processing)
    UNKNOWN = "unknown"  # no deadline can be computed yet


@dataclass(frozen=True)
class FineDates:
    """What a fine's deadlines and liability are decided from.

    ``received_at``, ``complete_at`` and ``processed_at`` are timezone-aware instants.
    """

    kind: str | None
    letter_date: date | None
    due_date: date | None
    received_at: datetime
    complete_at: datetime | None
    processed_at: datetime | None


@dataclass(frozen=True)
class Deadlines:
    """A fine's authority deadlines, the one that applies, and the client's cut-off before it."""

    payment_due: date | None
    designation_due: date | None
    applies: date | None
    applies_kind: DeadlineKind | None
    cutoff: date | None
    #: True when no instruction is known yet and the earliest deadline stands in.
    provisional: bool = False


@dataclass(frozen=True)
class Assessment:
    """Where a fine stands against its deadline, and who answers if it was missed."""

    deadlines: Deadlines
    #: Did the fine and its information reach the operator by the cut-off? None while undecided.
    delivered_on_time: bool | None
    missed: bool
    liable: Liable | None
    liability_reason: str | None
    urgency: Urgency
    #: The cut-off is at most 2 workdays away, today, or passed (and the fine is not processed).
    cutoff_near: bool
    #: ``liability_reason`` as a key of ``LIABILITY_REASONS`` and its values, for translation.
    liability_code: str | None = None
    liability_params: tuple[tuple[str, str], ...] = ()


def local_date(moment: datetime, calendar: WorkCalendar) -> date:
    """Return the calendar-local (Brussels) date of an aware instant; a naive one is refused."""
    return require_aware(moment, "moment").astimezone(calendar.zone).date()


def designation_due(kind: str | None, letter_date: date | None, due_date: date | None) -> date | None:
    """Return the date by which the driver must be designated, when the letter tells it."""
    if kind == DRIVER_IDENTIFICATION:
        return due_date
    if letter_date is None:
        return None
    return letter_date + timedelta(days=DESIGNATION_DAYS)


def deadlines(dates: FineDates, instruction: Instruction | None, calendar: WorkCalendar) -> Deadlines:
    """Work out the fine's deadlines and the one that applies under ``instruction``."""
    identification = dates.kind == DRIVER_IDENTIFICATION
    payment = None if identification else dates.due_date
    designation = designation_due(dates.kind, dates.letter_date, dates.due_date)

    applies: date | None
    applies_kind: DeadlineKind | None
    provisional = False
    if identification or instruction is Instruction.REDIRECT:
        if designation is not None:
            applies, applies_kind = designation, "designation"
        elif payment is not None:
            applies, applies_kind = payment, "payment"
        else:
            applies, applies_kind = None, None
    elif instruction is Instruction.RECHARGE:
        applies, applies_kind = payment, ("payment" if payment is not None else None)
    else:
        provisional = True
        known: list[tuple[date, DeadlineKind]] = []
        if designation is not None:
            known.append((designation, "designation"))
        if payment is not None:
            known.append((payment, "payment"))
        # On a tie the designation is named: it asks more of the client (the driver's details).
        applies, applies_kind = min(known, key=lambda item: item[0]) if known else (None, None)

    cutoff = calendar.add_workdays(applies, -CUTOFF_WORKDAYS) if applies is not None else None
    return Deadlines(
        payment_due=payment,
        designation_due=designation,
        applies=applies,
        applies_kind=applies_kind,
        cutoff=cutoff,
        provisional=provisional,
    )


_CLIENT_BEARS = "the client bears the damage, costs and surcharges."
_OPERATOR_BEARS = ("the service provider bears the damage, costs and surcharges, within the limits of the"
                   " general terms.")
_LATE_PAYMENT = "late payment of the fine is the client's concern."

#: Every liability reason, in English, with its fields (``{what}`` is ``DEADLINE_NAMES`` filled in).
#: Screens translate the same keys (``fines.web.labels``); JSON and e-mails carry this English text.
LIABILITY_REASONS: dict[str, str] = {
    "arrived_late": "The fine arrived on {arrived}, after the cut-off of {cutoff}: " + _CLIENT_BEARS,
    "incomplete_at_cutoff": "The fine's information was still incomplete after the cut-off of {cutoff}: "
                            + _CLIENT_BEARS,
    "completed_late": "The fine's information became complete on {complete}, after the cut-off of {cutoff}: "
                      + _CLIENT_BEARS,
    "operator_processed_late": "The fine and its information were complete on {complete}, by the cut-off of"
                               " {cutoff}, but it was processed on {processed}, after {what}: " + _OPERATOR_BEARS,
    "operator_not_processed": "The fine and its information were complete on {complete}, by the cut-off of"
                              " {cutoff}, but it was not processed by {what}: " + _OPERATOR_BEARS,
    "processed_in_time": "The fine was processed on {processed}, by {what}: no liability; " + _LATE_PAYMENT,
    "no_answer_date": "No due date can be computed without the answer date of the request: liability cannot"
                      " be decided yet.",
    "no_payment_due": "No due date can be computed without the payment due date: liability cannot be decided yet.",
    "no_dates": "No due date can be computed without the letter date or the payment due date: liability cannot"
                " be decided yet.",
}
#: How a reason names the deadline that applies.
DEADLINE_NAMES: dict[str, str] = {"designation": "the designation due date of {deadline}",
                                  "payment": "the payment due date of {deadline}"}


def _reason(code: str, **params: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """Return the English sentence of a liability reason, its code, and its values (sorted)."""
    values = dict(params)
    if "deadline_kind" in values:
        values["what"] = DEADLINE_NAMES[values["deadline_kind"]].format(deadline=values["deadline"])
    return LIABILITY_REASONS[code].format(**values), code, tuple(sorted(params.items()))


def assess(
    dates: FineDates,
    instruction: Instruction | None,
    calendar: WorkCalendar,
    today: date,
) -> Assessment:
    """Decide whether the fine was delivered and processed in time, who is liable, how urgent it is.

    A fine with ``processed_at`` but no ``complete_at`` is taken to have been complete when it was
    processed: nothing can be processed on incomplete information.
    """
    if isinstance(today, datetime):
        raise TypeError("today must be a date, not a datetime")
    found = deadlines(dates, instruction, calendar)
    deadline, cutoff = found.applies, found.cutoff

    arrived = local_date(dates.received_at, calendar)
    processed = local_date(dates.processed_at, calendar) if dates.processed_at is not None else None
    complete_moment = dates.complete_at if dates.complete_at is not None else dates.processed_at
    complete = local_date(complete_moment, calendar) if complete_moment is not None else None

    if deadline is None or cutoff is None:
        text, unknown_code, unknown_params = _reason(_no_deadline_code(dates, instruction))
        return Assessment(
            deadlines=found,
            delivered_on_time=None,
            missed=False,
            liable=None,
            liability_reason=text,
            urgency=Urgency.DONE if processed is not None else Urgency.UNKNOWN,
            cutoff_near=False,
            liability_code=unknown_code,
            liability_params=unknown_params,
        )

    delivered_on_time = _delivered_on_time(arrived, complete, cutoff, today)
    missed = processed > deadline if processed is not None else today > deadline
    what = {"deadline_kind": found.applies_kind or "payment", "deadline": deadline.isoformat()}
    liable, said = _liability(missed, arrived, complete, processed, cutoff, what)
    reason: str | None = said[0] if said is not None else None
    code: str | None = said[1] if said is not None else None
    params = said[2] if said is not None else ()
    urgency = Urgency.DONE if processed is not None else cutoff_urgency(cutoff, today, calendar)

    # The cut-off day itself counts as near: the morning reminder on that day is the last chance.
    cutoff_near = processed is None and (
        today >= cutoff or calendar.workdays_between(today, cutoff) <= NEAR_WORKDAYS
    )

    return Assessment(
        deadlines=found,
        delivered_on_time=delivered_on_time,
        missed=missed,
        liable=liable,
        liability_reason=reason,
        urgency=urgency,
        cutoff_near=cutoff_near,
        liability_code=code,
        liability_params=params,
    )


def _delivered_on_time(arrived: date, complete: date | None, cutoff: date, today: date) -> bool | None:
    """Did the fine and its information reach the operator by the cut-off? None while undecided."""
    if arrived > cutoff:
        return False
    if complete is None:
        return False if today > cutoff else None
    return complete <= cutoff


def _liability(
    missed: bool,
    arrived: date,
    complete: date | None,
    processed: date | None,
    cutoff: date,
    what: dict[str, str],
) -> tuple[Liable | None, tuple[str, str, tuple[tuple[str, str], ...]] | None]:
    """Return who answers for the deadline (None: nobody) and the reason, when there is one."""
    if not missed:  # nobody answers for it; a processed fine says when it was processed
        in_time = None if processed is None else _reason("processed_in_time", processed=processed.isoformat(), **what)
        return None, in_time
    if arrived > cutoff:
        return Liable.CLIENT, _reason("arrived_late", arrived=arrived.isoformat(), cutoff=cutoff.isoformat())
    if complete is None:
        return Liable.CLIENT, _reason("incomplete_at_cutoff", cutoff=cutoff.isoformat())
    if complete > cutoff:
        return Liable.CLIENT, _reason("completed_late", complete=complete.isoformat(), cutoff=cutoff.isoformat())
    if processed is not None:
        return Liable.OPERATOR, _reason("operator_processed_late", complete=complete.isoformat(),
                                        cutoff=cutoff.isoformat(), processed=processed.isoformat(), **what)
    return Liable.OPERATOR, _reason("operator_not_processed", complete=complete.isoformat(),
                                    cutoff=cutoff.isoformat(), **what)


def cutoff_urgency(cutoff: date | None, today: date, calendar: WorkCalendar) -> Urgency:
    """How close an open fine's cut-off is (``assess`` decides the same for a whole fine)."""
    if cutoff is None:
        return Urgency.UNKNOWN
    if today > cutoff:
        return Urgency.OVERDUE
    if today == cutoff:
        return Urgency.CUTOFF_TODAY
    if calendar.workdays_between(today, cutoff) <= CUTOFF_WORKDAYS:
        return Urgency.THIS_WEEK
    return Urgency.LATER


def _no_deadline_code(dates: FineDates, instruction: Instruction | None) -> str:
    if dates.kind == DRIVER_IDENTIFICATION:
        return "no_answer_date"
    if instruction is Instruction.RECHARGE:
        return "no_payment_due"
    return "no_dates"
