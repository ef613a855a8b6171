"""The working calendar: the one clock every FleetDesk deadline is counted on.

Fines count in workdays, SLA clocks in working hours and uptime in working intervals, and all of
them ask this module. It is pure: the standard library, ``zoneinfo`` and the ``holidays`` package,
no Flask, no database, and it never reads the current time.

How it is exact and fast
------------------------
Working hours are written in local wall-clock time (08:30 means 08:30 in Brussels, summer or
winter). Every local day gets a *plan*: its working spans as microsecond offsets from the start of
that day. A cumulative table indexed by day ordinal holds the working time before each day, so the
working time up to an instant is one table read plus a walk over at most a few spans, and the
instant at which an amount of working time is reached is one ``bisect`` on that table. A span of
ten years costs what a span of ten minutes costs. All arithmetic is in integer microseconds.

The tables are built lazily, a block of years at a time, for any year ``datetime`` can represent,
and are replaced (never mutated) when they grow, so concurrent readers always see a consistent
snapshot.

Summer time: a day on which the zone's UTC offset changes (in Europe always a Sunday, so never a
working day under the Belgian schedule) is handled exactly: its spans are measured in real elapsed
time, and a wall-clock time that does not exist or occurs twice is resolved the standard way
(``fold=0``: a skipped time means the moment after the clocks moved, a repeated one its first
occurrence). This assumes every local date is one contiguous stretch of time, which holds for every
zone that changes its clocks away from midnight.
"""
from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, time, timedelta, timezone
from typing import Union
from zoneinfo import ZoneInfo

import holidays
from holidays import HolidayBase
from holidays.countries.belgium import Belgium

__all__ = [
    "BELGIAN_OFFICE_HOURS",
    "HolidaySource",
    "WeeklySchedule",
    "WorkCalendar",
    "WorkingInterval",
    "belgian_public_holidays",
]

_US = timedelta(microseconds=1)
_ZERO = timedelta(0)
_US_PER_DAY = 86_400_000_000
_WALL_EPOCH = datetime(1, 1, 1)  # ordinal 1, so ``_WALL_EPOCH + timedelta(days=o - 1)`` is day o
_LAST_ORDINAL = date.max.toordinal()
_BLOCK_YEARS = 8  # how many years the tables grow by at a time
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

def _utc(t: datetime) -> datetime:
    return t.astimezone(timezone.utc)


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M") if not (t.second or t.microsecond) else t.isoformat()


def _ordinal(d: date) -> int:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(
            f"expected a date, not {type(d).__name__}; for an instant pass"
            " t.astimezone(calendar.zone).date()"
        )
    return d.toordinal()


HolidaySource = Union[Callable[[int], Iterable[date]], HolidayBase]
"""Where closed days come from: ``year -> dates``, or a ``holidays`` object (it expands itself)."""

# A working span of one day: (start, end, working time before start), microseconds from the
# start of that day. A day's plan is a tuple of them, empty when the day is closed.
_Span = tuple[int, int, int]
_Plan = tuple[_Span, ...]


@dataclass(frozen=True)
class WorkingInterval:
    """A half-open stretch ``[start, end)`` of local wall-clock time; an end of 00:00 is midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times; give them without tzinfo")
        if self.start_us >= self.end_us:
            raise ValueError(f"a working interval must end after it starts: {self}")

    @property
    def start_us(self) -> int:
        """Microseconds from midnight to the start."""
        return _time_us(self.start)

    @property
    def end_us(self) -> int:
        """Microseconds from midnight to the end (a full day when the end is midnight)."""
        return _US_PER_DAY if self.end == time(0) else _time_us(self.end)

    @property
    def duration(self) -> timedelta:
        """The wall-clock length of the interval."""
        return timedelta(microseconds=self.end_us - self.start_us)

    def __str__(self) -> str:
        end = "24:00" if self.end == time(0) else _hhmm(self.end)
        return f"{_hhmm(self.start)}–{end}"


@dataclass(frozen=True)
class WeeklySchedule:
    """Working intervals per weekday (Monday is 0), sorted and not overlapping."""

    days: tuple[tuple[WorkingInterval, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("a weekly schedule has exactly seven days, Monday first")
        for weekday, intervals in enumerate(self.days):
            for before, after in zip(intervals, intervals[1:]):
                if after.start_us < before.end_us:
                    raise ValueError(
                        f"{_WEEKDAY_NAMES[weekday]}: working intervals must be sorted and must"
                        f" not overlap ({before} then {after})"
                    )

    @classmethod
    def from_mapping(cls, schedule: Mapping[int, Sequence[tuple[time, time]]]) -> WeeklySchedule:
        """Build a schedule from ``{weekday: [(start, end), ...]}``; missing weekdays are closed."""
        unknown = set(schedule) - set(range(7))
        if unknown:
            raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), not {sorted(unknown)}")
        return cls(
            tuple(
                tuple(WorkingInterval(start, end) for start, end in schedule.get(weekday, ()))
                for weekday in range(7)
            )
        )

    def hours_on(self, weekday: int) -> timedelta:
        """Return the working time of a regular (not closed) day with this weekday."""
        return sum((interval.duration for interval in self.days[weekday]), timedelta())

    def summary(self) -> str:
        """Return the week in one line, grouping consecutive weekdays with the same hours."""
        parts: list[str] = []
        weekday = 0
        while weekday < 7:
            last = weekday
            while last + 1 < 7 and self.days[last + 1] == self.days[weekday]:
                last += 1
            names = _WEEKDAY_NAMES[weekday]
            if last > weekday:
                names += "–" + _WEEKDAY_NAMES[last]
            intervals = self.days[weekday]
            hours = ", ".join(str(i) for i in intervals) if intervals else "closed"
            parts.append(f"{names} {hours}")
            weekday = last + 1
        return "; ".join(parts)


BELGIAN_OFFICE_HOURS = WeeklySchedule.from_mapping(
    {
        **{
            weekday: [(time(8, 30), time(12, 0)), (time(13, 0), time(17, 0))]
            for weekday in range(4)
        },
        4: [(time(8, 30), time(12, 0)), (time(13, 0), time(16, 0))],
    }
)
"""08:30–12:00 and 13:00–17:00 Monday to Thursday, 13:00–16:00 in the afternoon on Friday."""


class _BelgiumAnyYear(Belgium):
    """The package's Belgian rules, applied to every year ``datetime`` can represent."""

    start_year = MINYEAR
    end_year = MAXYEAR


def belgian_public_holidays(year: int) -> frozenset[date]:
    """Return Belgium's public holidays in ``year``, as the ``holidays`` package defines them.

    That is the ten legal holidays (1 January, Easter Monday, 1 May, Ascension Day, Whit Monday,
    21 July, 15 August, 1 November, 11 November, 25 December) plus Easter Sunday and Whit Sunday,
    which are Sundays and so change nothing. Good Friday and 26 December are not public holidays.
    The package publishes 1901 to 2100; outside that range its same rules (unchanged by law since
    1974) are applied rather than deriving Easter a second time here.
    """
    if Belgium.start_year <= year <= Belgium.end_year:
        found = holidays.country_holidays("BE", years=year, categories=(holidays.PUBLIC,))
    else:
        found = _BelgiumAnyYear(  # type: ignore[no-untyped-call]
            years=year, categories=(holidays.PUBLIC,)
        )
    return frozenset(day for day in found if day.year == year)


@dataclass(frozen=True)
class _Tables:
    """One immutable snapshot of the lazily built tables, covering whole years."""

    first_year: int
    last_year: int
    first_ord: int  # ordinal of 1 January of first_year; day index = ordinal - first_ord
    end_ord: int  # ordinal of the day after the last one covered
    cum: list[int]  # cum[i]: working microseconds before day i (relative to a fixed anchor)
    wcum: list[int]  # wcum[i]: workdays before day i (same anchor)
    plans: tuple[_Plan, ...]  # plans[i]: the working spans of day i
    irregular: Mapping[int, datetime]  # ordinal -> UTC start of a workday whose offset changes


@dataclass(frozen=True)
class _Block:
    """The per-day data of a run of years, before it is joined to the tables."""

    first_year: int
    last_year: int
    work: tuple[int, ...]  # working microseconds of each day
    plans: tuple[_Plan, ...]
    irregular: Mapping[int, datetime]


class WorkCalendar:
    """Workdays and working hours of one operator, in one time zone.

    Every datetime going in must be timezone-aware (any zone: it denotes an instant); every
    datetime coming out is in the calendar's zone. Intervals are half-open: the desk is open at
    08:30 and closed at 12:00.
    """

    __slots__ = ("_schedule", "_zone", "_holidays", "_source_name", "_closed", "_week", "_lock",
                 "_tables")

    def __init__(
        self,
        schedule: WeeklySchedule | Mapping[int, Sequence[tuple[time, time]]],
        zone: ZoneInfo | str,
        holidays: HolidaySource,
        extra_closed_days: Iterable[date] = (),
    ) -> None:
        if not isinstance(schedule, WeeklySchedule):
            schedule = WeeklySchedule.from_mapping(schedule)
        self._schedule = schedule
        self._zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
        self._holidays = _year_function(holidays)
        self._source_name = _source_name(holidays)
        closed = frozenset(extra_closed_days)
        for day in closed:
            if not isinstance(day, date) or isinstance(day, datetime):
                raise TypeError(f"extra closed days must be dates, not {day!r}")
        self._closed = closed
        week: list[_Plan] = []
        for intervals in self._schedule.days:
            plan: list[_Span] = []
            before = 0
            for interval in intervals:
                plan.append((interval.start_us, interval.end_us, before))
                before += interval.end_us - interval.start_us
            week.append(tuple(plan))
        self._week: tuple[_Plan, ...] = tuple(week)
        self._lock = threading.Lock()
        self._tables: _Tables | None = None

    @classmethod
    def belgium(cls, extra_closed_days: Iterable[date] = ()) -> WorkCalendar:
        """Return FleetDesk's default calendar: Belgian office hours and public holidays."""
        return cls(
            BELGIAN_OFFICE_HOURS,
            ZoneInfo("Europe/Brussels"),
            belgian_public_holidays,
            extra_closed_days,
        )

    # -- what the calendar is ------------------------------------------------------------------

    @property
    def schedule(self) -> WeeklySchedule:
        """The working intervals per weekday."""
        return self._schedule

    @property
    def zone(self) -> ZoneInfo:
        """The zone working hours are read in, and results are given in."""
        return self._zone

    @property
    def extra_closed_days(self) -> frozenset[date]:
        """Days the operator closed on top of the public holidays (bridge days)."""
        return self._closed

    def describe(self) -> str:
        """Return a readable summary of the calendar, several lines long."""
        lines = [f"Working calendar in {self._zone.key}"]
        for weekday in range(7):
            intervals = self._schedule.days[weekday]
            if intervals:
                hours = ", ".join(str(i) for i in intervals)
                total = self._schedule.hours_on(weekday).total_seconds() / 3600
                lines.append(f"  {_WEEKDAY_NAMES[weekday]}  {hours}  ({total:g} h)")
            else:
                lines.append(f"  {_WEEKDAY_NAMES[weekday]}  closed")
        lines.append(f"  Closed on holidays from {self._source_name}")
        if self._closed:
            days = ", ".join(day.isoformat() for day in sorted(self._closed))
            lines.append(f"  Also closed on {days}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(zone={self._zone.key!r}, week={self._schedule.summary()!r}, "
            f"holidays={self._source_name}, extra_closed_days={len(self._closed)})"
        )

    # -- workdays ------------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """Tell whether ``d`` has working hours (its weekday has some and it is not closed)."""
        o = _ordinal(d)
        tables = self._covering(o, o)
        i = o - tables.first_ord
        return tables.wcum[i + 1] != tables.wcum[i]

    def add_workdays(self, d: date, n: int) -> date:
        """Step ``n`` workdays forward (``n > 0``) or back (``n < 0``) from ``d``.

        ``d`` itself is never counted and the result is a workday (``d`` when ``n == 0``): due date
        minus 5 workdays is the fifth workday before the due date.
        """
        o = _ordinal(d)
        if n == 0:
            return date.fromordinal(o)
        tables = self._covering(o, o)
        i = o - tables.first_ord
        # The target is the day x whose own workday is number `wanted` (counting from the anchor):
        # the n-th after d (n > 0) or the |n|-th before it (n < 0).
        wanted = (tables.wcum[i + 1] if n > 0 else tables.wcum[i]) + n + (0 if n > 0 else 1)
        while True:
            if wanted > tables.wcum[-1]:
                tables = self._grow(tables, forward=True)
            elif wanted <= tables.wcum[0]:
                tables = self._grow(tables, forward=False)
            else:
                break
        x = bisect_left(tables.wcum, wanted) - 1
        return date.fromordinal(tables.first_ord + x)

    def workdays_between(self, a: date, b: date) -> int:
        """Count the workdays passed going from ``a`` to ``b``: ``a`` is not counted, ``b`` is.

        Forward (``a <= b``) that is the workdays ``w`` with ``a < w <= b``; backward it is minus
        the workdays ``w`` with ``b <= w < a``. So ``workdays_between(d, add_workdays(d, n)) == n``
        for every ``d`` and ``n``.
        """
        oa, ob = _ordinal(a), _ordinal(b)
        tables = self._covering(min(oa, ob), max(oa, ob))
        ia, ib = oa - tables.first_ord, ob - tables.first_ord
        if ob >= oa:
            return tables.wcum[ib + 1] - tables.wcum[ia + 1]
        return tables.wcum[ib] - tables.wcum[ia]

    def working_time_on(self, d: date) -> timedelta:
        """Return the working time of day ``d`` (zero when it is closed)."""
        o = _ordinal(d)
        tables = self._covering(o, o)
        i = o - tables.first_ord
        return timedelta(0, 0, tables.cum[i + 1] - tables.cum[i])

    # -- working time --------------------------------------------------------------------------

    def is_working_time(self, t: datetime) -> bool:
        """Tell whether the instant ``t`` falls inside working hours (``[start, end)``)."""
        local = self._local(t)
        o = local.toordinal()
        tables = self._covering(o, o)
        plan = tables.plans[o - tables.first_ord]
        if not plan:
            return False
        pos = self._offset_in_day(tables, o, local)
        for start, end, _ in plan:
            if pos < end:
                return pos >= start
        return False

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Return the working time in ``[a, b)``; negative when ``b`` is before ``a``."""
        la, lb = self._local(a), self._local(b)
        oa, ob = la.toordinal(), lb.toordinal()
        tables = self._covering(min(oa, ob), max(oa, ob))
        return timedelta(0, 0, self._worked(tables, lb, ob) - self._worked(tables, la, oa))

    def add_working_time(self, t: datetime, d: timedelta) -> datetime:
        """Return the earliest instant ``u >= t`` with ``working_time_between(t, u) == d``.

        So the result is ``t`` itself for a zero duration, and otherwise lies inside working hours
        or exactly at the end of a working interval (12:00, not 13:00).
        """
        if d < _ZERO:
            raise ValueError(f"add_working_time needs a duration of zero or more, not {d}")
        local = self._local(t)
        if not d:
            return local
        o = local.toordinal()
        tables = self._covering(o, o)
        target = self._worked(tables, local, o) + d // _US
        while target > tables.cum[-1]:
            tables = self._grow(tables, forward=True)
        i = bisect_left(tables.cum, target) - 1  # the day on which the target is reached
        rest = target - tables.cum[i]
        for start, end, before in tables.plans[i]:
            if before + (end - start) >= rest:
                return self._instant(tables, i, start + rest - before)
        raise AssertionError("cumulative table and day plans disagree")  # pragma: no cover

    def next_working_moment(self, t: datetime) -> datetime:
        """Return ``t`` when it is working time, else the start of the next working interval."""
        local = self._local(t)
        o = local.toordinal()
        tables = self._covering(o, o)
        reached = self._worked(tables, local, o)
        if self.is_working_time(local):
            return local
        while reached >= tables.cum[-1]:
            tables = self._grow(tables, forward=True)
        i = bisect_right(tables.cum, reached) - 1  # the first day with working time after t
        rest = reached - tables.cum[i]
        for start, end, before in tables.plans[i]:
            if before + (end - start) > rest:
                return self._instant(tables, i, start + max(0, rest - before))
        raise AssertionError("cumulative table and day plans disagree")  # pragma: no cover

    def working_intervals(self, a: datetime, b: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Return the working intervals ``(start, end)`` in ``[a, b)``, clipped to it, in order.

        The arguments are checked at once; the intervals are produced as they are consumed.
        """
        la, lb = self._local(a), self._local(b)
        oa, ob = la.toordinal(), lb.toordinal()
        tables = self._covering(min(oa, ob), max(oa, ob))
        low, high = self._worked(tables, la, oa), self._worked(tables, lb, ob)
        return self._intervals(tables, oa, ob, low, high)

    def _intervals(
        self, tables: _Tables, oa: int, ob: int, low: int, high: int
    ) -> Iterator[tuple[datetime, datetime]]:
        """Yield the working spans of days ``oa`` to ``ob`` between working positions low, high."""
        if high <= low:
            return
        for i in range(oa - tables.first_ord, ob - tables.first_ord + 1):
            base = tables.cum[i]
            if base >= high:
                return
            for start, end, before in tables.plans[i]:
                first = max(base + before, low)
                last = min(base + before + (end - start), high)
                if first < last:
                    yield (
                        self._instant(tables, i, start + first - base - before),
                        self._instant(tables, i, start + last - base - before),
                    )

    # -- machinery -----------------------------------------------------------------------------

    def _local(self, t: datetime) -> datetime:
        """Return ``t`` in the calendar's zone, refusing naive datetimes."""
        try:
            tz = t.tzinfo
        except AttributeError:
            raise TypeError(f"expected an aware datetime, not {type(t).__name__}") from None
        if tz is self._zone:
            return t
        if tz is None or tz.utcoffset(t) is None:
            raise ValueError(
                f"naive datetime {t.isoformat()}: the working calendar needs timezone-aware"
                f" datetimes (e.g. tzinfo=ZoneInfo({self._zone.key!r}) or timezone.utc)"
            )
        return t.astimezone(self._zone)

    def _worked(self, tables: _Tables, local: datetime, o: int) -> int:
        """Return the working microseconds from the anchor up to the instant ``local``."""
        i = o - tables.first_ord
        base = tables.cum[i]
        plan = tables.plans[i]
        if not plan:
            return base
        if tables.irregular and o in tables.irregular:
            pos = (_utc(local) - tables.irregular[o]) // _US
        else:
            pos = (
                ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000
                + local.microsecond
            )
        for start, end, before in plan:
            if pos < end:
                return base + before + (pos - start if pos > start else 0)
        return tables.cum[i + 1]

    @staticmethod
    def _offset_in_day(tables: _Tables, o: int, local: datetime) -> int:
        """Return how far into its day ``local`` is, in microseconds of elapsed time."""
        if tables.irregular and o in tables.irregular:
            return (_utc(local) - tables.irregular[o]) // _US
        return (
            ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
        )

    def _instant(self, tables: _Tables, i: int, pos: int) -> datetime:
        """Return the aware instant ``pos`` microseconds into day ``i``."""
        o = tables.first_ord + i
        if tables.irregular and o in tables.irregular:
            start = tables.irregular[o]
            return (start + timedelta(0, 0, pos)).astimezone(self._zone)
        if pos >= _US_PER_DAY:  # an interval ending at midnight
            return (_WALL_EPOCH + timedelta(o - 1, 0, pos)).replace(tzinfo=self._zone)
        day = date.fromordinal(o)
        seconds, micro = divmod(pos, 1_000_000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return datetime(day.year, day.month, day.day, hour, minute, second, micro, self._zone)

    def _covering(self, first: int, last: int) -> _Tables:
        """Return tables covering the days with ordinals ``first`` to ``last``."""
        tables = self._tables
        if tables is not None and tables.first_ord <= first and last < tables.end_ord:
            return tables
        with self._lock:
            tables = self._tables
            low, high = date.fromordinal(first).year, date.fromordinal(last).year
            if tables is None:
                start = max(MINYEAR, low - (low - 1) % _BLOCK_YEARS)
                end = max(high, min(MAXYEAR, start + _BLOCK_YEARS - 1))
                tables = self._join(None, self._block(start, end))
            if low < tables.first_year:
                start = max(MINYEAR, min(low, tables.first_year - _BLOCK_YEARS))
                tables = self._join(self._block(start, tables.first_year - 1), tables)
            if high > tables.last_year:
                end = min(MAXYEAR, max(high, tables.last_year + _BLOCK_YEARS))
                tables = self._join(tables, self._block(tables.last_year + 1, end))
            self._tables = tables
            return tables

    def _grow(self, tables: _Tables, *, forward: bool) -> _Tables:
        """Return tables reaching further forward or back, failing at the end of ``datetime``."""
        if not any(self._week):
            raise ValueError("this calendar has no working hours on any weekday")
        if forward:
            if tables.last_year >= MAXYEAR:
                raise OverflowError("the result lies beyond the last year datetime can represent")
            o = date(min(MAXYEAR, tables.last_year + _BLOCK_YEARS), 1, 1).toordinal()
        else:
            if tables.first_year <= MINYEAR:
                raise OverflowError("the result lies before the first year datetime can represent")
            o = date(max(MINYEAR, tables.first_year - _BLOCK_YEARS), 1, 1).toordinal()
        return self._covering(o, o)

    def _block(self, first_year: int, last_year: int) -> _Block:
        """Compute the day plans of whole years ``first_year`` to ``last_year``."""
        zone = self._zone
        closed = {day.toordinal() for day in self._closed}
        for year in range(first_year, last_year + 1):
            closed.update(day.toordinal() for day in self._holidays(year) if day.year == year)
        first = date(first_year, 1, 1).toordinal()
        end = date(last_year, 12, 31).toordinal() + 1
        week = self._week
        work: list[int] = []
        plans: list[_Plan] = []
        irregular: dict[int, datetime] = {}
        known = 0  # the ordinal whose midnight offset is in `offset` (consecutive days reuse it)
        offset: timedelta | None = None
        for o in range(first, end):
            plan = week[(o + 6) % 7]
            if not plan or o in closed:
                plans.append(())
                work.append(0)
                continue
            day = date.fromordinal(o)
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
            if known != o:
                offset = midnight.utcoffset()
            if o < _LAST_ORDINAL:
                following = (_WALL_EPOCH + timedelta(days=o)).replace(tzinfo=zone)
            else:
                following = datetime.max.replace(tzinfo=zone)
            known, next_offset = o + 1, following.utcoffset()
            if offset != next_offset:
                # The clocks change today: measure the spans in elapsed time from midnight.
                start = _utc(midnight)
                irregular[o] = start
                plan = _elapsed_plan(plan, day, zone, start)
            offset = next_offset
            plans.append(plan)
            last_start, last_end, last_before = plan[-1]
            work.append(last_before + last_end - last_start)
        return _Block(first_year, last_year, tuple(work), tuple(plans), irregular)

    @staticmethod
    def _join(left: _Tables | _Block | None, right: _Tables | _Block) -> _Tables:
        """Join adjacent runs of years into new tables; existing cumulative values never change."""
        if isinstance(right, _Tables):
            # Prepend a block: number its days backwards from the existing first day.
            assert isinstance(left, _Block)
            cum = [0] * len(left.work) + right.cum
            wcum = [0] * len(left.work) + right.wcum
            total, workdays = right.cum[0], right.wcum[0]
            for k in range(len(left.work) - 1, -1, -1):
                total -= left.work[k]
                workdays -= 1 if left.work[k] else 0
                cum[k], wcum[k] = total, workdays
            plans = left.plans + right.plans
            irregular = {**left.irregular, **right.irregular}
            first_year, last_year = left.first_year, right.last_year
        else:
            assert isinstance(right, _Block)
            if left is None:
                cum, wcum = [0], [0]
                plans, irregular = right.plans, dict(right.irregular)
            else:
                assert isinstance(left, _Tables)
                cum, wcum = list(left.cum), list(left.wcum)
                plans = left.plans + right.plans
                irregular = {**left.irregular, **right.irregular}
            total, workdays = cum[-1], wcum[-1]
            for worked in right.work:
                total += worked
                workdays += 1 if worked else 0
                cum.append(total)
                wcum.append(workdays)
            first_year = right.first_year if left is None else left.first_year
            last_year = right.last_year
        return _Tables(
            first_year=first_year,
            last_year=last_year,
            first_ord=date(first_year, 1, 1).toordinal(),
            end_ord=date(last_year, 12, 31).toordinal() + 1,
            cum=cum,
            wcum=wcum,
            plans=plans,
            irregular=irregular,
        )


def _elapsed_plan(plan: _Plan, day: date, zone: ZoneInfo, start: datetime) -> _Plan:
    """Re-measure a day's wall-clock spans in elapsed microseconds from ``start`` (its midnight)."""
    result: list[_Span] = []
    before = 0
    previous_end = 0
    for wall_start, wall_end, _ in plan:
        span_start = max(previous_end, _wall_elapsed(day, wall_start, zone, start))
        span_end = max(span_start, _wall_elapsed(day, wall_end, zone, start))
        result.append((span_start, span_end, before))
        before += span_end - span_start
        previous_end = span_end
    return tuple(result)


def _wall_elapsed(day: date, wall_us: int, zone: ZoneInfo, start: datetime) -> int:
    """Return the elapsed microseconds from ``start`` to wall-clock time ``wall_us`` on ``day``."""
    wall = _WALL_EPOCH + timedelta(days=day.toordinal() - 1, microseconds=wall_us)
    return (_utc(wall.replace(tzinfo=zone)) - start) // _US


def _year_function(source: HolidaySource) -> Callable[[int], Iterable[date]]:
    """Turn a holiday source into ``year -> dates``."""
    if isinstance(source, HolidayBase):
        table = source

        def from_holidays_object(year: int) -> Iterable[date]:
            table.get(date(year, 1, 1))  # makes an expanding holidays object load the year
            return [day for day in table if day.year == year]

        return from_holidays_object
    if not callable(source):
        raise TypeError("holidays must be a function year -> dates or a holidays.HolidayBase")
    return source


def _source_name(source: HolidaySource) -> str:
    if isinstance(source, HolidayBase):
        return f"holidays {type(source).__name__} object"
    return getattr(source, "__qualname__", None) or repr(source)
