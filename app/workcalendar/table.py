"""The working calendar's table engine: per-day working spans and cumulative tables, in microseconds.

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

Pure: the standard library only.
"""
from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

US = timedelta(microseconds=1)
US_PER_DAY = 86_400_000_000
_WALL_EPOCH = datetime(1, 1, 1)  # ordinal 1, so ``_WALL_EPOCH + timedelta(days=o - 1)`` is day o
_LAST_ORDINAL = date.max.toordinal()
_BLOCK_YEARS = 8  # how many years the tables grow by at a time

# A working span of one day: (start, end, working time before start), microseconds from the
# start of that day. A day's plan is a tuple of them, empty when the day is closed.
Span = tuple[int, int, int]
Plan = tuple[Span, ...]


def time_us(t: time) -> int:
    """Return the microseconds from midnight to the wall-clock time ``t``."""
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def week_plans(week: Sequence[Sequence[tuple[int, int]]]) -> tuple[Plan, ...]:
    """Turn seven days of ``(start, end)`` microsecond spans (Monday first) into day plans."""
    plans: list[Plan] = []
    for spans in week:
        plan: list[Span] = []
        before = 0
        for start, end in spans:
            plan.append((start, end, before))
            before += end - start
        plans.append(tuple(plan))
    return tuple(plans)


@dataclass(frozen=True)
class Tables:
    """One immutable snapshot of the lazily built tables, covering whole years."""

    first_year: int
    last_year: int
    first_ord: int  # ordinal of 1 January of first_year; day index = ordinal - first_ord
    end_ord: int  # ordinal of the day after the last one covered
    cum: list[int]  # cum[i]: working microseconds before day i (relative to a fixed anchor)
    wcum: list[int]  # wcum[i]: workdays before day i (same anchor)
    plans: tuple[Plan, ...]  # plans[i]: the working spans of day i
    irregular: Mapping[int, datetime]  # ordinal -> UTC start of a workday whose offset changes


@dataclass(frozen=True)
class _Block:
    """The per-day data of a run of years, before it is joined to the tables."""

    first_year: int
    last_year: int
    work: tuple[int, ...]  # working microseconds of each day
    plans: tuple[Plan, ...]
    irregular: Mapping[int, datetime]


class LazyTables:
    """The tables of one calendar, built a block of years at a time as questions reach further."""

    __slots__ = ("_closed", "_holidays", "_lock", "_tables", "_week", "_zone")

    def __init__(self, week: tuple[Plan, ...], zone: ZoneInfo, closed: frozenset[date],
                 holidays: Callable[[int], Iterable[date]]) -> None:
        self._week = week
        self._zone = zone
        self._closed = closed
        self._holidays = holidays
        self._lock = threading.Lock()
        self._tables: Tables | None = None

    def covering(self, first: int, last: int) -> Tables:
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
                tables = _append(None, self._block(start, end))
            if low < tables.first_year:
                start = max(MINYEAR, min(low, tables.first_year - _BLOCK_YEARS))
                tables = _prepend(self._block(start, tables.first_year - 1), tables)
            if high > tables.last_year:
                end = min(MAXYEAR, max(high, tables.last_year + _BLOCK_YEARS))
                tables = _append(tables, self._block(tables.last_year + 1, end))
            self._tables = tables
            return tables

    def grow(self, tables: Tables, *, forward: bool) -> Tables:
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
        return self.covering(o, o)

    def reaching(self, tables: Tables, target: int) -> Tables:
        """Return tables whose cumulative working time reaches ``target`` (growing forward)."""
        while target > tables.cum[-1]:
            tables = self.grow(tables, forward=True)
        return tables

    def reaching_workday(self, tables: Tables, wanted: int) -> Tables:
        """Return tables holding the day whose own workday is number ``wanted`` (growing either way)."""
        while True:
            if wanted > tables.wcum[-1]:
                tables = self.grow(tables, forward=True)
            elif wanted <= tables.wcum[0]:
                tables = self.grow(tables, forward=False)
            else:
                return tables

    def _closed_ordinals(self, first_year: int, last_year: int) -> set[int]:
        closed = {day.toordinal() for day in self._closed}
        for year in range(first_year, last_year + 1):
            closed.update(day.toordinal() for day in self._holidays(year) if day.year == year)
        return closed

    def _block(self, first_year: int, last_year: int) -> _Block:
        """Compute the day plans of whole years ``first_year`` to ``last_year``."""
        zone = self._zone
        closed = self._closed_ordinals(first_year, last_year)
        first = date(first_year, 1, 1).toordinal()
        end = date(last_year, 12, 31).toordinal() + 1
        week = self._week
        work: list[int] = []
        plans: list[Plan] = []
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
            known, next_offset = o + 1, _next_midnight(o, zone).utcoffset()
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


def _next_midnight(o: int, zone: ZoneInfo) -> datetime:
    """Return the local midnight that ends day ``o`` (the last representable instant on the last day)."""
    if o < _LAST_ORDINAL:
        return (_WALL_EPOCH + timedelta(days=o)).replace(tzinfo=zone)
    return datetime.max.replace(tzinfo=zone)


def _tables(first_year: int, last_year: int, cum: list[int], wcum: list[int], plans: tuple[Plan, ...],
            irregular: Mapping[int, datetime]) -> Tables:
    return Tables(
        first_year=first_year,
        last_year=last_year,
        first_ord=date(first_year, 1, 1).toordinal(),
        end_ord=date(last_year, 12, 31).toordinal() + 1,
        cum=cum,
        wcum=wcum,
        plans=plans,
        irregular=irregular,
    )


def _prepend(left: _Block, right: Tables) -> Tables:
    """Join a block before the tables, numbering its days backwards; existing values never change."""
    cum = [0] * len(left.work) + right.cum
    wcum = [0] * len(left.work) + right.wcum
    total, workdays = right.cum[0], right.wcum[0]
    for k in range(len(left.work) - 1, -1, -1):
        total -= left.work[k]
        workdays -= 1 if left.work[k] else 0
        cum[k], wcum[k] = total, workdays
    return _tables(left.first_year, right.last_year, cum, wcum, left.plans + right.plans,
                   {**left.irregular, **right.irregular})


def _append(left: Tables | None, right: _Block) -> Tables:
    """Join a block after the tables (or start them with it); existing values never change."""
    if left is None:
        cum, wcum = [0], [0]
        plans, irregular = right.plans, dict(right.irregular)
        first_year = right.first_year
    else:
        cum, wcum = list(left.cum), list(left.wcum)
        plans = left.plans + right.plans
        irregular = {**left.irregular, **right.irregular}
        first_year = left.first_year
    total, workdays = cum[-1], wcum[-1]
    for worked in right.work:
        total += worked
        workdays += 1 if worked else 0
        cum.append(total)
        wcum.append(workdays)
    return _tables(first_year, right.last_year, cum, wcum, plans, irregular)


def _elapsed_plan(plan: Plan, day: date, zone: ZoneInfo, start: datetime) -> Plan:
    """Re-measure a day's wall-clock spans in elapsed microseconds from ``start`` (its midnight)."""
    result: list[Span] = []
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
    return (_utc(wall.replace(tzinfo=zone)) - start) // US


# -- lookups on one snapshot --------------------------------------------------------------------


def offset_in_day(tables: Tables, o: int, local: datetime) -> int:
    """Return how far into its day ``local`` is, in microseconds of elapsed time."""
    if tables.irregular and o in tables.irregular:
        return (_utc(local) - tables.irregular[o]) // US
    return ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond


def worked(tables: Tables, local: datetime, o: int) -> int:
    """Return the working microseconds from the anchor up to the instant ``local`` (on day ``o``)."""
    i = o - tables.first_ord
    base = tables.cum[i]
    plan = tables.plans[i]
    if not plan:
        return base
    if tables.irregular and o in tables.irregular:
        pos = (_utc(local) - tables.irregular[o]) // US
    else:
        pos = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
    for start, end, before in plan:
        if pos < end:
            return base + before + (pos - start if pos > start else 0)
    return tables.cum[i + 1]


def instant(tables: Tables, i: int, pos: int, zone: ZoneInfo) -> datetime:
    """Return the aware instant ``pos`` microseconds into day ``i``, in ``zone``."""
    o = tables.first_ord + i
    if tables.irregular and o in tables.irregular:
        start = tables.irregular[o]
        return (start + timedelta(0, 0, pos)).astimezone(zone)
    if pos >= US_PER_DAY:  # an interval ending at midnight
        return (_WALL_EPOCH + timedelta(o - 1, 0, pos)).replace(tzinfo=zone)
    day = date.fromordinal(o)
    seconds, micro = divmod(pos, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return datetime(day.year, day.month, day.day, hour, minute, second, micro, zone)


def reached_at(tables: Tables, target: int) -> tuple[int, int]:
    """Return the day and position at which the working position ``target`` is reached (an end, not a start).

    The tables must reach ``target`` (``LazyTables.reaching``).
    """
    i = bisect_left(tables.cum, target) - 1  # the day on which the target is reached
    rest = target - tables.cum[i]
    for start, end, before in tables.plans[i]:
        if before + (end - start) >= rest:
            return i, start + rest - before
    raise AssertionError("cumulative table and day plans disagree")  # pragma: no cover


def resumed_at(tables: Tables, reached: int) -> tuple[int, int]:
    """Return the day and position at which work goes on after the working position ``reached``.

    The tables must reach beyond ``reached``.
    """
    i = bisect_right(tables.cum, reached) - 1  # the first day with working time after it
    rest = reached - tables.cum[i]
    for start, end, before in tables.plans[i]:
        if before + (end - start) > rest:
            return i, start + max(0, rest - before)
    raise AssertionError("cumulative table and day plans disagree")  # pragma: no cover


def workday_at(tables: Tables, wanted: int) -> int:
    """Return the ordinal of the day whose own workday is number ``wanted`` (``LazyTables.reaching_workday``)."""
    return tables.first_ord + bisect_left(tables.wcum, wanted) - 1


def spans(tables: Tables, oa: int, ob: int, low: int, high: int,
          zone: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
    """Yield the working spans of days ``oa`` to ``ob`` between working positions ``low`` and ``high``."""
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
                    instant(tables, i, start + first - base - before, zone),
                    instant(tables, i, start + last - base - before, zone),
                )
