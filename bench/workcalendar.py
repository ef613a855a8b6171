"""How fast the working calendar answers, against a straightforward day-by-day walk.

Run with ``python bench/workcalendar.py [CALLS]`` (default one million: half
``working_time_between``, half ``add_working_time``). Instants are random over 2020–2035, three in
four in Europe/Brussels and one in four in UTC; span lengths are log-uniform from one minute to ten
years, added durations log-uniform from one minute to two years of working time. The naive walker
gets a smaller sample of the same distribution, and its answers are compared with the calendar's.
"""
from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from _harness import Result, header, measure, report  # first: puts the repository on sys.path

from app.workcalendar import WorkCalendar

BRUSSELS = ZoneInfo("Europe/Brussels")
START = datetime(2020, 1, 1, tzinfo=BRUSSELS)
END = datetime(2036, 1, 1, tzinfo=BRUSSELS)
HOURS = {
    weekday: ((time(8, 30), time(12, 0)), (time(13, 0), time(17, 0))) for weekday in range(4)
}
HOURS[4] = ((time(8, 30), time(12, 0)), (time(13, 0), time(16, 0)))
CLOSED = set(
    holidays.country_holidays("BE", years=range(2019, 2060), categories=(holidays.PUBLIC,))
)


def random_instant(rng: random.Random) -> datetime:
    """Return a random instant in 2020–2035 with whole-microsecond precision."""
    span_us = (END - START) // timedelta(microseconds=1)
    utc = START.astimezone(UTC) + timedelta(microseconds=rng.randrange(span_us))
    return utc if rng.random() < 0.25 else utc.astimezone(BRUSSELS)


def log_uniform(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    exponent = rng.uniform(math.log(low.total_seconds()), math.log(high.total_seconds()))
    return timedelta(microseconds=round(math.exp(exponent) * 1_000_000))


def spans(rng: random.Random, n: int) -> list[tuple[datetime, datetime]]:
    out = []
    for _ in range(n):
        a = random_instant(rng)
        b = a + log_uniform(rng, timedelta(minutes=1), timedelta(days=3653))
        out.append((a, b.astimezone(a.tzinfo)))
    return out


def additions(rng: random.Random, n: int) -> list[tuple[datetime, timedelta]]:
    return [
        (random_instant(rng), log_uniform(rng, timedelta(minutes=1), timedelta(hours=2 * 1750)))
        for _ in range(n)
    ]


# -- the straightforward approach: walk the days one by one --------------------------------------


def naive_day_intervals(day: date) -> list[tuple[datetime, datetime]]:
    if day in CLOSED:
        return []
    return [
        (datetime.combine(day, start, BRUSSELS), datetime.combine(day, end, BRUSSELS))
        for start, end in HOURS.get(day.weekday(), ())
    ]


def naive_between(a: datetime, b: datetime) -> timedelta:
    if b < a:
        return -naive_between(b, a)
    total = timedelta()
    day = a.astimezone(BRUSSELS).date()
    last = b.astimezone(BRUSSELS).date()
    while day <= last:
        for start, end in naive_day_intervals(day):
            low, high = max(start, a), min(end, b)
            if low < high:
                total += high - low
        day += timedelta(days=1)
    return total


def naive_add(t: datetime, d: timedelta) -> datetime:
    left = d
    day = t.astimezone(BRUSSELS).date()
    if not left:
        return t.astimezone(BRUSSELS)
    while True:
        for start, end in naive_day_intervals(day):
            low = max(start, t)
            if low < end:
                if end - low >= left:
                    return (low.astimezone(UTC) + left).astimezone(BRUSSELS)
                left -= end - low
        day += timedelta(days=1)


# -- measuring -----------------------------------------------------------------------------------


def run_between(
    fn: Callable[[datetime, datetime], timedelta], data: list[tuple[datetime, datetime]]
) -> list[timedelta]:
    return [fn(a, b) for a, b in data]


def run_add(
    fn: Callable[[datetime, timedelta], datetime], data: list[tuple[datetime, timedelta]]
) -> list[datetime]:
    return [fn(t, d) for t, d in data]


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    naive_calls = 2_000
    rng = random.Random(20260401)
    header("working calendar: working_time_between / add_working_time over 2020-2035")
    cal = WorkCalendar.belgium()
    cal.working_time_between(START, END + timedelta(days=3 * 3653))  # build the tables up front

    between_data = spans(rng, calls // 2)
    add_data = additions(rng, calls - calls // 2)
    naive_between_data = spans(rng, naive_calls // 2)
    naive_add_data = additions(rng, naive_calls - naive_calls // 2)

    fast_between = measure(
        "calendar working_time_between", len(between_data),
        lambda: run_between(cal.working_time_between, between_data),
    )
    fast_add = measure(
        "calendar add_working_time", len(add_data),
        lambda: run_add(cal.add_working_time, add_data),
    )
    fast_all = Result("calendar, both together", fast_between.calls + fast_add.calls,
                      fast_between.seconds + fast_add.seconds)
    slow_between = measure(
        "day-by-day walk working_time_between", len(naive_between_data),
        lambda: run_between(naive_between, naive_between_data),
    )
    slow_add = measure(
        "day-by-day walk add_working_time", len(naive_add_data),
        lambda: run_add(naive_add, naive_add_data),
    )
    slow_all = Result("day-by-day walk, both together", slow_between.calls + slow_add.calls,
                      slow_between.seconds + slow_add.seconds)
    for result in (fast_between, fast_add, fast_all, slow_between, slow_add, slow_all):
        report(result)

    print(f"speed-up working_time_between      {fast_between.rate / slow_between.rate:10.1f} x")
    print(f"speed-up add_working_time          {fast_add.rate / slow_add.rate:10.1f} x")
    print(f"speed-up both together             {fast_all.rate / slow_all.rate:10.1f} x")

    # The walker doubles as a sanity check on the sample it ran.
    between_diff = sum(
        cal.working_time_between(a, b) != naive_between(a, b) for a, b in naive_between_data
    )
    add_diff = sum(cal.add_working_time(t, d) != naive_add(t, d) for t, d in naive_add_data)
    print(f"disagreements with the walker      {between_diff + add_diff:10d} of {naive_calls}")


if __name__ == "__main__":
    main()
