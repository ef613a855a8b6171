"""SLA clocks: reaction, intervention, status reports and escalation, replayed from events.

Table tests pin the rules on the Belgian calendar (lunch, Friday 16:00, weekends, public holidays,
summer time); property tests compare the elapsed times and due moments with a slow reference
written here that steps minute by minute and asks only ``calendar.is_working_time``.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.workcalendar import WorkCalendar
from sla.desk.clock import ClockState, SlaStatus, clock_segments, sla_status

BRUSSELS = ZoneInfo("Europe/Brussels")
CAL = WorkCalendar.belgium()
H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)

# (level, impact) giving each category
CATEGORY = {1: (4, "all"), 2: (3, "all"), 3: (2, "all"), 4: (1, "all"), 5: (1, "few")}

Events = Sequence[tuple[str, datetime]]


def bx(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=BRUSSELS)


def status(category: int, reported: datetime, events: Events, now: datetime) -> SlaStatus:
    level, impact = CATEGORY[category]
    return sla_status(level, impact, reported, events, now, CAL)


MON = (2026, 3, 9)  # an ordinary Monday
TUE = (2026, 3, 10)
WED = (2026, 3, 11)


# -- due moments on the calendar -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("category", "reported", "reaction_due"),
    [
        (1, bx(*MON, 11, 45), bx(*MON, 13, 15)),  # across lunch
        (2, bx(*MON, 12, 15), bx(*MON, 14, 0)),  # reported during lunch
        (1, bx(2026, 3, 6, 15, 45), bx(*MON, 8, 45)),  # Friday closes at 16:00
        (1, bx(2026, 3, 7, 10, 0), bx(*MON, 9, 0)),  # reported on Saturday
        (4, bx(2026, 3, 6, 14, 0), bx(*MON, 10, 30)),  # over the weekend
        (4, bx(2026, 11, 10, 16, 0), bx(2026, 11, 12, 11, 30)),  # 11 November (Wednesday)
        (3, bx(2026, 12, 24, 16, 30), bx(2026, 12, 28, 10, 0)),  # Christmas (Friday) + weekend
        (5, bx(2026, 3, 27, 15, 30), bx(2026, 3, 30, 17, 0)),  # summer time starts 29 March
        (5, bx(2026, 10, 23, 15, 0), bx(2026, 10, 26, 16, 30)),  # summer time ends 25 October
    ],
    ids=["lunch", "in-lunch", "friday-16h", "saturday", "weekend", "armistice", "christmas",
         "dst-spring", "dst-autumn"],
)
def test_reaction_due_counts_working_time_only(
    category: int, reported: datetime, reaction_due: datetime
) -> None:
    result = status(category, reported, [], reported)
    assert result.reaction_due == reaction_due
    assert result.reaction_due.utcoffset() == reaction_due.utcoffset()


@pytest.mark.parametrize(
    ("category", "reported", "intervention_due"),
    [
        (1, bx(*MON, 8, 30), bx(*MON, 15, 30)),
        (4, bx(2026, 11, 9, 8, 30), bx(2026, 11, 13, 10, 0)),  # skips 11 November
        (5, bx(2026, 12, 24, 8, 30), bx(2027, 1, 5, 11, 30)),  # skips 25 December and 1 January
        (4, bx(2026, 3, 26, 8, 30), bx(2026, 3, 31, 11, 0)),  # across the spring change
        (4, bx(2026, 10, 22, 8, 30), bx(2026, 10, 27, 11, 0)),  # across the autumn change
    ],
    ids=["cat1-same-day", "armistice", "christmas-new-year", "dst-spring", "dst-autumn"],
)
def test_intervention_due_counts_working_time_only(
    category: int, reported: datetime, intervention_due: datetime
) -> None:
    assert status(category, reported, [], reported).intervention_due == intervention_due


@pytest.mark.parametrize(
    ("reported", "reaction", "elapsed", "met"),
    [
        (bx(*MON, 11, 45), bx(*MON, 13, 10), 25 * M, True),  # lunch does not count
        (bx(2026, 3, 6, 15, 50), bx(*MON, 8, 50), 30 * M, True),  # exactly the target is met
        (bx(2026, 3, 6, 15, 50), bx(*MON, 8, 51), 31 * M, False),
        (bx(2026, 3, 27, 15, 50), bx(2026, 3, 30, 8, 45), 25 * M, True),  # over the spring change
        (bx(2026, 10, 23, 15, 50), bx(2026, 10, 26, 8, 45), 25 * M, True),  # and the autumn one
        (bx(2026, 11, 10, 16, 50), bx(2026, 11, 12, 8, 50), 30 * M, True),  # over 11 November
        (bx(*MON, 11, 30), bx(*MON, 12, 30), 30 * M, True),  # due 12:00, reacted in lunch: met
        (bx(*MON, 11, 30), bx(*MON, 13, 0, 1), 30 * M + S, False),
    ],
)
def test_reaction_elapsed_and_met_for_category_1(
    reported: datetime, reaction: datetime, elapsed: timedelta, met: bool
) -> None:
    result = status(1, reported, [("reaction", reaction)], reaction + 2 * H)
    assert result.reaction_at == reaction
    assert result.reaction_elapsed == elapsed
    assert result.reaction_met is met
    assert result.reaction_state is (ClockState.MET if met else ClockState.MISSED)


# -- warning, breached, met semantics ------------------------------------------------------------

@pytest.mark.parametrize(
    ("now", "state", "met"),
    [
        (bx(*MON, 9, 0), ClockState.RUNNING, None),
        (bx(*MON, 9, 22), ClockState.RUNNING, None),  # 73 %
        (bx(*MON, 9, 22, 30), ClockState.WARNING, None),  # 75 %
        (bx(*MON, 9, 30), ClockState.WARNING, None),  # at the target: not yet breached
        (bx(*MON, 9, 30, 1), ClockState.BREACHED, False),
    ],
)
def test_reaction_warns_at_75_percent_and_breaches_past_the_target(
    now: datetime, state: ClockState, met: bool | None
) -> None:
    result = status(1, bx(*MON, 9, 0), [], now)
    assert result.reaction_state is state
    assert result.reaction_met is met
    assert result.reaction_due == bx(*MON, 9, 30)


def test_a_clock_due_at_noon_is_breached_only_when_work_resumes() -> None:
    reported = bx(*MON, 11, 30)
    assert status(1, reported, [], bx(*MON, 12, 59)).reaction_state is ClockState.WARNING
    assert status(1, reported, [], bx(*MON, 13, 0)).reaction_state is ClockState.WARNING
    assert status(1, reported, [], bx(*MON, 13, 0, 1)).reaction_state is ClockState.BREACHED


@pytest.mark.parametrize(
    ("now", "state", "met"),
    [
        (bx(*MON, 13, 59), ClockState.RUNNING, None),
        (bx(*MON, 14, 0), ClockState.WARNING, None),  # 4.5 h of 6 h = 75 %
        (bx(*MON, 15, 30), ClockState.WARNING, None),
        (bx(*MON, 15, 31), ClockState.BREACHED, False),
    ],
)
def test_intervention_warns_and_breaches(now: datetime, state: ClockState, met: bool | None) -> None:
    result = status(1, bx(*MON, 8, 30), [("reaction", bx(*MON, 8, 40))], now)
    assert result.intervention_state is state
    assert result.intervention_met is met
    assert result.intervention_elapsed == CAL.working_time_between(bx(*MON, 8, 30), now)


@pytest.mark.parametrize(
    ("resolved", "met"),
    [(bx(*MON, 15, 0), True), (bx(*MON, 15, 30), True), (bx(*MON, 15, 30, 1), False)],
)
def test_intervention_is_decided_on_resolution(resolved: datetime, met: bool) -> None:
    events = [("reaction", bx(*MON, 8, 40)), ("resolved", resolved)]
    result = status(1, bx(*MON, 8, 30), events, bx(*WED, 10, 0))
    assert result.resolved_at == resolved
    assert result.intervention_met is met
    assert result.intervention_state is (ClockState.MET if met else ClockState.MISSED)
    assert result.nearest_breach is None
    assert result.next_status_report_due is None


def test_resolving_without_a_reaction_counts_as_the_reaction() -> None:
    result = status(1, bx(*MON, 9, 0), [("resolved", bx(*MON, 9, 20))], bx(*MON, 11, 0))
    assert result.reaction_at == bx(*MON, 9, 20)
    assert result.reaction_met is True
    assert result.reaction_elapsed == 20 * M
    assert result.status_state is ClockState.NOT_APPLICABLE


def test_only_the_first_reaction_counts() -> None:
    events = [("reaction", bx(*MON, 9, 10)), ("reaction", bx(*MON, 10, 0))]
    result = status(1, bx(*MON, 9, 0), events, bx(*MON, 10, 5))
    assert result.reaction_at == bx(*MON, 9, 10)
    assert result.reaction_elapsed == 10 * M


# -- pauses and restores -------------------------------------------------------------------------

def test_pause_shifts_due_moments_by_the_paused_working_time() -> None:
    events = [("pause", bx(*MON, 9, 10)), ("resume", bx(*MON, 9, 40))]
    result = status(1, bx(*MON, 9, 0), events, bx(*MON, 9, 50))
    assert result.reaction_due == bx(*MON, 10, 0)
    assert result.intervention_due == bx(*MON, 16, 30)
    assert result.reaction_elapsed == 20 * M
    assert result.reaction_state is ClockState.RUNNING
    assert not result.paused


def test_pause_over_lunch_and_night_excludes_only_working_time() -> None:
    events = [("pause", bx(*MON, 11, 30)), ("resume", bx(*TUE, 9, 0))]
    result = status(2, bx(*MON, 11, 0), events, bx(*TUE, 9, 10))
    assert result.reaction_due == bx(*TUE, 9, 30)
    assert result.reaction_elapsed == 40 * M


def test_while_paused_clocks_stand_still_and_due_moments_are_projected_from_now() -> None:
    result = status(1, bx(*MON, 9, 0), [("pause", bx(*MON, 9, 10))], bx(*MON, 9, 30))
    assert result.paused
    assert result.reaction_state is ClockState.PAUSED
    assert result.intervention_state is ClockState.PAUSED
    assert result.reaction_met is None
    assert result.reaction_elapsed == 10 * M
    assert result.reaction_due == bx(*MON, 9, 50)
    assert result.nearest_breach is None
    later = status(1, bx(*MON, 9, 0), [("pause", bx(*MON, 9, 10))], bx(*TUE, 9, 0))
    assert later.reaction_elapsed == 10 * M
    assert later.reaction_due == bx(*TUE, 9, 20)


def test_a_breach_stays_breached_while_paused() -> None:
    result = status(1, bx(*MON, 9, 0), [("pause", bx(*MON, 10, 0))], bx(*MON, 10, 30))
    assert result.paused
    assert result.reaction_state is ClockState.BREACHED
    assert result.reaction_met is False


def test_resolution_ends_an_open_pause() -> None:
    events = [("reaction", bx(*MON, 9, 5)), ("pause", bx(*MON, 10, 0)),
              ("resolved", bx(*MON, 11, 0))]
    result = status(1, bx(*MON, 9, 0), events, bx(*TUE, 12, 0))
    assert not result.paused
    assert result.intervention_elapsed == H
    assert result.intervention_met is True


RESTORE = [("reaction", bx(*MON, 8, 40)), ("restore_start", bx(*MON, 9, 0)),
           ("restore_end", bx(*MON, 11, 0)), ("resolved", bx(*MON, 16, 30))]


def test_restore_time_is_excluded_from_the_category_1_intervention() -> None:
    result = status(1, bx(*MON, 8, 30), RESTORE, bx(*MON, 17, 0))
    assert result.intervention_elapsed == 5 * H
    assert result.intervention_due == bx(*TUE, 9, 0)
    assert result.intervention_met is True
    assert result.reaction_elapsed == 10 * M  # restoring never stops the other clocks


def test_restore_time_counts_for_other_categories() -> None:
    result = status(4, bx(*MON, 8, 30), RESTORE, bx(*MON, 17, 0))
    assert result.intervention_elapsed == 7 * H
    assert result.intervention_due == bx(2026, 3, 12, 10, 0)


def test_an_open_restore_stops_the_category_1_intervention_clock() -> None:
    events = [("reaction", bx(*MON, 8, 40)), ("restore_start", bx(*MON, 9, 0))]
    result = status(1, bx(*MON, 8, 30), events, bx(*MON, 15, 0))
    assert result.intervention_elapsed == 30 * M
    assert result.intervention_state is ClockState.RUNNING


# -- escalation ----------------------------------------------------------------------------------

CAT3 = bx(*MON, 8, 30)  # a category 3 incident: escalates at Tue 09:00 to 2, Tue 11:00 to 1


@pytest.mark.parametrize(
    ("now", "category", "escalations", "intervention_due"),
    [
        (bx(*TUE, 8, 59), 3, (), bx(*WED, 9, 30)),
        (bx(*TUE, 9, 0), 3, (), bx(*WED, 9, 30)),  # escalates once the 8 h have passed
        (bx(*TUE, 9, 0, 1), 2, ((bx(*TUE, 9, 0), 3, 2),), bx(*TUE, 9, 0)),
        (bx(*TUE, 11, 0, 1), 1, ((bx(*TUE, 9, 0), 3, 2), (bx(*TUE, 11, 0), 2, 1)),
         bx(*MON, 15, 30)),
    ],
)
def test_category_3_escalates_to_2_after_8_hours_and_to_1_two_hours_later(
    now: datetime,
    category: int,
    escalations: tuple[tuple[datetime, int, int], ...],
    intervention_due: datetime,
) -> None:
    result = status(3, CAT3, [("reaction", bx(*MON, 9, 0))], now)
    assert result.original_category == 3
    assert result.category == category
    assert result.escalations == escalations
    assert result.escalated_at == (escalations[-1][0] if escalations else None)
    assert result.intervention_due == intervention_due  # min(current, reported + new target)


def test_resolved_at_the_escalation_moment_does_not_escalate() -> None:
    events = [("reaction", bx(*MON, 9, 0)), ("resolved", bx(*TUE, 9, 0))]
    result = status(3, CAT3, events, bx(*WED, 12, 0))
    assert result.category == 3
    assert result.intervention_met is True


def test_resolved_after_escalation_is_judged_on_the_escalated_deadline() -> None:
    events = [("reaction", bx(*MON, 9, 0)), ("resolved", bx(*TUE, 10, 0))]
    result = status(3, CAT3, events, bx(*WED, 12, 0))
    assert result.category == 2
    assert result.intervention_due == bx(*TUE, 9, 0)
    assert result.intervention_met is False


def test_category_2_escalates_after_two_hours_excluding_pauses() -> None:
    events = [("pause", bx(*MON, 9, 0)), ("resume", bx(*MON, 10, 0))]
    result = status(2, bx(*MON, 8, 30), events, bx(*MON, 14, 0))
    assert result.escalations == ((bx(*MON, 11, 30), 2, 1),)
    # min(8 h => Tue 10:00, category 1's 6 h from the report => Mon 16:30)
    assert result.intervention_due == bx(*MON, 16, 30)


def test_escalation_keeps_the_reaction_due_once_the_reaction_happened() -> None:
    result = status(3, CAT3, [("reaction", bx(*MON, 9, 15))], bx(*TUE, 12, 0))
    assert result.category == 1
    assert result.reaction_due == bx(*MON, 10, 30)
    assert result.reaction_met is True


def test_escalation_before_the_reaction_takes_the_earlier_reaction_due() -> None:
    result = status(3, CAT3, [], bx(*TUE, 12, 0))
    assert result.category == 1
    assert result.reaction_due == bx(*MON, 9, 0)  # category 1: 30 min from the report
    assert result.reaction_state is ClockState.BREACHED


def test_restore_is_excluded_once_escalated_to_category_1() -> None:
    events = [("reaction", bx(*MON, 8, 35)), ("restore_start", bx(*MON, 9, 0)),
              ("restore_end", bx(*MON, 10, 0))]
    result = status(2, bx(*MON, 8, 30), events, bx(*MON, 15, 0))
    assert result.escalations == ((bx(*MON, 10, 30), 2, 1),)  # restoring does not stop escalation
    # category 2: Tue 09:00; category 1, 6 h without the hour of restore: Mon 16:30
    assert result.intervention_due == bx(*MON, 16, 30)
    assert result.intervention_elapsed == 4.5 * H


# -- status reports ------------------------------------------------------------------------------

REACTED = [("reaction", bx(*MON, 8, 40))]  # category 1: a report due every working hour


@pytest.mark.parametrize(
    ("events", "now", "due", "missed", "state"),
    [
        ([], bx(*MON, 9, 20), bx(*MON, 9, 40), 0, ClockState.RUNNING),
        ([], bx(*MON, 9, 25), bx(*MON, 9, 40), 0, ClockState.WARNING),  # 75 % of the hour
        ([("status_report", bx(*MON, 9, 35))], bx(*MON, 10, 0), bx(*MON, 10, 35), 0,
         ClockState.RUNNING),
        ([("status_report", bx(*MON, 9, 45))], bx(*MON, 10, 0), bx(*MON, 10, 45), 1,
         ClockState.RUNNING),  # late: one missed, the rhythm restarts from the report
        ([], bx(*MON, 9, 41), bx(*MON, 9, 40), 1, ClockState.BREACHED),  # overdue since 09:40
        ([], bx(*MON, 11, 50), bx(*MON, 9, 40), 3, ClockState.BREACHED),  # 09:40, 10:40, 11:40
        ([("status_report", bx(*MON, 11, 50))], bx(*MON, 11, 55), bx(*MON, 13, 50), 3,
         ClockState.RUNNING),
        ([("pause", bx(*MON, 9, 0)), ("resume", bx(*MON, 10, 0))], bx(*MON, 10, 10),
         bx(*MON, 10, 40), 0, ClockState.RUNNING),
        ([("pause", bx(*MON, 9, 0))], bx(*MON, 10, 10), bx(*MON, 10, 50), 0, ClockState.PAUSED),
    ],
)
def test_status_reports_are_due_every_hour_for_category_1(
    events: Events, now: datetime, due: datetime, missed: int, state: ClockState
) -> None:
    result = status(1, bx(*MON, 8, 30), [*REACTED, *events], now)
    assert result.next_status_report_due == due
    assert result.status_reports_missed == missed
    assert result.status_state is state


def test_a_report_during_lunch_after_a_noon_due_moment_is_on_time() -> None:
    events = [("reaction", bx(*MON, 11, 0)), ("status_report", bx(*MON, 12, 30))]
    result = status(1, bx(*MON, 10, 55), events, bx(*MON, 13, 10))
    assert result.status_reports_missed == 0
    assert result.next_status_report_due == bx(*MON, 14, 0)


@pytest.mark.parametrize(
    ("resolved", "missed", "state"),
    [(bx(*MON, 9, 30), 0, ClockState.MET), (bx(*MON, 11, 40), 2, ClockState.MISSED)],
)
def test_status_reports_missed_are_counted_until_resolution(
    resolved: datetime, missed: int, state: ClockState
) -> None:
    result = status(1, bx(*MON, 8, 30), [*REACTED, ("resolved", resolved)], bx(*WED, 9, 0))
    assert result.status_reports_missed == missed
    assert result.status_state is state
    assert result.next_status_report_due is None


@pytest.mark.parametrize("category", [4, 5])
def test_status_reports_by_appointment_are_not_tracked(category: int) -> None:
    result = status(category, bx(*MON, 8, 30), REACTED, bx(*WED, 9, 0))
    assert result.status_state is ClockState.NOT_APPLICABLE
    assert result.next_status_report_due is None
    assert result.status_reports_missed == 0


def test_status_clock_starts_at_the_reaction() -> None:
    events = [("status_report", bx(*MON, 8, 35))]  # before the reaction: does not count
    result = status(1, bx(*MON, 8, 30), events, bx(*MON, 11, 0))
    assert result.status_state is ClockState.NOT_APPLICABLE
    assert result.next_status_report_due is None


@pytest.mark.parametrize(
    ("now", "category", "due", "missed", "state"),
    [
        # reaction Mon 09:00 (every 4 h): due 14:00; reported 13:00 so due Mon 17:00; reported
        # Tue 08:45 (15 min late: 1 missed) so due 13:45; escalated Tue 09:00: due 11:00
        (bx(*TUE, 10, 0), 2, bx(*TUE, 11, 0), 1, ClockState.RUNNING),
        # reported Tue 10:30 (every 2 h): due 13:30; escalated Tue 11:00: due 12:00, hourly
        (bx(*TUE, 11, 30), 1, bx(*TUE, 12, 0), 1, ClockState.RUNNING),
        (bx(*TUE, 11, 50), 1, bx(*TUE, 12, 0), 1, ClockState.WARNING),
        (bx(*TUE, 13, 30), 1, bx(*TUE, 12, 0), 2, ClockState.BREACHED),
    ],
)
def test_escalation_switches_to_the_new_rhythm_keeping_the_earlier_due_moment(
    now: datetime, category: int, due: datetime, missed: int, state: ClockState
) -> None:
    events = [("reaction", bx(*MON, 9, 0)), ("status_report", bx(*MON, 13, 0)),
              ("status_report", bx(*TUE, 8, 45)), ("status_report", bx(*TUE, 10, 30))]
    result = status(3, CAT3, [e for e in events if e[1] <= now], now)
    assert result.category == category
    assert result.next_status_report_due == due
    assert result.status_reports_missed == missed
    assert result.status_state is state


# -- sorting the desk ----------------------------------------------------------------------------

def test_nearest_breach_is_the_earliest_due_moment_of_the_running_clocks() -> None:
    open_ = status(1, bx(*MON, 9, 0), [], bx(*MON, 9, 10))
    assert open_.nearest_breach == bx(*MON, 9, 30)
    reacted = status(1, bx(*MON, 9, 0), [("reaction", bx(*MON, 9, 5))], bx(*MON, 9, 10))
    assert reacted.nearest_breach == bx(*MON, 10, 5)  # the first status report
    overdue = status(1, bx(*MON, 9, 0), [], bx(*MON, 10, 0))
    assert overdue.nearest_breach == bx(*MON, 9, 30)  # in the past: sorts first



# -- reopening -------------------------------------------------------------------------------------

REOPENED = [("reaction", bx(*MON, 9, 5)), ("resolved", bx(*MON, 10, 0)), ("reopen", bx(*TUE, 9, 0))]


def test_a_reopened_incident_runs_on_where_its_clocks_stood() -> None:
    result = status(1, bx(*MON, 9, 0), REOPENED, bx(*TUE, 9, 30))
    assert result.resolved_at is None and result.intervention_met is None
    assert result.intervention_state is ClockState.RUNNING
    # 09:00-10:00 on Monday and 09:00-09:30 on Tuesday; Monday 10:00 to the reopening does not count.
    assert result.intervention_elapsed == 90 * M
    assert result.intervention_due == bx(*TUE, 15, 0)  # 5 h left from Tuesday 09:00, lunch excluded
    assert result.reaction_at == bx(*MON, 9, 5) and result.reaction_met is True
    assert result.nearest_breach is not None and result.nearest_breach <= result.intervention_due


def test_a_reopened_incident_is_judged_at_its_last_resolution_on_all_open_stretches() -> None:
    events = [*REOPENED, ("resolved", bx(*TUE, 10, 0))]
    result = status(1, bx(*MON, 9, 0), events, bx(*TUE, 17, 0))
    assert result.resolved_at == bx(*TUE, 10, 0)
    assert result.intervention_elapsed == 2 * H and result.intervention_met is True
    late = status(1, bx(*MON, 9, 0), [*REOPENED, ("resolved", bx(*TUE, 16, 0))], bx(*TUE, 17, 0))
    assert late.intervention_elapsed == 7 * H and late.intervention_state is ClockState.MISSED


def test_the_time_between_resolution_and_reopening_counts_for_no_clock() -> None:
    events = [("reaction", bx(*MON, 9, 5)), ("resolved", bx(*MON, 9, 30)), ("reopen", bx(*WED, 9, 0))]
    result = status(3, bx(*MON, 9, 0), events, bx(*WED, 10, 0))
    # Category 3 escalates after 8 h of active time: 30 min on Monday and 1 h on Wednesday are not enough.
    assert result.escalations == () and result.category == 3
    # The 4-hourly report rhythm ran 25 min on Monday; 3 h 35 min of it are left from Wednesday 09:00.
    assert result.status_state is ClockState.RUNNING and result.status_reports_missed == 0
    assert result.next_status_report_due == bx(*WED, 13, 35)


def test_a_resolution_without_a_reaction_stays_the_reaction_after_reopening() -> None:
    events = [("resolved", bx(*MON, 9, 20)), ("reopen", bx(*MON, 11, 0))]
    result = status(1, bx(*MON, 9, 0), events, bx(*MON, 11, 30))
    assert result.reaction_at == bx(*MON, 9, 20) and result.reaction_met is True
    assert result.reaction_state is ClockState.MET


def test_a_pause_open_at_the_resolution_ends_there_and_a_reopened_incident_is_not_paused() -> None:
    events = [("reaction", bx(*MON, 9, 5)), ("pause", bx(*MON, 9, 30)), ("resolved", bx(*MON, 10, 0)),
              ("reopen", bx(*MON, 14, 0))]
    result = status(1, bx(*MON, 9, 0), events, bx(*MON, 14, 30))
    assert not result.paused and result.intervention_elapsed == H  # 09:00-09:30 and 14:00-14:30


def test_clock_segments_show_the_resolved_stretch_of_a_reopened_incident() -> None:
    segments = clock_segments(bx(*MON, 9, 0), REOPENED, bx(*TUE, 9, 30), CAL)
    assert [s[1:] for s in segments if s[0] == "intervention"] == [
        (bx(*MON, 9, 0), bx(*MON, 10, 0), "running"),
        (bx(*MON, 10, 0), bx(*MON, 12, 0), "resolved"),
        (bx(*MON, 13, 0), bx(*MON, 17, 0), "resolved"),
        (bx(*TUE, 8, 30), bx(*TUE, 9, 0), "resolved"),
        (bx(*TUE, 9, 0), bx(*TUE, 9, 30), "running"),
    ]

# -- validation ----------------------------------------------------------------------------------

NAIVE = datetime(2026, 3, 9, 9, 30)


@pytest.mark.parametrize(
    ("events", "now", "message"),
    [
        ([("coffee", bx(*MON, 9, 30))], bx(*MON, 10), "unknown kind"),
        ([("reaction", NAIVE)], bx(*MON, 10), "naive"),
        ([("reaction", bx(*MON, 9, 30)), ("pause", bx(*MON, 9, 20))], bx(*MON, 10), "order"),
        ([("reaction", bx(*MON, 8, 59))], bx(*MON, 10), "before reported_at"),
        ([("reaction", bx(*MON, 10, 1))], bx(*MON, 10), "after now"),
        ([("pause", bx(*MON, 9, 10)), ("pause", bx(*MON, 9, 20))], bx(*MON, 10), "already paused"),
        ([("resume", bx(*MON, 9, 10))], bx(*MON, 10), "not paused"),
        ([("restore_end", bx(*MON, 9, 10))], bx(*MON, 10), "without restore_start"),
        ([("restore_start", bx(*MON, 9, 10)), ("restore_start", bx(*MON, 9, 20))], bx(*MON, 10),
         "already restoring"),
        ([("resolved", bx(*MON, 9, 10)), ("status_report", bx(*MON, 9, 20))], bx(*MON, 10),
         "after the incident was resolved"),
        ([("resolved", bx(*MON, 9, 10)), ("resolved", bx(*MON, 9, 20))], bx(*MON, 10),
         "after the incident was resolved"),
        ([("reopen", bx(*MON, 9, 10))], bx(*MON, 10), "reopen while not resolved"),
        ([("resolved", bx(*MON, 9, 10)), ("reopen", bx(*MON, 9, 20)), ("reopen", bx(*MON, 9, 30))],
         bx(*MON, 10), "reopen while not resolved"),
        ([], bx(*MON, 8, 59), "before reported_at"),
        ([], NAIVE, "naive"),
    ],
)
def test_invalid_events_are_refused(events: Events, now: datetime, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        status(1, bx(*MON, 9, 0), events, now)
    with pytest.raises(ValueError, match=message):
        clock_segments(bx(*MON, 9, 0), events, now, CAL)


def test_naive_report_time_and_bad_level_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        sla_status(4, "all", NAIVE, [], bx(*MON, 10), CAL)
    with pytest.raises(ValueError, match="level"):
        sla_status(5, "all", bx(*MON, 9), [], bx(*MON, 10), CAL)
    with pytest.raises(ValueError, match="impact"):
        sla_status(4, "most", bx(*MON, 9), [], bx(*MON, 10), CAL)


def test_events_in_other_zones_are_instants() -> None:
    utc = [("reaction", bx(*MON, 9, 20).astimezone(UTC))]
    assert status(1, bx(*MON, 9, 0), utc, bx(*MON, 10)).reaction_elapsed == 20 * M


def test_status_is_frozen() -> None:
    result = status(1, bx(*MON, 9, 0), [], bx(*MON, 10))
    with pytest.raises(AttributeError):
        result.category = 2  # type: ignore[misc]


# -- timelines -----------------------------------------------------------------------------------

def test_clock_segments_split_working_time_into_running_paused_and_excluded() -> None:
    events = [("reaction", bx(*MON, 9, 0)), ("pause", bx(*MON, 11, 0)),
              ("resume", bx(*MON, 14, 0)), ("restore_start", bx(*MON, 15, 0)),
              ("restore_end", bx(*MON, 16, 0))]
    segments = clock_segments(bx(*MON, 8, 30), events, bx(*MON, 16, 30), CAL)
    assert [s for s in segments if s[0] == "reaction"] == [
        ("reaction", bx(*MON, 8, 30), bx(*MON, 9, 0), "running")
    ]
    assert [s[1:] for s in segments if s[0] == "intervention"] == [
        (bx(*MON, 8, 30), bx(*MON, 11, 0), "running"),
        (bx(*MON, 11, 0), bx(*MON, 12, 0), "paused"),
        (bx(*MON, 13, 0), bx(*MON, 14, 0), "paused"),
        (bx(*MON, 14, 0), bx(*MON, 15, 0), "running"),
        (bx(*MON, 15, 0), bx(*MON, 16, 0), "excluded"),
        (bx(*MON, 16, 0), bx(*MON, 16, 30), "running"),
    ]
    status_kinds = [s[3] for s in segments if s[0] == "status"]
    assert "excluded" not in status_kinds and "paused" in status_kinds
    plain = clock_segments(bx(*MON, 8, 30), events, bx(*MON, 16, 30), CAL, restore_excluded=False)
    assert "excluded" not in {s[3] for s in plain}


# -- properties against a minute-stepping reference ------------------------------------------------

PROPERTY = settings(max_examples=100, deadline=None)
INTERESTING_DAYS = [
    date(2026, 3, 5), date(2026, 3, 26), date(2026, 5, 12), date(2026, 7, 20),
    date(2026, 10, 22), date(2026, 11, 9), date(2026, 12, 23), date(2026, 12, 31),
]
SPAN = 7 * 1440  # minutes: up to about five workdays


@st.composite
def incidents(draw: st.DrawFn) -> tuple[int, str, datetime, list[tuple[str, datetime]], datetime]:
    day = draw(st.one_of(
        st.sampled_from(INTERESTING_DAYS),
        st.integers(0, 364).map(lambda n: date(2026, 1, 1) + timedelta(days=n)),
    ))
    reported = datetime(day.year, day.month, day.day, tzinfo=BRUSSELS) + draw(
        st.integers(0, 1439)) * M
    now_offset = draw(st.integers(0, SPAN))
    pauses = sorted(draw(st.lists(st.integers(0, now_offset), max_size=6, unique=True)))
    reaction = draw(st.none() | st.integers(0, now_offset))
    resolved = draw(st.none() | st.integers(max([0, *pauses]), now_offset))
    events: list[tuple[int, int, str]] = [
        (offset, 1, "pause" if i % 2 == 0 else "resume") for i, offset in enumerate(pauses)
    ]
    if reaction is not None and (resolved is None or reaction <= resolved):
        events.append((reaction, 0, "reaction"))
    if resolved is not None:
        events.append((resolved, 2, "resolved"))
    level, impact = draw(st.sampled_from(sorted(CATEGORY.values())))
    return (
        level,
        impact,
        reported,
        # UTC arithmetic: adding minutes to a Brussels wall time would misstep over summer time
        [(kind, (reported.astimezone(UTC) + offset * M).astimezone(BRUSSELS))
         for offset, _, kind in sorted(events)],
        (reported.astimezone(UTC) + now_offset * M).astimezone(BRUSSELS),
    )


def paused_intervals(events: Events, end: datetime) -> list[tuple[datetime, datetime]]:
    starts = [t for kind, t in events if kind == "pause"]
    ends = [t for kind, t in events if kind == "resume"] + [end]
    return list(zip(starts, ends, strict=False))  # not paused at the end: ``end`` is left over


def reference_active_minutes(
    start: datetime, stop: datetime, paused: list[tuple[datetime, datetime]]
) -> int:
    """Count whole working minutes in [start, stop) outside the paused intervals, one by one."""
    count = 0
    t = start.astimezone(UTC)
    while t < stop:
        if CAL.is_working_time(t) and not any(a <= t < b for a, b in paused):
            count += 1
        t += M
    return count


def reference_due(start: datetime, target: timedelta, paused: list[tuple[datetime, datetime]]) -> datetime:
    """Step minute by minute until ``target`` of active time is consumed."""
    wanted = target // M
    count = 0
    t = start.astimezone(UTC)
    while count < wanted:
        if CAL.is_working_time(t) and not any(a <= t < b for a, b in paused):
            count += 1
        t += M
    return t


@PROPERTY
@given(incidents())
def test_elapsed_times_match_a_minute_stepping_reference(
    incident: tuple[int, str, datetime, list[tuple[str, datetime]], datetime],
) -> None:
    level, impact, reported, events, now = incident
    result = sla_status(level, impact, reported, events, now, CAL)
    resolved = next((t for kind, t in events if kind == "resolved"), None)
    reaction = next((t for kind, t in events if kind == "reaction"), None) or resolved
    end = resolved or now
    paused = paused_intervals(events, end)
    assert result.reaction_elapsed == reference_active_minutes(reported, reaction or now, paused) * M
    assert result.intervention_elapsed == reference_active_minutes(reported, end, paused) * M
    switches = sum(kind in ("pause", "resume") for kind, _ in events)
    assert result.paused == (resolved is None and switches % 2 == 1)


@PROPERTY
@given(incidents())
def test_reaction_due_and_met_match_a_minute_stepping_reference(
    incident: tuple[int, str, datetime, list[tuple[str, datetime]], datetime],
) -> None:
    level, impact, reported, events, now = incident
    if (level, impact) not in (CATEGORY[4], CATEGORY[5]):
        level, impact = CATEGORY[5]  # no escalation: the due moment is the category's own
    result = sla_status(level, impact, reported, events, now, CAL)
    resolved = next((t for kind, t in events if kind == "resolved"), None)
    reaction = next((t for kind, t in events if kind == "reaction"), None) or resolved
    paused = paused_intervals(events, resolved or now)
    target = 4 * H if (level, impact) == CATEGORY[4] else 8 * H
    assert result.reaction_due == reference_due(reported, target, paused)
    elapsed = reference_active_minutes(reported, reaction or now, paused) * M
    if reaction is not None:
        assert result.reaction_met is (elapsed <= target)
    elif elapsed > target:
        assert result.reaction_met is False and result.reaction_state is ClockState.BREACHED
    else:
        assert result.reaction_met is None
        assert result.reaction_state in (
            ClockState.RUNNING, ClockState.WARNING, ClockState.PAUSED)
        assert (result.reaction_state is ClockState.WARNING) == (
            not result.paused and elapsed * 4 >= target * 3)
