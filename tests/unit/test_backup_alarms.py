"""The backups page's alarm: a tier without a verified backup as recent as its frequency demands.

Daily tiers want the last workday's backup, the weekly tier the current week's (its first
workday); today counts from 06:00 in Brussels, after the nightly run. Belgian calendar: Monday
16 November 2026 is a workday, Wednesday 11 November (Armistice) is a holiday.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.workcalendar import WorkCalendar
from backups.policy import BackupRecord, Tier, check_tiers, required_business_date

BRUSSELS = ZoneInfo("Europe/Brussels")
CAL = WorkCalendar.belgium()


def bx(d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2026, 11, d, h, mi, tzinfo=BRUSSELS)


@pytest.mark.parametrize(("tier", "now", "required"), [
    (Tier.DC_DB, bx(17, 10), date(2026, 11, 17)),     # Tuesday after the nightly run: today's
    (Tier.DC_DB, bx(17, 5, 59), date(2026, 11, 16)),  # before 06:00: yesterday's is enough
    (Tier.DC_DB, bx(21, 12), date(2026, 11, 20)),     # Saturday: Friday's
    (Tier.DC_DB, bx(23, 3), date(2026, 11, 20)),      # Monday night: still Friday's
    (Tier.SERVER_DB, bx(12, 9), date(2026, 11, 12)),  # Thursday after the Armistice holiday
    (Tier.SERVER_DB, bx(11, 15), date(2026, 11, 10)),  # on the holiday itself: Tuesday's
    (Tier.WEEKLY_ENV, bx(19, 15), date(2026, 11, 16)),  # Thursday: this week's Monday
    (Tier.WEEKLY_ENV, bx(16, 5), date(2026, 11, 9)),   # Monday before 06:00: last week's
    (Tier.WEEKLY_ENV, bx(16, 7), date(2026, 11, 16)),  # Monday after 06:00: this week's
])
def test_required_business_date_follows_each_tiers_frequency(tier: Tier, now: datetime, required: date) -> None:
    assert required_business_date(tier, now, CAL) == required


def _record(tier: Tier, day: date, state: str = "verified") -> BackupRecord:
    return BackupRecord(f"{tier.value}-{day}", tier, day, datetime(day.year, day.month, day.day, 2, tzinfo=BRUSSELS),
                        state)  # type: ignore[arg-type]


def test_a_tier_never_backed_up_raises_the_alarm() -> None:
    checks = {c.tier: c for c in check_tiers([], bx(17, 10), CAL)}
    assert all(not c.ok and c.never for c in checks.values())


def test_current_tiers_raise_no_alarm_and_late_or_unverified_ones_do() -> None:
    records = [_record(Tier.SERVER_DB, date(2026, 11, 17)),
               _record(Tier.DC_DB, date(2026, 11, 16)),                  # a day late
               _record(Tier.DC_FILES, date(2026, 11, 17), "failed"),     # today's failed verification
               _record(Tier.DC_FILES, date(2026, 11, 13)),
               _record(Tier.WEEKLY_ENV, date(2026, 11, 16))]
    checks = {c.tier: c for c in check_tiers(records, bx(17, 10), CAL)}
    assert checks[Tier.SERVER_DB].ok
    assert not checks[Tier.DC_DB].ok and checks[Tier.DC_DB].last_verified == date(2026, 11, 16)
    assert not checks[Tier.DC_FILES].ok and not checks[Tier.DC_FILES].never
    assert checks[Tier.WEEKLY_ENV].ok


def test_the_check_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError):
        check_tiers([], datetime(2026, 11, 17, 10), CAL)
