"""Fine deadlines, the client's cut-off, liability and urgency (DOMAIN.md, Deadline and Liability)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.fleet.instructions import Instruction
from app.workcalendar import WorkCalendar
from fines.workflow.deadlines import (
    Deadlines,
    FineDates,
    Liable,
    Urgency,
    assess,
    deadlines,
    local_date,
)

CAL = WorkCalendar.belgium()
BRUSSELS = ZoneInfo("Europe/Brussels")
R, C = Instruction.REDIRECT, Instruction.RECHARGE


def bx(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BRUSSELS)


RECEIVED = bx(2026, 3, 2)


def fine(
    *,
    kind: str | None = "immediate_collection",
    letter: date | None = None,
    due: date | None = None,
    received: datetime = RECEIVED,
    complete: datetime | None = None,
    processed: datetime | None = None,
) -> FineDates:
    return FineDates(kind=kind, letter_date=letter, due_date=due, received_at=received,
                     complete_at=complete, processed_at=processed)


# -- which deadline applies -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("letter", "expected"),
    [
        (date(2026, 3, 10), date(2026, 3, 25)),
        (date(2026, 1, 20), date(2026, 2, 4)),    # across a month end
        (date(2026, 2, 20), date(2026, 3, 7)),    # across February (28 days)
        (date(2028, 2, 20), date(2028, 3, 6)),    # leap year
        (date(2026, 12, 24), date(2027, 1, 8)),   # across the year end
        (date(2026, 4, 30), date(2026, 5, 15)),
    ],
)
def test_designation_is_letter_date_plus_15_calendar_days(letter: date, expected: date) -> None:
    found = deadlines(fine(letter=letter, due=date(2026, 6, 30)), R, CAL)
    assert found.designation_due == expected
    assert (found.applies, found.applies_kind) == (expected, "designation")


def test_designation_deadline_is_known_even_for_a_recharge() -> None:
    found = deadlines(fine(letter=date(2026, 3, 10), due=date(2026, 5, 22)), C, CAL)
    assert found.designation_due == date(2026, 3, 25)
    assert (found.applies, found.applies_kind) == (date(2026, 5, 22), "payment")


@pytest.mark.parametrize("instruction", [R, C, None])
def test_driver_identification_uses_its_answer_date_whatever_the_instruction(instruction: Instruction | None) -> None:
    found = deadlines(fine(kind="driver_identification", letter=date(2026, 3, 2), due=date(2026, 4, 1)),
                      instruction, CAL)
    assert found.designation_due == date(2026, 4, 1)
    assert found.payment_due is None
    assert (found.applies, found.applies_kind) == (date(2026, 4, 1), "designation")


def test_recharge_uses_the_payment_due_date() -> None:
    found = deadlines(fine(letter=date(2026, 3, 23), due=date(2026, 5, 22)), C, CAL)
    assert found == Deadlines(payment_due=date(2026, 5, 22), designation_due=date(2026, 4, 7),
                              applies=date(2026, 5, 22), applies_kind="payment", cutoff=date(2026, 5, 15))


@pytest.mark.parametrize(
    ("instruction", "letter", "due", "applies", "kind", "provisional"),
    [
        (R, None, date(2026, 5, 22), date(2026, 5, 22), "payment", False),  # letter unknown: due date stands in
        (R, None, None, None, None, False),
        (C, date(2026, 3, 23), None, None, None, False),  # no fallback for a recharge
        (None, date(2026, 3, 23), date(2026, 5, 22), date(2026, 4, 7), "designation", True),
        (None, date(2026, 3, 23), date(2026, 3, 30), date(2026, 3, 30), "payment", True),
        (None, None, date(2026, 5, 22), date(2026, 5, 22), "payment", True),
        (None, date(2026, 3, 23), None, date(2026, 4, 7), "designation", True),
        (None, date(2026, 3, 16), date(2026, 3, 31), date(2026, 3, 31), "designation", True),  # tie
        (None, None, None, None, None, True),
    ],
)
def test_applied_deadline_per_instruction(instruction: Instruction | None, letter: date | None, due: date | None,
                                          applies: date | None, kind: str | None, provisional: bool) -> None:
    found = deadlines(fine(letter=letter, due=due), instruction, CAL)
    assert (found.applies, found.applies_kind, found.provisional) == (applies, kind, provisional)
    assert (found.cutoff is None) == (applies is None)


# -- the cut-off ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("deadline", "cutoff"),
    [
        (date(2026, 11, 12), date(2026, 11, 4)),   # skips 11 November
        (date(2026, 5, 26), date(2026, 5, 18)),    # skips Whit Monday 25 May
        (date(2026, 5, 19), date(2026, 5, 11)),    # skips Ascension 14 May
        (date(2026, 5, 30), date(2026, 5, 22)),    # a Saturday deadline; Whit Monday in between
        (date(2026, 3, 14), date(2026, 3, 9)),     # a Saturday deadline
        (date(2026, 3, 15), date(2026, 3, 9)),     # a Sunday deadline
        (date(2026, 7, 22), date(2026, 7, 14)),    # skips 21 July
        (date(2026, 1, 2), date(2025, 12, 24)),    # skips 1 January and 25 December
        (date(2026, 3, 20), date(2026, 3, 13)),    # an ordinary Friday
    ],
)
def test_cutoff_is_five_workdays_before_the_deadline(deadline: date, cutoff: date) -> None:
    found = deadlines(fine(due=deadline), C, CAL)
    assert found.cutoff == cutoff


def test_operator_closing_days_move_the_cutoff() -> None:
    bridged = WorkCalendar.belgium(extra_closed_days=[date(2026, 5, 15)])  # the Friday after Ascension
    assert deadlines(fine(due=date(2026, 5, 19)), C, bridged).cutoff == date(2026, 5, 8)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_cutoff_is_a_workday_with_exactly_five_workdays_up_to_the_deadline(deadline: date) -> None:
    cutoff = deadlines(fine(due=deadline), C, CAL).cutoff
    assert cutoff is not None and cutoff < deadline
    assert CAL.is_workday(cutoff)
    # workdays_between counts (cutoff, deadline]: the deadline itself counts only when it is a workday.
    assert CAL.workdays_between(cutoff, deadline) == (5 if CAL.is_workday(deadline) else 4)
    # Always exactly four workdays strictly between, whatever the deadline's day.
    strictly_between = sum(CAL.is_workday(cutoff + timedelta(days=i)) for i in range(1, (deadline - cutoff).days))
    assert strictly_between == 4


# -- liability --------------------------------------------------------------------------------------

DUE = date(2026, 5, 22)  # a Friday, the payment deadline of a recharge: cut-off Friday 2026-05-15
LIABILITY_CASES = [
    # id, received, complete, processed, today, missed, liable, reason fragment
    ("client-late-arrival", bx(2026, 5, 20), bx(2026, 5, 20), None, date(2026, 5, 26),
     True, Liable.CLIENT, "The fine arrived on 2026-05-20, after the cut-off of 2026-05-15"),
    ("client-late-info", bx(2026, 5, 4), bx(2026, 5, 18), bx(2026, 5, 26), date(2026, 5, 26),
     True, Liable.CLIENT, "information became complete on 2026-05-18, after the cut-off of 2026-05-15"),
    ("client-still-incomplete", bx(2026, 5, 4), None, None, date(2026, 5, 26),
     True, Liable.CLIENT, "still incomplete after the cut-off of 2026-05-15"),
    ("operator-processed-late", bx(2026, 5, 4), bx(2026, 5, 5), bx(2026, 5, 26), date(2026, 5, 27),
     True, Liable.OPERATOR, "processed on 2026-05-26, after the payment due date of 2026-05-22"),
    ("operator-still-open", bx(2026, 5, 4), bx(2026, 5, 15, 23, 30), None, date(2026, 5, 26),
     True, Liable.OPERATOR, "was not processed by the payment due date of 2026-05-22"),
    ("in-time", bx(2026, 5, 4), bx(2026, 5, 5), bx(2026, 5, 22, 16), date(2026, 6, 30),
     False, None, "late payment of the fine is the client's concern"),
    ("in-time-though-delivered-late", bx(2026, 5, 20), bx(2026, 5, 20), bx(2026, 5, 21), date(2026, 6, 30),
     False, None, "no liability"),
    ("open-not-yet-due", bx(2026, 5, 4), None, None, date(2026, 5, 22), False, None, None),
]


@pytest.mark.parametrize(
    ("received", "complete", "processed", "today", "missed", "liable", "fragment"),
    [case[1:] for case in LIABILITY_CASES],
    ids=[case[0] for case in LIABILITY_CASES],
)
def test_liability_of_a_recharge(received: datetime, complete: datetime | None, processed: datetime | None,
                                 today: date, missed: bool, liable: Liable | None, fragment: str | None) -> None:
    result = assess(fine(due=DUE, received=received, complete=complete, processed=processed), C, CAL, today)
    assert result.deadlines.cutoff == date(2026, 5, 15)
    assert result.missed is missed
    assert result.liable is liable
    if fragment is None:
        assert result.liability_reason is None
    else:
        assert result.liability_reason is not None and fragment in result.liability_reason
    if liable is Liable.CLIENT:
        assert "the client bears the damage, costs and surcharges" in (result.liability_reason or "")
    if liable is Liable.OPERATOR:
        assert "the service provider bears" in (result.liability_reason or "")


def test_liability_reason_reads_as_a_sentence() -> None:
    result = assess(fine(due=DUE, received=bx(2026, 5, 20), complete=bx(2026, 5, 20)), C, CAL, date(2026, 5, 26))
    assert result.liability_reason == ("The fine arrived on 2026-05-20, after the cut-off of 2026-05-15: the client"
                                       " bears the damage, costs and surcharges.")


def test_redirect_is_judged_against_the_designation_deadline() -> None:
    # Letter 2026-03-10: designate by 2026-03-25 (Wed), cut-off 2026-03-18; payment due much later.
    dates = fine(letter=date(2026, 3, 10), due=date(2026, 5, 22), received=bx(2026, 3, 12),
                 complete=bx(2026, 3, 12), processed=bx(2026, 3, 26))
    result = assess(dates, R, CAL, date(2026, 3, 30))
    assert result.deadlines.cutoff == date(2026, 3, 18)
    assert (result.missed, result.liable) == (True, Liable.OPERATOR)
    assert "designation due date of 2026-03-25" in (result.liability_reason or "")


def test_local_brussels_date_decides_not_utc() -> None:
    # 23:30 Brussels on the cut-off day is 21:30 UTC the same day; 00:30 Brussels the next day is still the
    # cut-off day in UTC (22:30), but late in Brussels.
    on_time = assess(fine(due=DUE, received=bx(2026, 5, 15, 23, 30), complete=bx(2026, 5, 15, 23, 30)),
                     C, CAL, date(2026, 5, 15))
    late = assess(fine(due=DUE, received=datetime(2026, 5, 15, 22, 30, tzinfo=UTC),
                       complete=datetime(2026, 5, 15, 22, 30, tzinfo=UTC)), C, CAL, date(2026, 5, 16))
    assert on_time.delivered_on_time is True
    assert late.delivered_on_time is False


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 5, 13, 10), CAL)
    with pytest.raises(ValueError, match="timezone-aware"):
        assess(fine(due=DUE, received=datetime(2026, 5, 4, 10)), C, CAL, date(2026, 5, 4))


def test_processed_without_complete_moment_counts_as_complete_when_processed() -> None:
    result = assess(fine(due=DUE, received=bx(2026, 5, 4), processed=bx(2026, 5, 26)), C, CAL, date(2026, 5, 27))
    assert (result.delivered_on_time, result.liable) == (False, Liable.CLIENT)


# -- delivered on time ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("received", "complete", "today", "expected"),
    [
        (bx(2026, 5, 4), bx(2026, 5, 15), date(2026, 5, 20), True),    # complete on the cut-off day
        (bx(2026, 5, 15), bx(2026, 5, 15), date(2026, 5, 15), True),   # arrived on the cut-off day
        (bx(2026, 5, 18), bx(2026, 5, 18), date(2026, 5, 18), False),  # arrived after
        (bx(2026, 5, 4), bx(2026, 5, 18), date(2026, 5, 18), False),   # complete after
        (bx(2026, 5, 4), None, date(2026, 5, 15), None),               # incomplete, cut-off today: undecided
        (bx(2026, 5, 4), None, date(2026, 5, 11), None),               # incomplete, cut-off ahead: undecided
        (bx(2026, 5, 4), None, date(2026, 5, 18), False),              # incomplete, cut-off passed
        (bx(2026, 5, 18), None, date(2026, 5, 18), False),             # arrived late: decided already
    ],
)
def test_delivered_on_time(received: datetime, complete: datetime | None, today: date,
                           expected: bool | None) -> None:
    result = assess(fine(due=DUE, received=received, complete=complete), C, CAL, today)
    assert result.delivered_on_time is expected


def test_without_a_deadline_nothing_is_decided() -> None:
    result = assess(fine(due=None, letter=None, received=bx(2026, 5, 4)), C, CAL, date(2026, 9, 1))
    assert result.deadlines.applies is None
    assert (result.missed, result.liable, result.delivered_on_time) == (False, None, None)
    assert result.urgency is Urgency.UNKNOWN
    assert result.cutoff_near is False
    assert "payment due date" in (result.liability_reason or "")


# -- urgency and reminders --------------------------------------------------------------------------

# Deadline 2026-05-22, cut-off Friday 2026-05-15; Thursday 14 May is Ascension (no workday).
@pytest.mark.parametrize(
    ("today", "urgency", "near"),
    [
        (date(2026, 5, 18), Urgency.OVERDUE, True),
        (date(2026, 6, 1), Urgency.OVERDUE, True),
        (date(2026, 5, 15), Urgency.CUTOFF_TODAY, True),
        (date(2026, 5, 14), Urgency.THIS_WEEK, True),       # Ascension: 1 workday (15)
        (date(2026, 5, 13), Urgency.THIS_WEEK, True),       # 1 workday (15)
        (date(2026, 5, 12), Urgency.THIS_WEEK, True),       # 2 workdays (13, 15)
        (date(2026, 5, 11), Urgency.THIS_WEEK, False),      # 3 workdays
        (date(2026, 5, 9), Urgency.THIS_WEEK, False),       # Saturday: 4 workdays (11, 12, 13, 15)
        (date(2026, 5, 7), Urgency.THIS_WEEK, False),       # 5 workdays (8, 11, 12, 13, 15)
        (date(2026, 5, 6), Urgency.LATER, False),           # 6 workdays
        (date(2026, 4, 1), Urgency.LATER, False),
    ],
)
def test_urgency_buckets_and_cutoff_near(today: date, urgency: Urgency, near: bool) -> None:
    result = assess(fine(due=DUE, received=bx(2026, 3, 30)), C, CAL, today)
    assert result.urgency is urgency
    assert result.cutoff_near is near


def test_a_processed_fine_is_done_and_never_near() -> None:
    result = assess(fine(due=DUE, received=bx(2026, 5, 4), complete=bx(2026, 5, 4), processed=bx(2026, 5, 6)),
                    C, CAL, date(2026, 5, 15))
    assert result.urgency is Urgency.DONE
    assert result.cutoff_near is False


def test_this_week_counts_workdays_across_a_holiday() -> None:
    # Cut-off 2026-11-04 for a deadline of 2026-11-12; from 2026-10-28 that is 29, 30 Oct, 2 (1 Nov is a
    # Sunday anyway), 3, 4 Nov: 5 workdays.
    result = assess(fine(due=date(2026, 11, 12), received=bx(2026, 10, 1)), C, CAL, date(2026, 10, 28))
    assert result.deadlines.cutoff == date(2026, 11, 4)
    assert result.urgency is Urgency.THIS_WEEK
