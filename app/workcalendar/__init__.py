"""The working calendar: the one clock every FleetDesk deadline is counted on.

Fines count in workdays, SLA clocks in working hours and uptime in working intervals, and all of
them ask this package (``from app.workcalendar import WorkCalendar``). It is pure: the standard
library, ``zoneinfo`` and the ``holidays`` package, no Flask, no database, and it never reads the
current time.

- ``calendar``: ``WorkCalendar``, the questions (workdays, working time, working intervals);
- ``schedule``: what a calendar is made of (weekly working hours, public holidays);
- ``table``: the engine answering them exactly and fast (per-day spans, cumulative tables in
  integer microseconds, ``bisect`` lookups; how, and how summer time is handled, is told there);
- ``instants``: the operator's zone (``BRUSSELS``) and the guard refusing naive datetimes
  (``require_aware``), which every module taking a moment in uses;
- ``budget``: the working time "within N workdays" allows (``workdays_budget``: the restore targets).
"""
from app.workcalendar.budget import workdays_budget
from app.workcalendar.calendar import WorkCalendar
from app.workcalendar.instants import BRUSSELS, is_aware, require_aware
from app.workcalendar.schedule import (
    BELGIAN_OFFICE_HOURS,
    HolidaySource,
    WeeklySchedule,
    WorkingInterval,
    belgian_public_holidays,
)

__all__ = [
    "BELGIAN_OFFICE_HOURS",
    "BRUSSELS",
    "HolidaySource",
    "WeeklySchedule",
    "WorkCalendar",
    "WorkingInterval",
    "belgian_public_holidays",
    "is_aware",
    "require_aware",
    "workdays_budget",
]
