"""Uptime: availability within working hours, maintenance excluded, and the monthly error budget.

Table tests pin the rules on the Belgian calendar (lunch, Friday 16:00, weekends, public holidays,
maintenance, the month's bounds); property tests compare availability and down time with a slow
reference written here that steps minute by minute and asks only ``calendar.is_working_time``.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.workcalendar import WorkCalendar
from sla.uptime.availability import (
    DayFigure,
    availability,
    axis_position,
    budget_left,
    daily_strip,
    downtime,
    error_budget,
    measured_time,
    merge,
    month_bounds,
    month_figures,
    rolling_window,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
CAL = WorkCalendar.belgium()
H = timedelta(hours=1)
M = timedelta(minutes=1)
Intervals = Sequence[tuple[datetime, datetime]]


def bx(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BRUSSELS)


# November 2026: Sun 1 (All Saints) and Wed 11 (Armistice) are holidays; Fri 13, Mon 16.
NOV_START, NOV_END = bx(2026, 11, 1), bx(2026, 12, 1)
NOV_WORKING = 16 * 7.5 * H + 4 * 6.5 * H  # 16 Mon-Thu workdays, 4 Fridays: 146 h


# -- down time: the working-hours rules ----------------------------------------------------------

DOWNTIME_CASES = [
    # (name, outages, maintenance, expected down time)
    ("across lunch counts 30 + 30 min",
     [(bx(2026, 11, 10, 11, 30), bx(2026, 11, 10, 13, 30))], [], 60 * M),
    ("during lunch counts nothing",
     [(bx(2026, 11, 10, 12), bx(2026, 11, 10, 13))], [], 0 * M),
    ("across Friday 16:00 counts Fri 1 h + Mon 1 h",
     [(bx(2026, 11, 13, 15), bx(2026, 11, 16, 9, 30))], [], 2 * H),
    ("a whole weekend counts nothing",
     [(bx(2026, 11, 13, 16), bx(2026, 11, 16, 8, 30))], [], 0 * M),
    ("over the 11 November holiday counts Tue 1 h + Thu 30 min",
     [(bx(2026, 11, 10, 16), bx(2026, 11, 12, 9))], [], 90 * M),
    ("the holiday itself counts nothing",
     [(bx(2026, 11, 11, 8), bx(2026, 11, 11, 18))], [], 0 * M),
    ("partly inside maintenance counts only the rest",
     [(bx(2026, 11, 10, 9), bx(2026, 11, 10, 11))],
     [(bx(2026, 11, 10, 10), bx(2026, 11, 10, 10, 30))], 90 * M),
    ("maintenance in the middle of an outage splits it",
     [(bx(2026, 11, 10, 8, 30), bx(2026, 11, 10, 17))],
     [(bx(2026, 11, 10, 11), bx(2026, 11, 10, 14))], 7.5 * H - 2 * H),
    ("overlapping outages count once",
     [(bx(2026, 11, 10, 9), bx(2026, 11, 10, 10, 30)), (bx(2026, 11, 10, 10), bx(2026, 11, 10, 11))],
     [], 2 * H),
    ("an outage inside another counts once",
     [(bx(2026, 11, 10, 9), bx(2026, 11, 10, 11)), (bx(2026, 11, 10, 9, 30), bx(2026, 11, 10, 10))],
     [], 2 * H),
    ("touching outages count end to end",
     [(bx(2026, 11, 10, 9), bx(2026, 11, 10, 10)), (bx(2026, 11, 10, 10), bx(2026, 11, 10, 11))],
     [], 2 * H),
    ("fully inside maintenance counts nothing",
     [(bx(2026, 11, 10, 9), bx(2026, 11, 10, 10))],
     [(bx(2026, 11, 10, 8), bx(2026, 11, 10, 12))], 0 * M),
    ("crossing the month's start is clipped (Mon 2 Nov 08:30-10:00)",
     [(bx(2026, 10, 30, 9), bx(2026, 11, 2, 10))], [], 90 * M),
    ("crossing the month's end is clipped (Mon 30 Nov 16:00-17:00)",
     [(bx(2026, 11, 30, 16), bx(2026, 12, 1, 10))], [], 1 * H),
    ("an empty outage counts nothing",
     [(bx(2026, 11, 10, 10), bx(2026, 11, 10, 10))], [], 0 * M),
    ("an outage given in UTC counts the same instants (11:30-13:30 Brussels)",
     [(datetime(2026, 11, 10, 10, 30, tzinfo=UTC),
       datetime(2026, 11, 10, 12, 30, tzinfo=UTC))], [], 60 * M),
]


@pytest.mark.parametrize(
    ("outages", "maintenance", "expected"),
    [case[1:] for case in DOWNTIME_CASES],
    ids=[case[0] for case in DOWNTIME_CASES],
)
def test_downtime_counts_working_time_outside_maintenance_within_the_month(
    outages: Intervals, maintenance: Intervals, expected: timedelta
) -> None:
    assert downtime(outages, maintenance, NOV_START, NOV_END, CAL) == expected
    measured = measured_time(maintenance, NOV_START, NOV_END, CAL)
    assert availability(outages, maintenance, NOV_START, NOV_END, CAL) == pytest.approx(
        1 - expected / measured, abs=1e-12
    )


def test_measured_time_of_november_2026_is_its_working_time_146_hours() -> None:
    assert CAL.working_time_between(NOV_START, NOV_END) == NOV_WORKING
    assert measured_time([], NOV_START, NOV_END, CAL) == NOV_WORKING


def test_measured_time_leaves_out_working_time_under_maintenance_and_clips_it() -> None:
    maintenance = [
        (bx(2026, 11, 10, 16), bx(2026, 11, 10, 18)),  # 1 h of it in working time
        (bx(2026, 11, 10, 16, 30), bx(2026, 11, 10, 17)),  # overlaps the first: counts once
        (bx(2026, 11, 30, 16, 30), bx(2026, 12, 1, 9)),  # 30 min in November
        (bx(2026, 10, 31, 20), bx(2026, 11, 2, 8, 45)),  # 15 min in November
    ]
    assert measured_time(maintenance, NOV_START, NOV_END, CAL) == NOV_WORKING - 105 * M


def test_error_budget_of_november_2026_is_2_percent_of_its_working_time() -> None:
    budget = error_budget([], NOV_START, NOV_END, CAL)
    assert budget == CAL.working_time_between(NOV_START, NOV_END) * 0.02
    assert budget == timedelta(hours=2, minutes=55, seconds=12)  # 2 % of 146 h


def test_error_budget_shrinks_with_maintenance_and_follows_the_target() -> None:
    maintenance = [(bx(2026, 11, 10, 8, 30), bx(2026, 11, 10, 17))]  # a whole Tuesday: 7.5 h
    assert error_budget(maintenance, NOV_START, NOV_END, CAL) == (NOV_WORKING - 7.5 * H) * 0.02
    assert error_budget([], NOV_START, NOV_END, CAL, target=0.99) == NOV_WORKING * 0.01
    assert error_budget([], NOV_START, NOV_END, CAL, target=1.0) == timedelta(0)


def test_budget_left_is_the_month_budget_minus_down_time_so_far() -> None:
    outages = [(bx(2026, 11, 10, 9), bx(2026, 11, 10, 10)), (bx(2026, 11, 20, 9), bx(2026, 11, 20, 10))]
    budget = NOV_WORKING * 0.02
    assert budget_left(outages, [], NOV_START, NOV_END, CAL) == budget - 2 * H
    assert budget_left(outages, [], NOV_START, NOV_END, CAL, now=bx(2026, 11, 15)) == budget - H
    assert budget_left(outages, [], NOV_START, NOV_END, CAL, now=bx(2026, 10, 1)) == budget
    assert budget_left(outages, [], NOV_START, NOV_END, CAL, now=bx(2027, 1, 1)) == budget - 2 * H


def test_budget_left_goes_negative_once_overspent() -> None:
    outages = [(bx(2026, 11, 10, 8, 30), bx(2026, 11, 10, 17))]
    assert budget_left(outages, [], NOV_START, NOV_END, CAL) == NOV_WORKING * 0.02 - 7.5 * H
    assert budget_left(outages, [], NOV_START, NOV_END, CAL) < timedelta(0)


# -- availability: the edges ---------------------------------------------------------------------


def test_availability_is_one_when_everything_is_under_maintenance() -> None:
    day = (bx(2026, 11, 10), bx(2026, 11, 11))
    outages = [(bx(2026, 11, 10, 9), bx(2026, 11, 10, 15))]
    assert availability(outages, [day], *day, CAL) == 1.0
    assert downtime(outages, [day], *day, CAL) == timedelta(0)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (bx(2026, 11, 10, 10), bx(2026, 11, 10, 10)),  # zero-length window in working time
        (bx(2026, 11, 14), bx(2026, 11, 16)),  # a weekend
        (bx(2026, 11, 11), bx(2026, 11, 12)),  # a holiday
        (bx(2026, 11, 10, 12), bx(2026, 11, 10, 13)),  # lunch
    ],
    ids=["zero-length", "weekend", "holiday", "lunch"],
)
def test_availability_is_one_for_a_window_without_working_time(start: datetime, end: datetime) -> None:
    outages = [(bx(2026, 11, 1), bx(2026, 12, 1))]
    assert availability(outages, [], start, end, CAL) == 1.0
    assert downtime(outages, [], start, end, CAL) == timedelta(0)
    assert measured_time([], start, end, CAL) == timedelta(0)


def test_availability_is_zero_when_down_all_working_time() -> None:
    outages = [(bx(2026, 10, 1), bx(2027, 1, 1))]
    assert availability(outages, [], NOV_START, NOV_END, CAL) == 0.0


def test_availability_of_one_outage_in_november() -> None:
    outages = [(bx(2026, 11, 10, 11, 30), bx(2026, 11, 10, 13, 30))]  # 1 h of working time
    assert availability(outages, [], NOV_START, NOV_END, CAL) == pytest.approx(1 - 1 / 146)


def test_availability_accepts_generators() -> None:
    outages = ((bx(2026, 11, 10, 9), bx(2026, 11, 10, 10)) for _ in range(2))
    assert availability(outages, iter(()), NOV_START, NOV_END, CAL) == pytest.approx(1 - 1 / 146)


# -- validation ----------------------------------------------------------------------------------

NAIVE = datetime(2026, 11, 10, 10)


@pytest.mark.parametrize(
    ("outages", "maintenance", "start", "end", "message"),
    [
        ([(NAIVE, bx(2026, 11, 10, 11))], [], NOV_START, NOV_END, "naive"),
        ([(bx(2026, 11, 10, 9), NAIVE)], [], NOV_START, NOV_END, "naive"),
        ([], [(NAIVE, bx(2026, 11, 10, 11))], NOV_START, NOV_END, "naive"),
        ([], [], NAIVE, NOV_END, "naive"),
        ([], [], NOV_START, datetime(2026, 12, 1), "naive"),
        ([(bx(2026, 11, 10, 11), bx(2026, 11, 10, 10))], [], NOV_START, NOV_END, "before it starts"),
        ([], [(bx(2026, 11, 10, 11), bx(2026, 11, 10, 10))], NOV_START, NOV_END, "before it starts"),
        ([], [], NOV_END, NOV_START, "before it starts"),
    ],
    ids=["naive outage start", "naive outage end", "naive maintenance", "naive window start",
         "naive window end", "outage ends before start", "maintenance ends before start",
         "window ends before start"],
)
def test_invalid_input_raises_value_error(
    outages: Intervals, maintenance: Intervals, start: datetime, end: datetime, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        availability(outages, maintenance, start, end, CAL)
    with pytest.raises(ValueError, match=message):
        downtime(outages, maintenance, start, end, CAL)
    with pytest.raises(ValueError, match=message):
        budget_left(outages, maintenance, start, end, CAL)


def test_an_outage_ending_before_it_starts_is_refused_even_outside_the_window() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        availability([(bx(2025, 1, 2), bx(2025, 1, 1))], [], NOV_START, NOV_END, CAL)


@pytest.mark.parametrize("target", [-0.1, 1.5, float("nan")])
def test_a_target_outside_zero_to_one_is_refused(target: float) -> None:
    with pytest.raises(ValueError, match="target"):
        error_budget([], NOV_START, NOV_END, CAL, target=target)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        budget_left([], [], NOV_START, NOV_END, CAL, now=NAIVE)
    with pytest.raises(ValueError, match="naive"):
        month_figures([], [], 2026, 11, NAIVE, CAL)


def test_a_date_instead_of_a_datetime_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="datetime"):
        availability([], [], date(2026, 11, 1), NOV_END, CAL)  # type: ignore[arg-type]


# -- merge, months, rolling window ----------------------------------------------------------------


def test_merge_joins_overlapping_and_touching_intervals_drops_empty_ones_and_sorts() -> None:
    utc = UTC
    merged = merge([
        (bx(2026, 11, 10, 14), bx(2026, 11, 10, 15)),
        (bx(2026, 11, 10, 9), bx(2026, 11, 10, 10)),
        (bx(2026, 11, 10, 9, 30), bx(2026, 11, 10, 11)),
        (bx(2026, 11, 10, 11), bx(2026, 11, 10, 11, 15)),
        (bx(2026, 11, 10, 12), bx(2026, 11, 10, 12)),
    ])
    assert merged == [
        (datetime(2026, 11, 10, 8, tzinfo=utc), datetime(2026, 11, 10, 10, 15, tzinfo=utc)),
        (datetime(2026, 11, 10, 13, tzinfo=utc), datetime(2026, 11, 10, 14, tzinfo=utc)),
    ]
    assert all(a.tzinfo is utc and b.tzinfo is utc for a, b in merged)
    assert merge([]) == []


def test_merge_compares_instants_across_the_autumn_clock_change() -> None:
    # 02:30 occurs twice on 25 October 2026; fold=1 is the second, one hour later.
    first = datetime(2026, 10, 25, 2, 30, tzinfo=BRUSSELS)
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BRUSSELS)
    assert merge([(first, second)]) == [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    ]


@pytest.mark.parametrize(
    ("year", "month", "start", "end"),
    [
        (2026, 11, bx(2026, 11, 1), bx(2026, 12, 1)),
        (2026, 12, bx(2026, 12, 1), bx(2027, 1, 1)),
        (2026, 3, bx(2026, 3, 1), bx(2026, 4, 1)),  # contains the spring clock change
    ],
)
def test_month_bounds_are_belgian_midnights(year: int, month: int, start: datetime, end: datetime) -> None:
    bounds = month_bounds(year, month, "Europe/Brussels")
    assert bounds == (start, end)
    assert [t.utcoffset() for t in bounds] == [start.utcoffset(), end.utcoffset()]
    assert (bounds[0].hour, bounds[1].hour) == (0, 0)


def test_month_bounds_refuse_a_month_13() -> None:
    with pytest.raises(ValueError, match="month"):
        month_bounds(2026, 13, BRUSSELS)


def test_rolling_window_counts_local_days_across_the_spring_clock_change() -> None:
    start, end = rolling_window(bx(2026, 4, 10, 10), BRUSSELS)
    assert (start, end) == (bx(2026, 3, 11, 10), bx(2026, 4, 10, 10))
    # 29 Mar 2026 has 23 hours (same-tzinfo subtraction would compare wall clocks: use UTC)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=30) - H


# -- the month's figures and the daily strip -----------------------------------------------------


def test_month_figures_bundle_month_to_date_rolling_30_days_and_budget() -> None:
    outages = [
        (bx(2026, 10, 27, 9), bx(2026, 10, 27, 11)),  # October: only in the rolling window
        (bx(2026, 11, 10, 11, 30), bx(2026, 11, 10, 13, 30)),  # 1 h
        (bx(2026, 11, 25, 9), bx(2026, 11, 25, 10)),  # after now: not yet counted
    ]
    maintenance = [(bx(2026, 11, 12, 8, 30), bx(2026, 11, 12, 17))]  # Thu 12: 7.5 h
    now = bx(2026, 11, 20, 12)
    figures = month_figures(outages, maintenance, 2026, 11, now, CAL)
    month_measured = measured_time(maintenance, NOV_START, now, CAL)
    rolling_start = bx(2026, 10, 21, 12)
    rolling_measured = measured_time(maintenance, rolling_start, now, CAL)
    assert figures.start == NOV_START and figures.end == NOV_END
    assert figures.month_availability == pytest.approx(1 - H / month_measured)
    assert figures.rolling_availability == pytest.approx(1 - 3 * H / rolling_measured)
    assert figures.measured_time == NOV_WORKING - 7.5 * H
    assert figures.down_time == H
    assert figures.budget_total == (NOV_WORKING - 7.5 * H) * 0.02
    assert figures.budget_left == figures.budget_total - H
    assert figures.budget_left_minutes == pytest.approx(figures.budget_left.total_seconds() / 60)
    assert figures.meets_target
    assert 0 < figures.budget_left_ratio < 1


def test_month_figures_of_a_past_month_count_the_whole_month() -> None:
    outages = [(bx(2026, 11, 30, 8, 30), bx(2026, 11, 30, 17))]  # 7.5 h, the last day
    figures = month_figures(outages, [], 2026, 11, bx(2027, 2, 1), CAL)
    assert figures.month_availability == pytest.approx(1 - 7.5 / 146)
    assert not figures.meets_target
    assert figures.budget_left < timedelta(0)
    assert figures.budget_left_ratio < 0
    assert figures.rolling_availability == 1.0  # the 30 days before now had no outage


def test_daily_strip_has_one_figure_per_day_with_none_for_days_without_measured_time() -> None:
    outages = [(bx(2026, 11, 10, 11, 30), bx(2026, 11, 10, 13, 30))]
    maintenance = [(bx(2026, 11, 12), bx(2026, 11, 13)), (bx(2026, 11, 13, 15), bx(2026, 11, 13, 18))]
    strip = daily_strip(outages, maintenance, 2026, 11, CAL)
    assert [f.day for f in strip] == [date(2026, 11, d) for d in range(1, 31)]
    by_day = {f.day.day: f for f in strip}
    assert by_day[10] == DayFigure(date(2026, 11, 10), 7.5 * H, timedelta(0), H, 1 - 1 / 7.5)
    assert by_day[11].availability is None and by_day[11].working_time == timedelta(0)  # holiday
    assert by_day[14].availability is None  # Saturday
    assert by_day[12] == DayFigure(date(2026, 11, 12), 7.5 * H, 7.5 * H, timedelta(0), None)
    assert by_day[13].maintenance_time == H and by_day[13].measured_time == 5.5 * H
    assert by_day[13].availability == 1.0
    assert sum((f.working_time for f in strip), timedelta(0)) == NOV_WORKING
    assert sum((f.down_time for f in strip), timedelta(0)) == downtime(outages, maintenance, NOV_START, NOV_END, CAL)


def test_daily_strip_says_not_yet_for_days_to_come_and_measures_today_so_far() -> None:
    outages = [(bx(2026, 11, 16, 9, 0), bx(2026, 11, 16, 9, 30))]
    strip = {f.day.day: f for f in daily_strip(outages, [], 2026, 11, CAL, now=bx(2026, 11, 16, 10, 0))}
    # Monday 16 November at 10:00: 08:30-10:00 has passed, 30 min of it down.
    assert strip[16].availability == 1 - 30 / 90 and not strip[16].future
    assert all(strip[d].future and strip[d].availability is None for d in range(17, 31))
    assert strip[21].future  # a Saturday to come is "not yet" as well, not "no working time"
    assert not strip[15].future and strip[15].availability is None  # last Sunday: no working time
    assert strip[13].availability == 1.0 and not strip[13].future
    early = {f.day.day: f for f in daily_strip([], [], 2026, 11, CAL, now=bx(2026, 11, 16, 7, 0))}
    assert early[16].future  # none of today's working time has passed yet


def test_daily_strip_says_no_data_for_days_before_measuring_began() -> None:
    strip = {f.day.day: f for f in daily_strip([], [], 2026, 11, CAL, since=bx(2026, 11, 4, 12, 0))}
    assert all(strip[d].no_data and strip[d].availability is None for d in (1, 2, 3))
    assert not strip[4].no_data and strip[4].measured_time == 4 * H  # 13:00-17:00
    assert strip[5].availability == 1.0 and not strip[5].no_data


@pytest.mark.parametrize(("value", "position"), [
    (1.0, 100.0), (0.98, 60.0), (0.9887, 77.4), (0.95, 0.0), (0.90, 0.0), (1.2, 100.0),
])
def test_the_availability_axis_runs_from_95_to_100_percent(value: float, position: float) -> None:
    assert axis_position(value) == position


def test_an_axis_must_run_upwards() -> None:
    with pytest.raises(ValueError, match="axis"):
        axis_position(0.97, low=1.0, high=0.95)


def test_daily_strip_of_march_2026_has_31_days_including_the_23_hour_one() -> None:
    strip = daily_strip([], [], 2026, 3, CAL)
    assert len(strip) == 31 and strip[-1].day == date(2026, 3, 31)
    assert sum((f.working_time for f in strip), timedelta(0)) == CAL.working_time_between(
        bx(2026, 3, 1), bx(2026, 4, 1)
    )


# -- properties against a minute-stepping reference ----------------------------------------------

PROPERTY = settings(max_examples=100, deadline=None)
REGION_DAYS = 14  # every instant of one example lies within this many days
INTERESTING_DAYS = [
    date(2025, 12, 22), date(2026, 3, 23), date(2026, 3, 30), date(2026, 5, 11),
    date(2026, 7, 17), date(2026, 10, 21), date(2026, 11, 5), date(2026, 11, 27),
]
# Minutes of the day at or next to the schedule's boundaries: 08:30, 12:00, 13:00, 16:00, 17:00.
BOUNDARY_MINUTES = [0, 509, 510, 511, 719, 720, 721, 779, 780, 781, 959, 960, 961, 1019, 1020, 1021]
ZONES = [BRUSSELS, UTC, timezone(timedelta(hours=-5))]


@st.composite
def instants(draw: st.DrawFn, region: date) -> datetime:
    """Draw a whole-minute instant in the region, given in one of several zones."""
    day = region + timedelta(days=draw(st.integers(0, REGION_DAYS - 1)))
    minute = draw(st.one_of(st.sampled_from(BOUNDARY_MINUTES), st.integers(0, 1439)))
    local = datetime(day.year, day.month, day.day, tzinfo=BRUSSELS) + minute * M
    return local.astimezone(draw(st.sampled_from(ZONES)))


@st.composite
def intervals(draw: st.DrawFn, region: date) -> tuple[datetime, datetime]:
    a, b = draw(instants(region)), draw(instants(region))
    return (a, b) if a <= b else (b, a)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]],
                                         datetime, datetime]:
    region = draw(st.one_of(
        st.sampled_from(INTERESTING_DAYS),
        st.integers(0, 364).map(lambda n: date(2026, 1, 1) + timedelta(days=n)),
    ))
    outages = draw(st.lists(intervals(region), max_size=6))
    maintenance = draw(st.lists(intervals(region), max_size=4))
    start, end = draw(intervals(region))
    return outages, maintenance, start, end


def reference_minutes(
    outages: Intervals, maintenance: Intervals, start: datetime, end: datetime
) -> tuple[int, int]:
    """Return (measured, down) whole working minutes in [start, end), stepping one by one."""
    measured = down = 0
    t = start.astimezone(UTC)
    while t < end:
        if CAL.is_working_time(t) and not any(a <= t < b for a, b in maintenance):
            measured += 1
            if any(a <= t < b for a, b in outages):
                down += 1
        t += M
    return measured, down


Scenario = tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]], datetime, datetime]


@PROPERTY
@given(scenarios())
def test_downtime_and_measured_time_match_a_minute_stepping_reference(scenario: Scenario) -> None:
    outages, maintenance, start, end = scenario
    measured, down = reference_minutes(outages, maintenance, start, end)
    assert downtime(outages, maintenance, start, end, CAL) == down * M
    assert measured_time(maintenance, start, end, CAL) == measured * M


@PROPERTY
@given(scenarios())
def test_availability_matches_a_minute_stepping_reference(scenario: Scenario) -> None:
    outages, maintenance, start, end = scenario
    measured, down = reference_minutes(outages, maintenance, start, end)
    expected = 1.0 if measured == 0 else 1 - down / measured
    assert availability(outages, maintenance, start, end, CAL) == pytest.approx(expected, abs=1e-9)


@PROPERTY
@given(scenarios())
def test_merge_keeps_exactly_the_covered_instants(scenario: Scenario) -> None:
    outages, _, start, end = scenario
    merged = merge(outages)
    assert all(a < b for a, b in merged)
    assert all(left[1] < right[0] for left, right in pairwise(merged))  # disjoint, apart
    t = start.astimezone(UTC)
    while t < end:
        assert any(a <= t < b for a, b in outages) == any(a <= t < b for a, b in merged)
        t += 15 * M
