"""The status page's days: figures over any run of days, and the wall-clock time intervals cover per day."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.workcalendar import WorkCalendar
from sla.uptime.availability import daily_strip, days_figures, time_by_day

BRUSSELS = ZoneInfo("Europe/Brussels")
CAL = WorkCalendar.belgium()
H = timedelta(hours=1)


def bx(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BRUSSELS)


def test_days_figures_over_two_months_agree_with_each_months_strip() -> None:
    outages = [(bx(2026, 10, 30, 10), bx(2026, 11, 2, 10)), (bx(2026, 11, 12, 10), bx(2026, 11, 12, 11))]
    maintenance = [(bx(2026, 11, 12, 10, 30), bx(2026, 11, 12, 12))]
    now, since = bx(2026, 11, 16, 11), bx(2026, 10, 20, 12)
    run = days_figures(outages, maintenance, date(2026, 10, 1), date(2026, 11, 30), CAL, now=now, since=since)
    months = [*daily_strip(outages, maintenance, 2026, 10, CAL, now=now, since=since),
              *daily_strip(outages, maintenance, 2026, 11, CAL, now=now, since=since)]
    assert run == months and len(run) == 61
    by_day = {f.day: f for f in run}
    assert by_day[date(2026, 10, 19)].no_data and not by_day[date(2026, 10, 20)].no_data
    assert by_day[date(2026, 11, 12)].down_time == timedelta(minutes=30)  # half the outage under maintenance
    assert by_day[date(2026, 11, 17)].future


def test_days_figures_refuse_days_that_run_backwards() -> None:
    with pytest.raises(ValueError, match="run forward"):
        days_figures([], [], date(2026, 11, 2), date(2026, 11, 1), CAL)


def test_time_by_day_splits_intervals_at_local_midnight_including_the_23_hour_day() -> None:
    covered = time_by_day([(bx(2026, 3, 28, 22), bx(2026, 3, 30, 1)), (bx(2026, 3, 30, 0, 30), bx(2026, 3, 30, 2))],
                          date(2026, 3, 27), date(2026, 3, 31), BRUSSELS)
    # 28 March 22:00-24:00; the whole of 29 March (23 h: the clocks go forward); 30 March 00:00-02:00 (merged).
    assert covered == {date(2026, 3, 28): 2 * H, date(2026, 3, 29): 23 * H, date(2026, 3, 30): 2 * H}


def test_time_by_day_keeps_only_the_days_asked_for() -> None:
    covered = time_by_day([(bx(2026, 11, 1, 12), bx(2026, 11, 20, 12))], date(2026, 11, 10), date(2026, 11, 11),
                          BRUSSELS)
    assert covered == {date(2026, 11, 10): 24 * H, date(2026, 11, 11): 24 * H}
