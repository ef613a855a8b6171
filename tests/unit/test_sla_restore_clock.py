"""The restore clock of a restore request (SLA 7.6) and the retention warning (SLA 7.2).

Table tests on the Belgian calendar (7.5 h Monday to Thursday, 6.5 h on Friday; Easter Monday
2026-04-06): 1 workday from the server copy, 2 from datacenter storage, the time waiting for the
client's choice of version not counted, across a weekend and a public holiday. The due moment is
checked against the backups' own reading of the same rule (``backups.policy.restore_deadline``).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.workcalendar import WorkCalendar, workdays_budget
from backups.policy import Tier, restore_deadline, restore_met
from sla.desk.clock import ClockState, RetentionState, restore_status, retention_state, sla_status

BRUSSELS = ZoneInfo("Europe/Brussels")
CAL = WorkCalendar.belgium()
H = timedelta(hours=1)
M = timedelta(minutes=1)
TIER = {1: Tier.SERVER_DB, 2: Tier.DC_DB}


def bx(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BRUSSELS)


def waits(events: Sequence[tuple[str, datetime]]) -> list[tuple[datetime, datetime]]:
    starts = [t for kind, t in events if kind == "choice_asked"]
    ends = [t for kind, t in events if kind == "choice_given"]
    return list(zip(starts, ends, strict=True))


@pytest.mark.parametrize(
    ("reported", "workdays", "events", "due"),
    [
        (bx(2026, 3, 10, 10), 1, [], bx(2026, 3, 11, 10)),  # Tuesday 10:00 + 1 workday
        (bx(2026, 3, 10, 10), 2, [], bx(2026, 3, 12, 10)),  # + 2 workdays (datacenter)
        (bx(2026, 3, 13, 14), 1, [], bx(2026, 3, 16, 14)),  # Friday 14:00: Monday 14:00
        (bx(2026, 3, 14, 10), 1, [], bx(2026, 3, 16, 17)),  # Saturday: a full Monday
        (bx(2026, 3, 10, 12, 30), 1, [], bx(2026, 3, 11, 12)),  # during lunch: from 13:00, reached at 12:00
        # waiting for the client's choice from Thursday 15:00 to Monday 10:00, across the weekend:
        # 4 h used before, 3.5 h left from Monday 10:00
        (bx(2026, 3, 12, 10), 1, [("choice_asked", bx(2026, 3, 12, 15)), ("choice_given", bx(2026, 3, 16, 10))],
         bx(2026, 3, 16, 14, 30)),
        # across Easter Monday: 2 workdays from Thursday 2 April 10:00 (14 h), waiting from Friday 11:00
        # to Tuesday 09:00; 8.5 h used before, 5.5 h left from Tuesday 09:00
        (bx(2026, 4, 2, 10), 2, [("choice_asked", bx(2026, 4, 3, 11)), ("choice_given", bx(2026, 4, 7, 9))],
         bx(2026, 4, 7, 15, 30)),
        # a wait during the weekend only changes nothing
        (bx(2026, 3, 13, 14), 1, [("choice_asked", bx(2026, 3, 14, 9)), ("choice_given", bx(2026, 3, 15, 9))],
         bx(2026, 3, 16, 14)),
    ],
)
def test_restore_due_table(reported: datetime, workdays: int, events: list[tuple[str, datetime]],
                           due: datetime) -> None:
    now = due + 3 * H
    status = restore_status(reported, events, now, CAL, workdays)
    assert status.due == due
    assert status.due == restore_deadline(reported, TIER[workdays], CAL, waits(events))
    assert status.workdays == workdays


def test_restore_done_at_due_is_met_and_a_minute_of_work_later_is_missed() -> None:
    reported, due = bx(2026, 3, 10, 10), bx(2026, 3, 11, 10)
    on_time = restore_status(reported, [("restore_done", due)], due + H, CAL, 1)
    assert (on_time.state, on_time.met, on_time.done_at) == (ClockState.MET, True, due)
    assert on_time.elapsed == 7.5 * H
    late = restore_status(reported, [("restore_done", due + M)], due + H, CAL, 1)
    assert (late.state, late.met) == (ClockState.MISSED, False)


def test_restore_done_in_the_lunch_break_after_a_noon_deadline_is_met() -> None:
    status = restore_status(bx(2026, 3, 10, 12, 30), [("restore_done", bx(2026, 3, 11, 12, 45))],
                            bx(2026, 3, 11, 14), CAL, 1)
    assert status.met is True


def test_restore_clock_pauses_while_waiting_for_the_choice_and_says_how_long() -> None:
    reported = bx(2026, 3, 12, 10)
    asked = bx(2026, 3, 12, 15)
    paused = restore_status(reported, [("choice_asked", asked)], bx(2026, 3, 16, 9), CAL, 1)
    assert paused.state is ClockState.PAUSED and paused.paused
    assert paused.elapsed == 4 * H
    # projected as if the client answered now (Monday 09:00): 3.5 h left
    assert paused.due == bx(2026, 3, 16, 13, 30)
    events = [("choice_asked", asked), ("choice_given", bx(2026, 3, 16, 10)), ("restore_done", bx(2026, 3, 16, 14))]
    done = restore_status(reported, events, bx(2026, 3, 16, 15), CAL, 1)
    assert done.met is True
    assert done.waiting == 2 * H + 6.5 * H + 1.5 * H  # Thursday 15-17, Friday, Monday 8:30-10
    assert done.elapsed == 4 * H + 3 * H


def test_restore_clock_open_past_due_is_breached_and_before_at_75_percent_is_nearly_due() -> None:
    reported = bx(2026, 3, 10, 10)
    assert restore_status(reported, [], bx(2026, 3, 11, 10, 1), CAL, 1).state is ClockState.BREACHED
    assert restore_status(reported, [], bx(2026, 3, 11, 9), CAL, 1).state is ClockState.WARNING
    assert restore_status(reported, [], bx(2026, 3, 10, 11), CAL, 1).state is ClockState.RUNNING


def test_resolved_without_a_restore_has_no_restore_to_judge() -> None:
    status = restore_status(bx(2026, 3, 10, 10), [("reaction", bx(2026, 3, 10, 10, 5)),
                                                  ("resolved", bx(2026, 3, 10, 11))], bx(2026, 3, 12, 10), CAL, 1)
    assert (status.state, status.met, status.done_at) == (ClockState.NOT_APPLICABLE, None, None)


def test_choice_events_pause_the_incident_clocks_too() -> None:
    reported = bx(2026, 3, 12, 10)
    events = [("reaction", bx(2026, 3, 12, 10, 10)), ("choice_asked", bx(2026, 3, 12, 15)),
              ("choice_given", bx(2026, 3, 16, 10))]
    status = sla_status(1, "few", reported, events, bx(2026, 3, 16, 10), CAL)
    assert status.intervention_elapsed == 4 * H


@pytest.mark.parametrize(
    "events",
    [
        [("choice_given", bx(2026, 3, 10, 11))],  # answered without being asked
        [("choice_asked", bx(2026, 3, 10, 11)), ("choice_asked", bx(2026, 3, 10, 12))],
        [("choice_asked", bx(2026, 3, 10, 11)), ("pause", bx(2026, 3, 10, 12))],
    ],
)
def test_choice_events_out_of_sequence_are_refused(events: list[tuple[str, datetime]]) -> None:
    with pytest.raises(ValueError, match="paused"):
        restore_status(bx(2026, 3, 10, 10), events, bx(2026, 3, 10, 13), CAL, 1)


def test_workdays_budget_refuses_less_than_one_workday() -> None:
    with pytest.raises(ValueError, match="at least one workday"):
        workdays_budget(bx(2026, 3, 10, 10), 0, CAL)


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 6, 1)),
    workdays=st.sampled_from([1, 2]),
    wait_from=st.integers(min_value=0, max_value=60 * 60),
    wait_for=st.integers(min_value=0, max_value=60 * 90),
    done_after=st.integers(min_value=0, max_value=60 * 24 * 6),
)
def test_restore_clock_agrees_with_the_backups_drill_rule(start: datetime, workdays: int, wait_from: int,
                                                          wait_for: int, done_after: int) -> None:
    reported = start.replace(tzinfo=BRUSSELS)
    asked = reported + wait_from * M
    given_at = asked + wait_for * M
    done = given_at + done_after * M
    events = [("choice_asked", asked), ("choice_given", given_at), ("restore_done", done)]
    status = restore_status(reported, events, done, CAL, workdays)
    assert status.due == restore_deadline(reported, TIER[workdays], CAL, [(asked, given_at)])
    assert status.met == restore_met(reported, done, TIER[workdays], CAL, [(asked, given_at)])


@pytest.mark.parametrize(
    ("expires", "now", "state"),
    [
        (None, bx(2026, 3, 13, 10), RetentionState.NONE),
        (bx(2026, 3, 13, 9), bx(2026, 3, 13, 10), RetentionState.GONE),  # expired an hour ago
        (bx(2026, 3, 13, 10), bx(2026, 3, 13, 10), RetentionState.GONE),  # expires right now
        (bx(2026, 3, 16, 23), bx(2026, 3, 13, 10), RetentionState.LEAVING),  # Friday: Monday is the 1st workday
        (bx(2026, 3, 17, 23), bx(2026, 3, 13, 10), RetentionState.LEAVING),  # Tuesday, the 2nd
        (bx(2026, 3, 18, 1), bx(2026, 3, 13, 10), RetentionState.KEPT),  # Wednesday
        (bx(2026, 4, 7, 12), bx(2026, 4, 3, 10), RetentionState.LEAVING),  # Easter Monday does not count
        (bx(2026, 4, 8, 12), bx(2026, 4, 3, 10), RetentionState.LEAVING),
        (bx(2026, 4, 9, 12), bx(2026, 4, 3, 10), RetentionState.KEPT),
    ],
)
def test_retention_state_warns_two_workdays_ahead(expires: datetime | None, now: datetime,
                                                  state: RetentionState) -> None:
    assert retention_state(expires, now, CAL) is state
