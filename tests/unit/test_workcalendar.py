"""The working calendar: workdays, working hours, holidays, summer time, exactness.

Table tests pin the rules; property tests compare the calendar with slow references written here
(minute stepping and day-by-day walks) that take their holidays from the ``holidays`` package
directly, never from the calendar's tables.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.workcalendar import (
    BELGIAN_OFFICE_HOURS,
    WeeklySchedule,
    WorkCalendar,
    WorkingInterval,
    belgian_public_holidays,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
H = timedelta(hours=1)
M = timedelta(minutes=1)
US = timedelta(microseconds=1)

CAL = WorkCalendar.belgium()


def bx(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=BRUSSELS)


def same_instant(a: datetime, b: datetime) -> bool:
    return a.astimezone(UTC) == b.astimezone(UTC)


# -- holidays -------------------------------------------------------------------------------------

TEN_HOLIDAYS = {
    2026: {
        date(2026, 1, 1): "New Year",
        date(2026, 4, 6): "Easter Monday",
        date(2026, 5, 1): "Labour Day",
        date(2026, 5, 14): "Ascension",
        date(2026, 5, 25): "Whit Monday",
        date(2026, 7, 21): "National Day",
        date(2026, 8, 15): "Assumption",
        date(2026, 11, 1): "All Saints",
        date(2026, 11, 11): "Armistice",
        date(2026, 12, 25): "Christmas",
    },
    2027: {
        date(2027, 1, 1): "New Year",
        date(2027, 3, 29): "Easter Monday",
        date(2027, 5, 1): "Labour Day",
        date(2027, 5, 6): "Ascension",
        date(2027, 5, 17): "Whit Monday",
        date(2027, 7, 21): "National Day",
        date(2027, 8, 15): "Assumption",
        date(2027, 11, 1): "All Saints",
        date(2027, 11, 11): "Armistice",
        date(2027, 12, 25): "Christmas",
    },
}
EASTER_AND_WHIT_SUNDAY = {
    2026: {date(2026, 4, 5), date(2026, 5, 24)},
    2027: {date(2027, 3, 28), date(2027, 5, 16)},
}


@pytest.mark.parametrize("year", [2026, 2027])
def test_package_public_holidays_are_the_ten_legal_days_plus_two_sundays(year: int) -> None:
    found = set(holidays.country_holidays("BE", years=year, categories=(holidays.PUBLIC,)))
    assert found == set(TEN_HOLIDAYS[year]) | EASTER_AND_WHIT_SUNDAY[year]
    assert all(day.weekday() == 6 for day in EASTER_AND_WHIT_SUNDAY[year])
    assert belgian_public_holidays(year) == found


@pytest.mark.parametrize(
    "day", [day for year in TEN_HOLIDAYS for day in TEN_HOLIDAYS[year]], ids=str
)
def test_each_public_holiday_has_no_working_time(day: date) -> None:
    assert not CAL.is_workday(day)
    assert CAL.working_time_on(day) == timedelta(0)
    assert not CAL.is_working_time(datetime.combine(day, time(10), BRUSSELS))
    assert CAL.workdays_between(day - timedelta(days=1), day) == 0


@pytest.mark.parametrize(
    "day",
    [date(2026, 4, 3), date(2027, 3, 26), date(2025, 12, 26), date(2028, 12, 26)],
    ids=["good-friday-2026", "good-friday-2027", "boxing-day-2025", "boxing-day-2028"],
)
def test_good_friday_and_26_december_are_workdays(day: date) -> None:
    assert CAL.is_workday(day)
    assert CAL.working_time_on(day) == (6.5 * H if day.weekday() == 4 else 7.5 * H)


@pytest.mark.parametrize(
    ("day", "easter_monday"),
    [(date(1900, 4, 16), True), (date(2150, 4, 13), True), (date(2200, 4, 7), True),
     (date(2200, 4, 8), False), (date(1900, 7, 20), False), (date(2199, 7, 22), False)],
    ids=str,
)
def test_holidays_are_known_from_1900_to_2200(day: date, easter_monday: bool) -> None:
    assert CAL.is_workday(day) is not easter_monday
    assert not CAL.is_workday(date(day.year, 7, 21))  # National Day


# -- workdays -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2026, 3, 2), 7.5), (date(2026, 3, 3), 7.5), (date(2026, 3, 4), 7.5),
     (date(2026, 3, 5), 7.5), (date(2026, 3, 6), 6.5), (date(2026, 3, 7), 0),
     (date(2026, 3, 8), 0)],
    ids=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
)
def test_working_time_on_follows_the_weekday(day: date, hours: float) -> None:
    assert CAL.working_time_on(day) == hours * H
    assert CAL.is_workday(day) is (hours > 0)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Fines: due date minus 5 workdays.
        (date(2026, 4, 10), -5, date(2026, 4, 2)),  # skips Easter Monday 6 April
        (date(2026, 5, 26), -5, date(2026, 5, 18)),  # skips Whit Monday 25 May
        (date(2026, 3, 13), -5, date(2026, 3, 6)),  # a plain week
        (date(2026, 3, 14), -5, date(2026, 3, 9)),  # from a Saturday: Mon-Fri of that week
        (date(2026, 3, 14), -1, date(2026, 3, 13)),
        (date(2026, 3, 16), -1, date(2026, 3, 13)),  # Monday back to Friday
        (date(2027, 1, 4), -1, date(2026, 12, 31)),  # over New Year (1 Jan 2027 is a Friday)
        (date(2026, 12, 28), -1, date(2026, 12, 24)),  # over Christmas (Fri 25 Dec)
        (date(2026, 5, 13), 1, date(2026, 5, 15)),  # over Ascension
        (date(2026, 3, 13), 1, date(2026, 3, 16)),  # Friday to Monday
        (date(2026, 3, 14), 1, date(2026, 3, 16)),  # Saturday to Monday
        (date(2026, 12, 24), 1, date(2026, 12, 28)),
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        (date(2026, 3, 14), 0, date(2026, 3, 14)),  # zero steps stays put, even on a Saturday
        (date(2026, 1, 1), 253, date(2026, 12, 31)),  # 2026 has 253 workdays
        (date(2026, 1, 1), 254, date(2027, 1, 4)),
    ],
)
def test_add_workdays_steps_over_weekends_and_holidays(start: date, n: int, expected: date) -> None:
    assert CAL.add_workdays(start, n) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2026, 3, 9), date(2026, 3, 13), 4),  # Mon -> Fri: Tue..Fri
        (date(2026, 3, 13), date(2026, 3, 16), 1),  # Fri -> Mon
        (date(2026, 3, 13), date(2026, 3, 15), 0),  # Fri -> Sun
        (date(2026, 3, 13), date(2026, 3, 13), 0),
        (date(2026, 4, 2), date(2026, 4, 10), 5),  # over Easter Monday
        (date(2026, 4, 10), date(2026, 4, 2), -5),  # back: 2, 3, 7, 8, 9 April
        (date(2026, 3, 14), date(2026, 3, 13), -1),  # back from Saturday: Friday counts
        (date(2026, 3, 13), date(2026, 3, 14), 0),  # forward to Saturday: nothing passed
        (date(2025, 12, 31), date(2026, 12, 31), 253),
    ],
)
def test_workdays_between_counts_days_passed_excluding_the_start(
    a: date, b: date, expected: int
) -> None:
    assert CAL.workdays_between(a, b) == expected


def test_workday_functions_refuse_datetimes() -> None:
    with pytest.raises(TypeError, match="expected a date"):
        CAL.is_workday(bx(2026, 3, 9, 10))


# -- working hours --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "working"),
    [
        (bx(2026, 3, 9, 8, 29, 59, 999_999), False),
        (bx(2026, 3, 9, 8, 30), True),
        (bx(2026, 3, 9, 11, 59, 59, 999_999), True),
        (bx(2026, 3, 9, 12), False),  # lunch break starts
        (bx(2026, 3, 9, 12, 30), False),
        (bx(2026, 3, 9, 13), True),
        (bx(2026, 3, 9, 16, 59, 59, 999_999), True),
        (bx(2026, 3, 9, 17), False),
        (bx(2026, 3, 13, 15, 59), True),  # Friday
        (bx(2026, 3, 13, 16), False),  # Friday closes at 16:00
        (bx(2026, 3, 13, 16, 30), False),
        (bx(2026, 3, 14, 10), False),  # Saturday
        (bx(2026, 3, 9, 0), False),  # a notification at midnight
        (datetime(2026, 3, 9, 7, 30, tzinfo=UTC), True),  # 08:30 in Brussels (winter)
        (datetime(2026, 7, 6, 6, 30, tzinfo=UTC), True),  # 08:30 in Brussels (summer)
        (datetime(2026, 7, 6, 6, 29, tzinfo=UTC), False),
        (datetime(2026, 7, 6, 10, 0, tzinfo=UTC), False),  # 12:00 in Brussels
    ],
    ids=str,
)
def test_is_working_time_uses_half_open_intervals(instant: datetime, working: bool) -> None:
    assert CAL.is_working_time(instant) is working


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (bx(2026, 3, 9, 11), bx(2026, 3, 9, 14), 2 * H),  # over the lunch break
        (bx(2026, 3, 9, 12), bx(2026, 3, 9, 13), timedelta(0)),
        (bx(2026, 3, 9, 12, 15), bx(2026, 3, 9, 12, 45), timedelta(0)),
        (bx(2026, 3, 9, 7), bx(2026, 3, 9, 9), 0.5 * H),  # starts before opening
        (bx(2026, 3, 9, 16), bx(2026, 3, 9, 20), 1 * H),  # ends after closing
        (bx(2026, 3, 9, 18), bx(2026, 3, 10, 9), 0.5 * H),  # overnight
        (bx(2026, 3, 14, 10), bx(2026, 3, 16, 9), 0.5 * H),  # from Saturday
        (bx(2026, 3, 13, 15), bx(2026, 3, 13, 17), 1 * H),  # Friday ends at 16:00
        (bx(2026, 3, 2), bx(2026, 3, 9), 36.5 * H),  # a whole week
        (bx(2026, 3, 9, 9, 0, 0, 1), bx(2026, 3, 9, 9, 0, 0, 250_000), 249_999 * US),
        # Summer time starts on Sunday 29 March 2026 and ends on Sunday 25 October 2026.
        (bx(2026, 3, 27, 15), bx(2026, 3, 30, 10), 2.5 * H),
        (bx(2026, 10, 23, 15), bx(2026, 10, 26, 10), 2.5 * H),
        # 2027: Sunday 28 March, between Good Friday (open) and Easter Monday (closed) ...
        (bx(2027, 3, 26, 15), bx(2027, 3, 30, 10), 2.5 * H),
        # ... and Sunday 31 October, before All Saints' Day (closed).
        (bx(2027, 10, 29, 15), bx(2027, 11, 2, 10), 2.5 * H),
        (bx(2026, 12, 24, 16), bx(2026, 12, 28, 9, 30), 2 * H),  # over Christmas
        # The same instants written in other zones.
        (datetime(2026, 3, 27, 14, tzinfo=UTC),
         datetime(2026, 3, 30, 8, tzinfo=UTC), 2.5 * H),
        (datetime(2026, 3, 27, 10, tzinfo=NEW_YORK), datetime(2026, 3, 30, 13, 30, tzinfo=KOLKATA),
         2.5 * H),
    ],
)
def test_working_time_between_counts_only_working_hours(
    a: datetime, b: datetime, expected: timedelta
) -> None:
    assert CAL.working_time_between(a, b) == expected
    assert CAL.working_time_between(b, a) == -expected


def test_working_time_over_ten_years_is_the_sum_of_the_days() -> None:
    start, end = date(2026, 1, 1), date(2036, 1, 1)
    days = (start + timedelta(days=k) for k in range((end - start).days))
    expected = sum((CAL.working_time_on(day) for day in days), timedelta(0))
    got = CAL.working_time_between(bx(2026, 1, 1), bx(2036, 1, 1))
    assert got == expected
    assert got == CAL.working_time_between(
        datetime(2025, 12, 31, 23, tzinfo=UTC),
        datetime(2035, 12, 31, 23, tzinfo=UTC),
    )


def test_tables_grow_lazily_both_ways_without_changing_answers() -> None:
    first, second = WorkCalendar.belgium(), WorkCalendar.belgium()
    spans = [(bx(2030, 6, 3, 10), bx(2030, 6, 10, 10)), (bx(1990, 1, 2), bx(1990, 3, 1)),
             (bx(2060, 12, 1), bx(2061, 1, 31)), (bx(1999, 12, 31), bx(2031, 1, 1))]
    answers = [first.working_time_between(a, b) for a, b in spans]
    assert [second.working_time_between(a, b) for a, b in reversed(spans)] == answers[::-1]
    assert [first.working_time_between(a, b) for a, b in spans] == answers
    assert first.add_working_time(bx(1990, 1, 2), answers[3]) == second.add_working_time(
        bx(1990, 1, 2), answers[3]
    )
    assert first.add_workdays(date(2060, 1, 1), -20_000) == second.add_workdays(
        date(2060, 1, 1), -20_000
    )


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (bx(2026, 3, 9, 11, 30), 1 * H, bx(2026, 3, 9, 13, 30)),  # lunch skipped
        (bx(2026, 3, 9, 11), 1 * H, bx(2026, 3, 9, 12)),  # ends at 12:00, not 13:00
        (bx(2026, 3, 9, 16), 1 * H, bx(2026, 3, 9, 17)),
        (bx(2026, 3, 9, 16), 1 * H + US, bx(2026, 3, 10, 8, 30, 0, 1)),
        (bx(2026, 3, 13, 15, 30), 1 * H, bx(2026, 3, 16, 9)),  # Friday 16:00
        (bx(2026, 3, 27, 15), 2.5 * H, bx(2026, 3, 30, 10)),  # over the clock change
        (bx(2026, 10, 23, 15), 2.5 * H, bx(2026, 10, 26, 10)),
        (bx(2026, 12, 24, 16, 30), 1 * H, bx(2026, 12, 28, 9)),  # over Christmas
        (bx(2026, 3, 15, 23), M, bx(2026, 3, 16, 8, 31)),  # from Sunday night
        (bx(2026, 3, 14, 10), timedelta(0), bx(2026, 3, 14, 10)),  # zero: t itself
        (bx(2026, 3, 9, 12, 30), timedelta(0), bx(2026, 3, 9, 12, 30)),
        (datetime(2026, 6, 1, 6, 30, tzinfo=UTC), 1 * H, bx(2026, 6, 1, 9, 30)),
        # 52 weeks of hours from Monday 2 March 2026: the eight weekday holidays in that year
        # (6 Apr, 1 May, 14 May, 25 May, 21 Jul, 11 Nov, 25 Dec, 1 Jan) take 57 h, worked in
        # the week of 1 March 2027 (36.5 h) and Mon 8 to Wed 10 March 2027 15:00 (20.5 h).
        (bx(2026, 3, 2), 36.5 * H * 52, bx(2027, 3, 10, 15)),
    ],
)
def test_add_working_time_finds_the_earliest_instant(
    start: datetime, duration: timedelta, expected: datetime
) -> None:
    got = CAL.add_working_time(start, duration)
    assert got == expected and same_instant(got, expected)
    assert got.tzinfo is BRUSSELS


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (bx(2026, 3, 9, 10), bx(2026, 3, 9, 10)),  # already working
        (bx(2026, 3, 9, 12), bx(2026, 3, 9, 13)),  # lunch
        (bx(2026, 3, 9, 12, 59, 59, 999_999), bx(2026, 3, 9, 13)),
        (bx(2026, 3, 9, 17), bx(2026, 3, 10, 8, 30)),  # evening
        (bx(2026, 3, 10, 0), bx(2026, 3, 10, 8, 30)),  # midnight notification
        (bx(2026, 3, 9, 7), bx(2026, 3, 9, 8, 30)),
        (bx(2026, 3, 13, 16), bx(2026, 3, 16, 8, 30)),  # Friday evening
        (bx(2026, 12, 24, 17), bx(2026, 12, 28, 8, 30)),  # Christmas Eve
        (bx(2026, 4, 2, 18), bx(2026, 4, 3, 8, 30)),  # Good Friday is open
        (bx(2026, 4, 3, 16), bx(2026, 4, 7, 8, 30)),  # Easter Monday is closed
        (bx(2026, 12, 31, 17), bx(2027, 1, 4, 8, 30)),  # New Year's Eve
        (bx(2026, 3, 27, 16), bx(2026, 3, 30, 8, 30)),  # over the clock change
        (datetime(2026, 3, 9, 16, tzinfo=UTC), bx(2026, 3, 10, 8, 30)),
    ],
)
def test_next_working_moment_skips_to_the_next_opening(
    instant: datetime, expected: datetime
) -> None:
    got = CAL.next_working_moment(instant)
    assert same_instant(got, expected)
    assert got.tzinfo is BRUSSELS


def test_working_intervals_are_clipped_to_the_span() -> None:
    got = list(CAL.working_intervals(bx(2026, 3, 27, 15), bx(2026, 3, 30, 10)))
    assert got == [
        (bx(2026, 3, 27, 15), bx(2026, 3, 27, 16)),
        (bx(2026, 3, 30, 8, 30), bx(2026, 3, 30, 10)),
    ]
    assert all(start.tzinfo is BRUSSELS and end.tzinfo is BRUSSELS for start, end in got)
    assert list(CAL.working_intervals(bx(2026, 3, 9, 9), bx(2026, 3, 9, 15))) == [
        (bx(2026, 3, 9, 9), bx(2026, 3, 9, 12)),
        (bx(2026, 3, 9, 13), bx(2026, 3, 9, 15)),
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [(bx(2026, 3, 9, 15), bx(2026, 3, 9, 9)), (bx(2026, 3, 9, 12), bx(2026, 3, 9, 13)),
     (bx(2026, 3, 9, 10), bx(2026, 3, 9, 10))],
    ids=["reversed", "lunch", "empty"],
)
def test_working_intervals_are_empty_without_working_time(a: datetime, b: datetime) -> None:
    assert list(CAL.working_intervals(a, b)) == []


# -- inputs ---------------------------------------------------------------------------------------

NAIVE = datetime(2026, 3, 9, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.is_working_time(NAIVE),
        lambda: CAL.working_time_between(NAIVE, bx(2026, 3, 9, 11)),
        lambda: CAL.working_time_between(bx(2026, 3, 9, 9), NAIVE),
        lambda: CAL.add_working_time(NAIVE, H),
        lambda: CAL.add_working_time(NAIVE, timedelta(0)),
        lambda: CAL.next_working_moment(NAIVE),
        lambda: CAL.working_intervals(NAIVE, bx(2026, 3, 9, 11)),  # at the call, not later
    ],
    ids=["is_working_time", "between-start", "between-end", "add", "add-zero", "next", "intervals"],
)
def test_naive_datetimes_raise_value_error(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        call()


def test_negative_duration_raises_value_error() -> None:
    with pytest.raises(ValueError, match="duration"):
        CAL.add_working_time(bx(2026, 3, 9, 10), -US)


@pytest.mark.parametrize("zone", [UTC, NEW_YORK, KOLKATA, timezone(timedelta(hours=-3))],
                         ids=str)
def test_results_denote_the_same_instant_whatever_the_input_zone(zone: tzinfo) -> None:
    start = bx(2026, 3, 27, 11, 45, 10, 5).astimezone(zone)
    got = CAL.add_working_time(start, 2 * H)
    assert got == bx(2026, 3, 27, 14, 45, 10, 5) and got.tzinfo is BRUSSELS  # lunch skipped
    assert CAL.add_working_time(start, timedelta(0)).tzinfo is BRUSSELS
    assert same_instant(CAL.add_working_time(start, timedelta(0)), start)
    assert CAL.next_working_moment(start).tzinfo is BRUSSELS


# -- extra closed days and other calendars --------------------------------------------------------

BRIDGE = date(2026, 5, 15)  # the Friday after Ascension


def test_extra_closed_days_are_honoured_everywhere() -> None:
    cal = WorkCalendar.belgium(extra_closed_days=[BRIDGE])
    assert CAL.is_workday(BRIDGE) and not cal.is_workday(BRIDGE)
    assert cal.working_time_on(BRIDGE) == timedelta(0)
    assert cal.add_workdays(date(2026, 5, 13), 1) == date(2026, 5, 18)
    assert cal.add_workdays(date(2026, 5, 18), -1) == date(2026, 5, 13)
    assert cal.workdays_between(date(2026, 5, 13), date(2026, 5, 18)) == 1
    assert not cal.is_working_time(bx(2026, 5, 15, 10))
    assert cal.working_time_between(bx(2026, 5, 13, 16), bx(2026, 5, 18, 9)) == 1.5 * H
    assert cal.add_working_time(bx(2026, 5, 13, 16), 1.5 * H) == bx(2026, 5, 18, 9)
    assert cal.next_working_moment(bx(2026, 5, 13, 17)) == bx(2026, 5, 18, 8, 30)
    assert list(cal.working_intervals(bx(2026, 5, 15), bx(2026, 5, 16))) == []
    assert cal.extra_closed_days == frozenset({BRIDGE})
    assert "2026-05-15" in cal.describe()


def test_schedule_zone_and_holidays_are_constructor_data() -> None:
    # A Dutch operator with a Saturday morning, as a holidays object.
    schedule = {**{d: [(time(9), time(17))] for d in range(5)}, 5: [(time(9), time(12))]}
    amsterdam = ZoneInfo("Europe/Amsterdam")
    cal = WorkCalendar(schedule, "Europe/Amsterdam", holidays.country_holidays("NL"))
    assert cal.zone == amsterdam
    assert cal.working_time_on(date(2026, 3, 14)) == 3 * H  # Saturday
    assert not cal.is_workday(date(2026, 4, 27))  # King's Day
    assert cal.is_workday(date(2026, 7, 21))  # not a Dutch holiday
    friday_four = datetime(2026, 3, 13, 16, tzinfo=amsterdam)
    assert cal.add_working_time(friday_four, 2 * H) == datetime(2026, 3, 14, 10, tzinfo=amsterdam)


def test_round_the_clock_calendar_counts_elapsed_time_over_clock_changes() -> None:
    always = {d: [(time(0), time(0))] for d in range(7)}
    cal = WorkCalendar(always, BRUSSELS, lambda year: ())
    assert cal.working_time_on(date(2026, 3, 29)) == 23 * H
    assert cal.working_time_on(date(2026, 10, 25)) == 25 * H
    assert cal.working_time_between(bx(2026, 3, 28), bx(2026, 3, 30)) == 47 * H
    assert cal.working_time_between(bx(2026, 3, 29, 1), bx(2026, 3, 29, 4)) == 2 * H
    assert cal.add_working_time(bx(2026, 3, 29, 1), 2 * H) == bx(2026, 3, 29, 4)
    fall_start = bx(2026, 10, 25, 1)
    second_two_thirty = datetime(2026, 10, 25, 2, 30, tzinfo=BRUSSELS, fold=1)
    got = cal.add_working_time(fall_start, 2.5 * H)
    assert same_instant(got, second_two_thirty)
    assert cal.working_time_between(fall_start, second_two_thirty) == 2.5 * H
    assert cal.is_working_time(bx(2026, 10, 25, 2, 30))
    assert cal.next_working_moment(second_two_thirty) == second_two_thirty
    assert list(cal.working_intervals(bx(2026, 10, 24, 12), bx(2026, 10, 26, 12))) == [
        (bx(2026, 10, 24, 12), bx(2026, 10, 25)),
        (bx(2026, 10, 25), bx(2026, 10, 26)),
        (bx(2026, 10, 26), bx(2026, 10, 26, 12)),
    ]
    assert cal.working_time_between(datetime(2026, 1, 1, tzinfo=UTC),
                                    datetime(2027, 1, 1, tzinfo=UTC)) == 365 * 24 * H


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({0: [(time(9), time(12)), (time(11), time(14))]}, "overlap"),
        ({0: [(time(13), time(17)), (time(9), time(12))]}, "sorted"),
        ({0: [(time(12), time(9))]}, "end after it starts"),
        ({7: [(time(9), time(12))]}, "weekdays are 0"),
        ({0: [(time(9, tzinfo=UTC), time(12))]}, "without tzinfo"),
    ],
)
def test_invalid_schedules_are_refused(
    schedule: dict[int, list[tuple[time, time]]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar(schedule, BRUSSELS, lambda year: ())


def test_describe_and_repr_summarise_the_calendar() -> None:
    text = CAL.describe()
    assert "Europe/Brussels" in text
    assert "Mon  08:30–12:00, 13:00–17:00  (7.5 h)" in text
    assert "Fri  08:30–12:00, 13:00–16:00  (6.5 h)" in text
    assert "Sat  closed" in text and "belgian_public_holidays" in text
    assert repr(CAL) == (
        "WorkCalendar(zone='Europe/Brussels', week='Mon–Thu 08:30–12:00, 13:00–17:00; "
        "Fri 08:30–12:00, 13:00–16:00; Sat–Sun closed', holidays=belgian_public_holidays, "
        "extra_closed_days=0)"
    )


def test_schedule_values_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        BELGIAN_OFFICE_HOURS.days[0][0].start = time(7)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        CAL.schedule = BELGIAN_OFFICE_HOURS  # type: ignore[misc]
    assert CAL.schedule == WeeklySchedule.from_mapping(
        {d: [(time(8, 30), time(12)), (time(13), time(17 if d < 4 else 16))] for d in range(5)}
    )
    assert WorkingInterval(time(8, 30), time(12)).duration == 3.5 * H


# -- property tests against slow references -------------------------------------------------------

REF_HOLIDAYS = set(
    holidays.country_holidays("BE", years=range(2023, 2031), categories=(holidays.PUBLIC,))
)
# Working hours as minutes after midnight: 08:30-12:00 and 13:00-17:00, Friday 13:00-16:00.
REF_HOURS = {d: ((8 * 60 + 30, 12 * 60), (13 * 60, 17 * 60)) for d in range(4)}
REF_HOURS[4] = ((8 * 60 + 30, 12 * 60), (13 * 60, 16 * 60))
REF_START = datetime(2025, 12, 1, tzinfo=UTC)  # the minutes the reference knows
REF_MINUTES = 60 * 24 * (365 + 150)  # to the end of April 2027: two springs, one autumn
ZONES: list[tzinfo] = [BRUSSELS, UTC, NEW_YORK, KOLKATA]


def test_reference_holidays_are_the_ten_legal_days_and_two_sundays() -> None:
    for year in (2026, 2027):
        in_year = {day for day in REF_HOLIDAYS if day.year == year}
        assert in_year == set(TEN_HOLIDAYS[year]) | EASTER_AND_WHIT_SUNDAY[year]


def ref_minute_is_working(timestamp: int) -> bool:
    """Whether the minute from POSIX ``timestamp`` on is working time, by the rules as written."""
    local = datetime.fromtimestamp(timestamp, BRUSSELS)
    if local.weekday() >= 5 or local.date() in REF_HOLIDAYS:
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in REF_HOURS[local.weekday()])


@cache
def ref_working_minutes() -> list[int]:
    """Step through every minute the reference knows: 1 for a working minute, else 0."""
    first = int(REF_START.timestamp())
    return [int(ref_minute_is_working(first + 60 * k)) for k in range(REF_MINUTES)]


def ref_between(a: int, b: int) -> timedelta:
    """Working time between minute numbers ``a`` and ``b``, by counting working minutes."""
    flags = ref_working_minutes()
    return sum(flags[a:b]) * M if a <= b else -sum(flags[b:a]) * M


def ref_add(a: int, minutes: int) -> int:
    """The minute number reached after ``minutes`` working minutes, stepping a minute at a time."""
    flags = ref_working_minutes()
    k = a
    while minutes:
        minutes -= flags[k]
        k += 1
    return k


def minute_instant(k: int, zone: tzinfo) -> datetime:
    return (REF_START + k * M).astimezone(zone)


minute_numbers = st.integers(min_value=0, max_value=REF_MINUTES - 60 * 24 * 30)
zones = st.sampled_from(ZONES)
PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(minute_numbers, st.integers(min_value=-60 * 24 * 20, max_value=60 * 24 * 20), zones, zones)
def test_working_time_between_matches_minute_stepping(
    start: int, span: int, zone_a: tzinfo, zone_b: tzinfo
) -> None:
    end = max(0, start + span)
    got = CAL.working_time_between(minute_instant(start, zone_a), minute_instant(end, zone_b))
    assert got == ref_between(start, end)


@PROPERTY
@given(minute_numbers, st.integers(min_value=0, max_value=60 * 7 * 15), zones)
def test_add_working_time_matches_minute_stepping(start: int, minutes: int, zone: tzinfo) -> None:
    got = CAL.add_working_time(minute_instant(start, zone), minutes * M)
    assert same_instant(got, minute_instant(ref_add(start, minutes), zone))
    assert got.tzinfo is BRUSSELS


@PROPERTY
@given(minute_numbers, zones)
def test_is_working_time_and_next_working_moment_match_minute_stepping(
    start: int, zone: tzinfo
) -> None:
    instant = minute_instant(start, zone)
    assert CAL.is_working_time(instant) is bool(ref_working_minutes()[start])
    opening = start
    while not ref_working_minutes()[opening]:
        opening += 1
    assert same_instant(CAL.next_working_moment(instant), minute_instant(opening, zone))


instants = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 12, 31),
    timezones=st.sampled_from(ZONES),
)
durations = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=8)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
)


@PROPERTY
@given(instants, durations)
def test_add_working_time_inverts_working_time_between_and_is_minimal(
    start: datetime, duration: timedelta
) -> None:
    end = CAL.add_working_time(start, duration)
    assert end.tzinfo is BRUSSELS
    assert CAL.working_time_between(start, end) == duration
    if duration:
        just_before = (end.astimezone(UTC) - US).astimezone(BRUSSELS)
        assert CAL.working_time_between(start, just_before) < duration
        assert CAL.is_working_time(just_before)
    else:
        assert same_instant(end, start)


@PROPERTY
@given(instants, instants)
def test_working_intervals_add_up_to_working_time_between(a: datetime, b: datetime) -> None:
    if abs(a.astimezone(UTC) - b.astimezone(UTC)) > timedelta(days=60):
        b = a + timedelta(days=7)
    pieces = list(CAL.working_intervals(a, b))
    total = sum((end - start for start, end in pieces), timedelta(0))
    assert total == max(timedelta(0), CAL.working_time_between(a, b))
    for start, end in pieces:
        assert CAL.is_working_time(start) and start < end
        elapsed = end.astimezone(UTC) - start.astimezone(UTC)
        assert CAL.working_time_between(start, end) == elapsed


def ref_is_workday(day: date) -> bool:
    return day.weekday() < 5 and day not in REF_HOLIDAYS


def ref_add_workdays(day: date, n: int) -> date:
    step = timedelta(days=1 if n > 0 else -1)
    while n:
        day += step
        if ref_is_workday(day):
            n -= 1 if n > 0 else -1
    return day


def ref_workdays_between(a: date, b: date) -> int:
    if a <= b:
        return sum(ref_is_workday(a + timedelta(days=k)) for k in range(1, (b - a).days + 1))
    return -sum(ref_is_workday(b + timedelta(days=k)) for k in range((a - b).days))


days = st.dates(min_value=date(2025, 3, 1), max_value=date(2029, 6, 30))
steps = st.integers(min_value=-120, max_value=120)


@PROPERTY
@given(days, steps)
def test_add_workdays_matches_a_day_by_day_walk(day: date, n: int) -> None:
    got = CAL.add_workdays(day, n)
    assert got == ref_add_workdays(day, n)
    assert CAL.workdays_between(day, got) == n
    assert n == 0 or CAL.is_workday(got)


@PROPERTY
@given(days, days)
def test_workdays_between_matches_a_day_by_day_walk(a: date, b: date) -> None:
    assert CAL.workdays_between(a, b) == ref_workdays_between(a, b)
    assert CAL.is_workday(a) is ref_is_workday(a)
