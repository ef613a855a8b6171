"""What a working calendar is made of: the weekly working hours and where closed days come from.

Pure: the standard library and the ``holidays`` package.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, time, timedelta
from itertools import pairwise

import holidays
from holidays import HolidayBase
from holidays.countries.belgium import Belgium

from app.workcalendar.table import US_PER_DAY, time_us

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M") if not (t.second or t.microsecond) else t.isoformat()


HolidaySource = Callable[[int], Iterable[date]] | HolidayBase
"""Where closed days come from: ``year -> dates``, or a ``holidays`` object (it expands itself)."""


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
        return time_us(self.start)

    @property
    def end_us(self) -> int:
        """Microseconds from midnight to the end (a full day when the end is midnight)."""
        return US_PER_DAY if self.end == time(0) else time_us(self.end)

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
            for before, after in pairwise(intervals):
                if after.start_us < before.end_us:
                    raise ValueError(
                        f"{WEEKDAY_NAMES[weekday]}: working intervals must be sorted and must"
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
            names = WEEKDAY_NAMES[weekday]
            if last > weekday:
                names += "–" + WEEKDAY_NAMES[last]
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


def year_function(source: HolidaySource) -> Callable[[int], Iterable[date]]:
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


def source_name(source: HolidaySource) -> str:
    """Name a holiday source for ``describe`` and ``repr``."""
    if isinstance(source, HolidayBase):
        return f"holidays {type(source).__name__} object"
    return getattr(source, "__qualname__", None) or repr(source)
