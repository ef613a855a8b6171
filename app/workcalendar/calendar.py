"""The working calendar's API: ``WorkCalendar``, the questions features ask about workdays and working time.

Pure: the standard library and the package's own modules; the current time is never read here.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.workcalendar import table
from app.workcalendar.instants import BRUSSELS, require_aware
from app.workcalendar.schedule import (
    BELGIAN_OFFICE_HOURS,
    WEEKDAY_NAMES,
    HolidaySource,
    WeeklySchedule,
    belgian_public_holidays,
    source_name,
    year_function,
)

_ZERO = timedelta(0)


def _ordinal(d: date) -> int:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(
            f"expected a date, not {type(d).__name__}; for an instant pass"
            " t.astimezone(calendar.zone).date()"
        )
    return d.toordinal()


class WorkCalendar:
    """Workdays and working hours of one operator, in one time zone.

    Every datetime going in must be timezone-aware (any zone: it denotes an instant); every
    datetime coming out is in the calendar's zone. Intervals are half-open: the desk is open at
    08:30 and closed at 12:00.
    """

    __slots__ = ("_closed", "_schedule", "_source_name", "_tables", "_zone")

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
        by_year = year_function(holidays)
        self._source_name = source_name(holidays)
        closed = frozenset(extra_closed_days)
        for day in closed:
            if not isinstance(day, date) or isinstance(day, datetime):
                raise TypeError(f"extra closed days must be dates, not {day!r}")
        self._closed = closed
        week = table.week_plans([[(i.start_us, i.end_us) for i in day] for day in schedule.days])
        self._tables = table.LazyTables(week, self._zone, closed, by_year)

    @classmethod
    def belgium(cls, extra_closed_days: Iterable[date] = ()) -> WorkCalendar:
        """Return FleetDesk's default calendar: Belgian office hours and public holidays."""
        return cls(
            BELGIAN_OFFICE_HOURS,
            BRUSSELS,
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
                lines.append(f"  {WEEKDAY_NAMES[weekday]}  {hours}  ({total:g} h)")
            else:
                lines.append(f"  {WEEKDAY_NAMES[weekday]}  closed")
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
        tables = self._tables.covering(o, o)
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
        tables = self._tables.covering(o, o)
        i = o - tables.first_ord
        # The target is the day x whose own workday is number `wanted` (counting from the anchor):
        # the n-th after d (n > 0) or the |n|-th before it (n < 0).
        wanted = (tables.wcum[i + 1] if n > 0 else tables.wcum[i]) + n + (0 if n > 0 else 1)
        tables = self._tables.reaching_workday(tables, wanted)
        return date.fromordinal(table.workday_at(tables, wanted))

    def workdays_between(self, a: date, b: date) -> int:
        """Count the workdays passed going from ``a`` to ``b``: ``a`` is not counted, ``b`` is.

        Forward (``a <= b``) that is the workdays ``w`` with ``a < w <= b``; backward it is minus
        the workdays ``w`` with ``b <= w < a``. So ``workdays_between(d, add_workdays(d, n)) == n``
        for every ``d`` and ``n``.
        """
        oa, ob = _ordinal(a), _ordinal(b)
        tables = self._tables.covering(min(oa, ob), max(oa, ob))
        ia, ib = oa - tables.first_ord, ob - tables.first_ord
        if ob >= oa:
            return tables.wcum[ib + 1] - tables.wcum[ia + 1]
        return tables.wcum[ib] - tables.wcum[ia]

    def working_time_on(self, d: date) -> timedelta:
        """Return the working time of day ``d`` (zero when it is closed)."""
        o = _ordinal(d)
        tables = self._tables.covering(o, o)
        i = o - tables.first_ord
        return timedelta(0, 0, tables.cum[i + 1] - tables.cum[i])

    # -- working time --------------------------------------------------------------------------

    def is_working_time(self, t: datetime) -> bool:
        """Tell whether the instant ``t`` falls inside working hours (``[start, end)``)."""
        local = self._local(t)
        o = local.toordinal()
        tables = self._tables.covering(o, o)
        plan = tables.plans[o - tables.first_ord]
        if not plan:
            return False
        pos = table.offset_in_day(tables, o, local)
        for start, end, _ in plan:
            if pos < end:
                return pos >= start
        return False

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Return the working time in ``[a, b)``; negative when ``b`` is before ``a``."""
        la, lb = self._local(a), self._local(b)
        oa, ob = la.toordinal(), lb.toordinal()
        tables = self._tables.covering(min(oa, ob), max(oa, ob))
        return timedelta(0, 0, table.worked(tables, lb, ob) - table.worked(tables, la, oa))

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
        tables = self._tables.covering(o, o)
        target = table.worked(tables, local, o) + d // table.US
        tables = self._tables.reaching(tables, target)
        i, pos = table.reached_at(tables, target)
        return table.instant(tables, i, pos, self._zone)

    def next_working_moment(self, t: datetime) -> datetime:
        """Return ``t`` when it is working time, else the start of the next working interval."""
        local = self._local(t)
        o = local.toordinal()
        tables = self._tables.covering(o, o)
        reached = table.worked(tables, local, o)
        if self.is_working_time(local):
            return local
        tables = self._tables.reaching(tables, reached + 1)
        i, pos = table.resumed_at(tables, reached)
        return table.instant(tables, i, pos, self._zone)

    def working_intervals(self, a: datetime, b: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Return the working intervals ``(start, end)`` in ``[a, b)``, clipped to it, in order.

        The arguments are checked at once; the intervals are produced as they are consumed.
        """
        la, lb = self._local(a), self._local(b)
        oa, ob = la.toordinal(), lb.toordinal()
        tables = self._tables.covering(min(oa, ob), max(oa, ob))
        low, high = table.worked(tables, la, oa), table.worked(tables, lb, ob)
        return table.spans(tables, oa, ob, low, high, self._zone)

    def _local(self, t: datetime) -> datetime:
        """Return ``t`` in the calendar's zone, refusing naive datetimes."""
        try:
            tz = t.tzinfo
        except AttributeError:
            raise TypeError(f"expected an aware datetime, not {type(t).__name__}") from None
        if tz is self._zone:
            return t
        return require_aware(t, "the working calendar's datetime").astimezone(self._zone)
