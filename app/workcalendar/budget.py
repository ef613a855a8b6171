"""How much working time "within N workdays" allows from a moment: the restore targets' rule.

Pure: the standard library and the package's own modules. Backups' restore drills
(``backups.policy.restore_deadline``) and the support desk's restore clock (``sla.desk.clock``) both
count on it, so the rule is written once.

"Within N workdays" means by the same point of the working day, N workdays later:

1. the clock starts at ``s``, the first working moment at or after ``started`` (a request on Saturday
   starts Monday at opening; one during lunch starts after it);
2. ``p`` is the working time already passed on ``s``'s day when the clock starts (0 at opening);
3. ``D`` is the N-th workday after ``s``'s day; the target is the instant at working position ``p``
   into ``D``, or the end of ``D``'s working hours when ``D`` is shorter;
4. the budget is the working time from ``s`` to that target.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from app.workcalendar.calendar import WorkCalendar
from app.workcalendar.instants import require_aware

__all__ = ["workdays_budget"]


def workdays_budget(started: datetime, workdays: int, calendar: WorkCalendar) -> tuple[datetime, timedelta]:
    """Return the first working moment at or after ``started`` and the working time N workdays allow from it."""
    if isinstance(workdays, bool) or not isinstance(workdays, int) or workdays < 1:
        raise ValueError(f"a workday target is at least one workday, not {workdays!r}")
    begin = calendar.next_working_moment(require_aware(started, "started"))
    day = begin.date()
    opening = calendar.next_working_moment(datetime.combine(day, time(0), calendar.zone))
    into = calendar.working_time_between(opening, begin)
    target_day = calendar.add_workdays(day, workdays)
    target_opening = calendar.next_working_moment(datetime.combine(target_day, time(0), calendar.zone))
    target = calendar.add_working_time(target_opening, min(into, calendar.working_time_on(target_day)))
    return begin, calendar.working_time_between(begin, target)
