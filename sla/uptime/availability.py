"""Availability of the SaaS within working hours, and the error budget that goes with it.

Pure: the standard library and ``app.workcalendar``; the current time comes in as ``now``.

The measure
-----------
The operator strives for 98.00 % availability within working hours; announced maintenance is not a
fault. Over a window ``[start, end)``::

    availability = 1 - down / measured
    measured     = working time in [start, end) outside maintenance
    down         = working time in [start, end) inside an outage and outside maintenance

The error budget of a window is ``(1 - target) * measured`` (for a Belgian month about 2 % of
~158 h, so about 3 h 10 min). A window without measured time (a weekend, a holiday, a window
wholly under maintenance, an empty window) has nothing that could have failed, so its
availability is ``1.0`` and its budget zero.

How it is computed
------------------
Interval arithmetic, never minute stepping: outages are merged (they may overlap each other),
maintenance is merged and subtracted, what remains is clipped to the window, and each remaining
interval is measured with ``WorkCalendar.working_time_between``. Every instant is converted to UTC
first, so intervals given in different zones, or on either side of a change of the clocks, compare
and subtract as instants (Python compares two datetimes sharing a ``tzinfo`` by wall clock).

Validation
----------
Every function raises ``ValueError`` for a naive datetime, an interval that ends before it starts
or a window that ends before it starts, and ``TypeError`` for something that is not a datetime.
Intervals may be empty (``end == start``: they count nothing) and may reach beyond the window
(they are clipped).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from app.workcalendar import WorkCalendar, require_aware

__all__ = [
    "AXIS_LOW",
    "DEFAULT_TARGET",
    "DayFigure",
    "Interval",
    "UptimeFigures",
    "availability",
    "axis_position",
    "budget_left",
    "daily_strip",
    "days_figures",
    "downtime",
    "error_budget",
    "measured_time",
    "merge",
    "month_bounds",
    "month_figures",
    "rolling_window",
    "time_by_day",
]

DEFAULT_TARGET: Final = 0.98
ROLLING_DAYS: Final = 30

Interval = tuple[datetime, datetime]
"""A half-open stretch ``[start, end)`` between two aware instants."""

_ZERO: Final = timedelta(0)


# -- figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayFigure:
    """One calendar day of the month's uptime strip (times are working time)."""

    day: date
    working_time: timedelta  # the day's working time (so far, since measuring), maintenance included
    maintenance_time: timedelta  # working time under announced maintenance
    down_time: timedelta  # working time down, outside maintenance
    availability: float | None  # None when the day has no working time outside maintenance
    future: bool = False  # no working time of the day has passed yet: "not yet"
    no_data: bool = False  # the day ended before measuring began: "no data"

    @property
    def measured_time(self) -> timedelta:
        """Return the working time outside maintenance, the denominator of the availability."""
        return self.working_time - self.maintenance_time


@dataclass(frozen=True)
class UptimeFigures:
    """The uptime page's figures for one month, as seen at ``now``."""

    year: int
    month: int
    start: datetime  # the month's first local midnight
    end: datetime  # the next month's first local midnight
    now: datetime
    target: float
    month_availability: float  # month to date: [start, min(now, end))
    rolling_availability: float  # the 30 local calendar days before now
    measured_time: timedelta  # working time of the whole month outside maintenance
    down_time: timedelta  # month to date
    budget_total: timedelta  # (1 - target) of measured_time
    budget_left: timedelta  # budget_total - down_time; negative once overspent

    @property
    def budget_used(self) -> timedelta:
        """Return the down time charged to the month's budget so far."""
        return self.down_time

    @property
    def budget_left_minutes(self) -> float:
        """Return the budget left in minutes (negative once overspent)."""
        return self.budget_left / timedelta(minutes=1)

    @property
    def budget_left_ratio(self) -> float:
        """Return the share of the month's budget left (1.0 when the month has no budget)."""
        if self.budget_total <= _ZERO:
            return 1.0 if self.budget_left >= _ZERO else 0.0
        return self.budget_left / self.budget_total

    @property
    def meets_target(self) -> bool:
        """Return whether the month so far is at or above the target."""
        return self.month_availability >= self.target


# -- the measure ----------------------------------------------------------------------------------


def availability(
    outages: Iterable[Interval],
    maintenance: Iterable[Interval],
    start: datetime,
    end: datetime,
    calendar: WorkCalendar,
) -> float:
    """Return the availability within working hours over ``[start, end)``, between 0 and 1.

    ``1 - down / measured``; ``1.0`` when there is no working time outside maintenance in the
    window (nothing was measured, so nothing failed).
    """
    window = _window(start, end)
    outs, maint = _intervals(outages, "outage"), _intervals(maintenance, "maintenance")
    measured = _measured(maint, window, calendar)
    if measured <= _ZERO:
        return 1.0
    return 1.0 - _down(outs, maint, window, calendar) / measured


def downtime(
    outages: Iterable[Interval],
    maintenance: Iterable[Interval],
    start: datetime,
    end: datetime,
    calendar: WorkCalendar,
) -> timedelta:
    """Return the working time in ``[start, end)`` inside an outage and outside maintenance."""
    window = _window(start, end)
    outs, maint = _intervals(outages, "outage"), _intervals(maintenance, "maintenance")
    return _down(outs, maint, window, calendar)


def measured_time(
    maintenance: Iterable[Interval], start: datetime, end: datetime, calendar: WorkCalendar
) -> timedelta:
    """Return the working time in ``[start, end)`` outside maintenance."""
    return _measured(_intervals(maintenance, "maintenance"), _window(start, end), calendar)


def error_budget(
    maintenance: Iterable[Interval],
    start: datetime,
    end: datetime,
    calendar: WorkCalendar,
    target: float = DEFAULT_TARGET,
) -> timedelta:
    """Return the down time ``[start, end)`` may have and still meet ``target``."""
    _check_target(target)
    return measured_time(maintenance, start, end, calendar) * (1.0 - target)


def budget_left(
    outages: Iterable[Interval],
    maintenance: Iterable[Interval],
    start: datetime,
    end: datetime,
    calendar: WorkCalendar,
    target: float = DEFAULT_TARGET,
    now: datetime | None = None,
) -> timedelta:
    """Return the window's error budget minus the down time so far; negative once overspent.

    The budget is that of the whole window (announced maintenance is known in advance); the down
    time is counted up to ``now`` (clamped to the window), or over the whole window without it.
    """
    _check_target(target)
    window = _window(start, end)
    outs, maint = _intervals(outages, "outage"), _intervals(maintenance, "maintenance")
    allowed = _measured(maint, window, calendar) * (1.0 - target)
    return allowed - _down(outs, maint, _so_far(window, now), calendar)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Return the intervals merged into sorted, disjoint, non-empty intervals, in UTC.

    Overlapping and touching intervals become one; empty ones disappear.
    """
    return _merge(_intervals(intervals, "interval"))


# -- months, days and rolling windows -------------------------------------------------------------


def month_bounds(year: int, month: int, zone: ZoneInfo | str) -> Interval:
    """Return the month's first local midnight and the next month's, aware in ``zone``."""
    if not 1 <= month <= 12:
        raise ValueError(f"a month is 1 to 12, not {month}")
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=tz), datetime(*following, 1, tzinfo=tz)


def rolling_window(now: datetime, zone: ZoneInfo | str, days: int = ROLLING_DAYS) -> Interval:
    """Return ``[now - days, now)`` counted in local calendar days, aware in ``zone``.

    Local days, not multiples of 24 h: across a change of the clocks the window still starts at
    the same wall-clock time, so it holds the same working hours.
    """
    _check_aware(now, "now")
    if days < 0:
        raise ValueError(f"a rolling window cannot have {days} days")
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    local = now.astimezone(tz)
    # Arithmetic between datetimes sharing a tzinfo is wall-clock arithmetic: what is wanted here.
    return (local - timedelta(days=days)).astimezone(UTC).astimezone(tz), local


def daily_strip(
    outages: Iterable[Interval],
    maintenance: Iterable[Interval],
    year: int,
    month: int,
    calendar: WorkCalendar,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
) -> list[DayFigure]:
    """Return one figure per calendar day of the month, local days in the calendar's zone.

    A day whose working time is all under maintenance (or that has none) has availability None:
    the strip shows it as not measured rather than as a perfect day. With ``now``, a day is
    measured up to ``now`` only, and a day none of whose working time has passed is ``future``
    (availability None); with ``since`` (when measuring began), a day is measured from ``since``
    only, and a day that ended before it has ``no_data`` (availability None). The times of a
    future or no-data day are zero.
    """
    start, end = month_bounds(year, month, calendar.zone)
    return days_figures(outages, maintenance, start.date(), end.date() - timedelta(days=1), calendar,
                        now=now, since=since)


def days_figures(
    outages: Iterable[Interval],
    maintenance: Iterable[Interval],
    first: date,
    last: date,
    calendar: WorkCalendar,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
) -> list[DayFigure]:
    """Return one figure per local calendar day from ``first`` to ``last`` inclusive, as ``daily_strip`` does.

    The public status page's 90 days; ``daily_strip`` is this over one month.
    """
    outs = _merge(_intervals(outages, "outage"))
    maint = _merge(_intervals(maintenance, "maintenance"))
    if now is not None:
        _check_aware(now, "now")
    if since is not None:
        _check_aware(since, "since")
    if last < first:
        raise ValueError(f"the days run forward, not from {first.isoformat()} to {last.isoformat()}")
    figures: list[DayFigure] = []
    day = first
    while day <= last:
        figures.append(_day_figure(day, outs, maint, calendar, now, since))
        day += timedelta(days=1)
    return figures


def time_by_day(intervals: Iterable[Interval], first: date, last: date, zone: ZoneInfo) -> dict[date, timedelta]:
    """Return the wall-clock time of each local day from ``first`` to ``last`` inside the intervals (any hour).

    The status page shows a day with an outage (or maintenance) outside working hours, though its
    availability does not change. Days the intervals do not touch are absent.
    """
    result: dict[date, timedelta] = {}
    for a, b in _merge(_intervals(intervals, "interval")):
        day = max(a.astimezone(zone).date(), first)
        while day <= last:
            low, high = _local_day(day, zone)
            if low >= b:
                break
            overlap = min(b, high) - max(a, low)
            if overlap > _ZERO:
                result[day] = result.get(day, _ZERO) + overlap
            day += timedelta(days=1)
    return result


def _local_day(day: date, zone: ZoneInfo) -> Interval:
    following = day + timedelta(days=1)
    return (
        _utc(datetime(day.year, day.month, day.day, tzinfo=zone)),
        _utc(datetime(following.year, following.month, following.day, tzinfo=zone)),
    )


def _day_figure(
    day: date,
    outs: list[Interval],
    maint: list[Interval],
    calendar: WorkCalendar,
    now: datetime | None,
    since: datetime | None,
) -> DayFigure:
    window = _local_day(day, calendar.zone)
    no_data = since is not None and window[1] <= _utc(since)
    if since is not None and not no_data:
        window = (max(window[0], _utc(since)), window[1])
    future = False
    if now is not None and not no_data:
        so_far = _so_far(window, now)
        # Not yet: the day lies ahead, or none of its working time has passed (today before 08:30).
        future = so_far[1] <= so_far[0] or (
            calendar.working_time_between(*so_far) <= _ZERO < calendar.working_time_between(*window)
        )
        window = so_far
    counted = not (future or no_data)
    working = calendar.working_time_between(*window) if counted else _ZERO
    measured = _measured(maint, window, calendar) if counted else _ZERO
    down = _down(outs, maint, window, calendar) if counted else _ZERO
    return DayFigure(
        day=day,
        working_time=working,
        maintenance_time=working - measured,
        down_time=down,
        availability=None if measured <= _ZERO else 1.0 - down / measured,
        future=future,
        no_data=no_data,
    )


def month_figures(
    outages: Iterable[Interval],
    maintenance: Iterable[Interval],
    year: int,
    month: int,
    now: datetime,
    calendar: WorkCalendar,
    target: float = DEFAULT_TARGET,
) -> UptimeFigures:
    """Return the month's availability to date, the rolling 30 days' and the month's budget."""
    _check_target(target)
    _check_aware(now, "now")
    outs = _merge(_intervals(outages, "outage"))
    maint = _merge(_intervals(maintenance, "maintenance"))
    start, end = month_bounds(year, month, calendar.zone)
    window = (_utc(start), _utc(end))
    to_date = _so_far(window, now)
    measured = _measured(maint, window, calendar)
    down = _down(outs, maint, to_date, calendar)
    budget = measured * (1.0 - target)
    rolling = rolling_window(now, calendar.zone)
    return UptimeFigures(
        year=year,
        month=month,
        start=start,
        end=end,
        now=now,
        target=target,
        month_availability=_ratio(outs, maint, to_date, calendar),
        rolling_availability=_ratio(outs, maint, (_utc(rolling[0]), _utc(rolling[1])), calendar),
        measured_time=measured,
        down_time=down,
        budget_total=budget,
        budget_left=budget - down,
    )


# -- pictures -------------------------------------------------------------------------------------

AXIS_LOW: Final = 0.95
"""Where the availability axis of the pictures starts: 98.9 % and 100 % must look different."""


def axis_position(value: float, low: float = AXIS_LOW, high: float = 1.0) -> float:
    """Return where ``value`` lies on an axis from ``low`` to ``high``, in percent of its length (0 to 100).

    Values outside the axis are clamped to its ends (the figure beside the bar says the value).
    """
    if not low < high:
        raise ValueError(f"an axis runs from a lower to a higher value, not {low!r} to {high!r}")
    return round(100.0 * min(max((value - low) / (high - low), 0.0), 1.0), 2)


# -- interval arithmetic (UTC, merged, sorted) ----------------------------------------------------


def _ratio(
    outs: list[Interval], maint: list[Interval], window: Interval, calendar: WorkCalendar
) -> float:
    measured = _measured(maint, window, calendar)
    if measured <= _ZERO:
        return 1.0
    return 1.0 - _down(outs, maint, window, calendar) / measured


def _measured(maint: list[Interval], window: Interval, calendar: WorkCalendar) -> timedelta:
    """Return the working time of ``window`` outside the maintenance intervals."""
    total = calendar.working_time_between(*window)
    return total - _working(_clip(_merge(maint), window), calendar)


def _down(
    outs: list[Interval], maint: list[Interval], window: Interval, calendar: WorkCalendar
) -> timedelta:
    """Return the working time of ``window`` inside an outage and outside maintenance."""
    return _working(_clip(_subtract(_merge(outs), _merge(maint)), window), calendar)


def _working(intervals: list[Interval], calendar: WorkCalendar) -> timedelta:
    return sum((calendar.working_time_between(a, b) for a, b in intervals), _ZERO)


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for a, b in sorted(i for i in intervals if i[0] < i[1]):
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    """Return merged ``intervals`` minus merged ``holes`` (both sorted and disjoint)."""
    result: list[Interval] = []
    k = 0
    for start, b in intervals:
        while k < len(holes) and holes[k][1] <= start:
            k += 1
        j = k
        a = start  # where the part of the interval not yet cut by a hole begins
        while a < b and j < len(holes) and holes[j][0] < b:
            if holes[j][0] > a:
                result.append((a, holes[j][0]))
            a = max(a, holes[j][1])
            j += 1
        if a < b:
            result.append((a, b))
    return result


def _clip(intervals: list[Interval], window: Interval) -> list[Interval]:
    low, high = window
    clipped = ((max(a, low), min(b, high)) for a, b in intervals)
    return [(a, b) for a, b in clipped if a < b]


def _so_far(window: Interval, now: datetime | None) -> Interval:
    """Return the part of ``window`` up to ``now`` (the whole window without ``now``)."""
    if now is None:
        return window
    _check_aware(now, "now")
    low, high = window
    return low, min(max(_utc(now), low), high)


# -- validation -----------------------------------------------------------------------------------


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def _check_aware(t: datetime, what: str) -> None:
    if not isinstance(t, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(t).__name__}")
    require_aware(t, what)


def _check_target(target: float) -> None:
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"the availability target is a ratio from 0 to 1, not {target!r}")


def _window(start: datetime, end: datetime) -> Interval:
    _check_aware(start, "start")
    _check_aware(end, "end")
    low, high = _utc(start), _utc(end)
    if high < low:
        raise ValueError(f"the window ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    return low, high


def _intervals(intervals: Iterable[Interval], what: str) -> list[Interval]:
    """Return the intervals validated and in UTC."""
    result: list[Interval] = []
    for index, (a, b) in enumerate(intervals):
        _check_aware(a, f"{what} {index} start")
        _check_aware(b, f"{what} {index} end")
        low, high = _utc(a), _utc(b)
        if high < low:
            raise ValueError(
                f"{what} {index} ends ({b.isoformat()}) before it starts ({a.isoformat()})"
            )
        result.append((low, high))
    return result
