"""Backup policy: when tiers run, what retention removes, and restore deadlines.

Table tests pin the rules on the Belgian calendar (Easter Monday 2026-04-06, Ascension 2026-05-14,
Whit Monday 2026-05-25; 7.5 h Monday to Thursday, 6.5 h on Friday); property tests tie
``restore_deadline`` and ``restore_met`` together.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.workcalendar import WorkCalendar
from backups.policy import (
    POLICIES,
    BackupRecord,
    BackupState,
    Tier,
    business_date,
    due_today,
    restore_deadline,
    restore_met,
    to_prune,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
CAL = WorkCalendar.belgium()
M = timedelta(minutes=1)
DAILY = (Tier.SERVER_DB, Tier.DC_DB, Tier.DC_FILES)


def bx(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BRUSSELS)


# -- the table ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "what", "storage", "days", "weekly", "restore"),
    [
        (Tier.SERVER_DB, "database", "server", 2, False, 1),
        (Tier.DC_DB, "database", "datacenter", 30, False, 2),
        (Tier.DC_FILES, "files", "datacenter", 30, False, 2),
        (Tier.WEEKLY_ENV, "environment", "datacenter", 90, True, 2),
    ],
)
def test_policies_follow_the_sla_backup_table(
    tier: Tier, what: str, storage: str, days: int, weekly: bool, restore: int
) -> None:
    policy = POLICIES[tier]
    assert (policy.tier, policy.what, policy.storage) == (tier, what, storage)
    assert (policy.keep, policy.weekly, policy.restore_within_workdays) == (
        timedelta(days=days), weekly, restore
    )


def test_tier_values_name_the_tiers() -> None:
    assert [t.value for t in Tier] == ["server-db", "dc-db", "dc-files", "weekly-env"]


# -- due_today ---------------------------------------------------------------------------------

# (day, daily tiers due, weekly tier due)
EASTER_WEEK = [
    (date(2026, 4, 6), False, False),  # Easter Monday
    (date(2026, 4, 7), True, True),  # first workday of the week
    (date(2026, 4, 8), True, False),
    (date(2026, 4, 9), True, False),
    (date(2026, 4, 10), True, False),
    (date(2026, 4, 11), False, False),  # Saturday
    (date(2026, 4, 12), False, False),  # Sunday
]
ORDINARY_WEEK = [
    (date(2026, 4, 13), True, True),
    (date(2026, 4, 14), True, False),
    (date(2026, 4, 17), True, False),
    (date(2026, 4, 18), False, False),
    (date(2026, 4, 19), False, False),
]
OTHER_HOLIDAYS = [
    (date(2026, 5, 14), False, False),  # Ascension Thursday
    (date(2026, 5, 11), True, True),  # Monday of Ascension week
    (date(2026, 5, 25), False, False),  # Whit Monday
    (date(2026, 5, 26), True, True),
    (date(2026, 5, 27), True, False),
]


@pytest.mark.parametrize(("day", "daily", "weekly"), EASTER_WEEK + ORDINARY_WEEK + OTHER_HOLIDAYS)
def test_due_today_runs_daily_tiers_on_workdays_and_weekly_on_first_workday(
    day: date, daily: bool, weekly: bool
) -> None:
    assert [due_today(tier, day, CAL) for tier in DAILY] == [daily] * 3
    assert due_today(Tier.WEEKLY_ENV, day, CAL) is weekly


def test_weekly_moves_past_extra_closed_days_and_skips_a_week_without_workdays() -> None:
    bridge = WorkCalendar.belgium(extra_closed_days=[date(2026, 4, 13), date(2026, 4, 14)])
    week = [date(2026, 4, 13) + timedelta(days=k) for k in range(7)]
    assert [due_today(Tier.WEEKLY_ENV, d, bridge) for d in week] == [
        False, False, True, False, False, False, False
    ]
    closed = WorkCalendar.belgium(extra_closed_days=week)
    assert not any(due_today(tier, d, closed) for d in week for tier in Tier)


def test_due_today_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        due_today(Tier.DC_DB, datetime(2026, 4, 14, 10, tzinfo=UTC), CAL)


# -- business_date -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 19, 23, 30, tzinfo=UTC), date(2026, 11, 20)),  # 00:30 CET
        (datetime(2026, 11, 19, 22, 59, tzinfo=UTC), date(2026, 11, 19)),  # 23:59 CET
        (datetime(2026, 7, 1, 22, 30, tzinfo=UTC), date(2026, 7, 2)),  # 00:30 CEST
        (datetime(2026, 7, 1, 21, 59, tzinfo=UTC), date(2026, 7, 1)),  # 23:59 CEST
        (bx(2026, 3, 29, 3, 0), date(2026, 3, 29)),  # the morning the clocks go forward
    ],
)
def test_business_date_is_the_brussels_date(moment: datetime, expected: date) -> None:
    assert business_date(moment, CAL) == expected


def test_business_date_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        business_date(datetime(2026, 11, 20, 1, 0), CAL)


# -- to_prune ----------------------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def rec(
    tier: Tier,
    days_ago: float,
    state: BackupState,
    *,
    finished: bool = True,
    suffix: str = "",
) -> BackupRecord:
    """A record whose run finished ``days_ago`` days before NOW (business date that day)."""
    moment = NOW - timedelta(days=days_ago)
    return BackupRecord(
        id=f"{tier.value}-{moment.date().isoformat()}{suffix}",
        tier=tier,
        business_date=moment.date(),
        finished_at=moment if finished else None,
        state=state,
    )


def ids(records: list[BackupRecord]) -> list[str]:
    return [r.id for r in records]


@pytest.mark.parametrize(
    ("records", "pruned"),
    [
        pytest.param(
            [rec(Tier.DC_DB, 31, "verified"), rec(Tier.DC_DB, 29, "verified"), rec(Tier.DC_DB, 1, "verified")],
            [0],
            id="removes-expired-verified",
        ),
        pytest.param(
            [rec(Tier.DC_DB, 60, "verified"), rec(Tier.DC_DB, 45, "verified")],
            [0],
            id="keeps-newest-verified-even-when-expired",
        ),
        pytest.param(
            [rec(Tier.DC_DB, 45, "verified"), rec(Tier.DC_DB, 1, "failed"), rec(Tier.DC_DB, 2, "complete")],
            [],
            id="newer-unverified-do-not-replace-the-newest-verified",
        ),
        pytest.param(
            [rec(Tier.DC_DB, 40, "running", finished=False), rec(Tier.DC_DB, 1, "verified")],
            [],
            id="keeps-running",
        ),
        pytest.param(
            [rec(Tier.DC_DB, 40, "complete"), rec(Tier.DC_DB, 1, "verified")],
            [],
            id="keeps-complete-not-yet-verified",
        ),
        pytest.param(
            [rec(Tier.DC_DB, 31, "failed"), rec(Tier.DC_DB, 29, "failed"), rec(Tier.DC_DB, 1, "verified")],
            [0],
            id="prunes-failed-after-keep",
        ),
        pytest.param(
            [rec(Tier.DC_DB, 31, "failed"), rec(Tier.DC_DB, 40, "failed")],
            [1, 0],
            id="prunes-failed-even-without-any-verified",
        ),
        pytest.param(
            [rec(Tier.DC_DB, 30, "verified"), rec(Tier.DC_DB, 30.0001, "verified", suffix="-b"),
             rec(Tier.DC_DB, 1, "verified")],
            [1],
            id="exactly-keep-old-stays",
        ),
        pytest.param(
            [rec(Tier.SERVER_DB, 3, "verified"), rec(Tier.SERVER_DB, 1.5, "verified"),
             rec(Tier.SERVER_DB, 0.1, "verified")],
            [0],
            id="server-copy-kept-two-days",
        ),
        pytest.param(
            [rec(Tier.DC_DB, 300, "verified"), rec(Tier.DC_FILES, 300, "verified"),
             rec(Tier.DC_FILES, 1, "verified")],
            [],
            id="other-tiers-ignored",
        ),
        pytest.param([], [], id="nothing"),
    ],
)
def test_to_prune_table(records: list[BackupRecord], pruned: list[int]) -> None:
    tier = records[0].tier if records else Tier.DC_DB
    assert ids(to_prune(records, tier, NOW)) == [records[k].id for k in pruned]


def test_failed_without_finished_at_ages_from_end_of_business_date_in_utc() -> None:
    def failed(day: date) -> BackupRecord:
        return BackupRecord(f"weekly-env-{day}", Tier.WEEKLY_ENV, day, None, "failed")

    # End of 2026-08-21 (midnight UTC after it) + 90 days = 2026-11-20 00:00 UTC, before NOW.
    old, edge = failed(date(2026, 8, 21)), failed(date(2026, 8, 22))
    assert to_prune([old, edge], Tier.WEEKLY_ENV, NOW) == [old]


def test_newest_verified_is_chosen_by_business_date_then_finish() -> None:
    late_finish = BackupRecord(
        "dc-files-2026-01-01", Tier.DC_FILES, date(2026, 1, 1), datetime(2026, 1, 9, tzinfo=UTC), "verified"
    )
    later_day = BackupRecord(
        "dc-files-2026-01-02", Tier.DC_FILES, date(2026, 1, 2), datetime(2026, 1, 2, 3, tzinfo=UTC), "verified"
    )
    assert to_prune([late_finish, later_day], Tier.DC_FILES, NOW) == [late_finish]


def test_to_prune_refuses_naive_now_and_duplicate_ids() -> None:
    record = rec(Tier.DC_DB, 40, "verified")
    with pytest.raises(ValueError, match="naive"):
        to_prune([record], Tier.DC_DB, datetime(2026, 11, 20))
    with pytest.raises(ValueError, match="more than once"):
        to_prune([record, record], Tier.DC_DB, NOW)


@pytest.mark.parametrize("state", ["complete", "verified"])
def test_finished_states_need_finished_at(state: BackupState) -> None:
    with pytest.raises(ValueError, match="finished_at"):
        BackupRecord("dc-db-2026-11-20", Tier.DC_DB, date(2026, 11, 20), None, state)


def test_record_refuses_unknown_state_and_naive_finish() -> None:
    with pytest.raises(ValueError, match="unknown state"):
        BackupRecord("x", Tier.DC_DB, date(2026, 11, 20), None, "done")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="naive"):
        BackupRecord("x", Tier.DC_DB, date(2026, 11, 20), datetime(2026, 11, 20, 3), "verified")


@given(
    ages=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=200, allow_nan=False),
            st.sampled_from(["running", "complete", "verified", "failed"]),
        ),
        max_size=12,
    ),
    tier=st.sampled_from(list(Tier)),
)
@settings(max_examples=100, deadline=None)
def test_prune_never_touches_running_complete_or_the_newest_verified(
    ages: list[tuple[float, BackupState]], tier: Tier
) -> None:
    records = [
        rec(tier, age, state, finished=state != "running", suffix=f"-{k}")
        for k, (age, state) in enumerate(ages)
    ]
    pruned = to_prune(records, tier, NOW)
    verified = [r for r in records if r.state == "verified"]
    for record in pruned:
        assert record.state in ("verified", "failed")
        assert record.finished_at is not None and NOW - record.finished_at > POLICIES[tier].keep
    if verified:
        assert [r for r in verified if r not in pruned], "the newest verified backup must stay"


# -- restore deadlines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("started", "tier", "deadline"),
    [
        pytest.param(bx(2026, 4, 14, 10), Tier.SERVER_DB, bx(2026, 4, 15, 10), id="server-next-day"),
        pytest.param(bx(2026, 4, 14, 10), Tier.DC_DB, bx(2026, 4, 16, 10), id="datacenter-two-days"),
        pytest.param(bx(2026, 4, 17, 14), Tier.SERVER_DB, bx(2026, 4, 20, 14), id="friday-over-weekend"),
        pytest.param(bx(2026, 4, 17, 14), Tier.DC_FILES, bx(2026, 4, 21, 14), id="friday-dc-over-weekend"),
        pytest.param(bx(2026, 4, 3, 14), Tier.SERVER_DB, bx(2026, 4, 7, 14), id="over-easter-monday"),
        pytest.param(bx(2026, 5, 22, 10), Tier.DC_DB, bx(2026, 5, 27, 10), id="over-whit-monday"),
        pytest.param(bx(2026, 5, 13, 11), Tier.WEEKLY_ENV, bx(2026, 5, 18, 11), id="over-ascension-weekend"),
        pytest.param(bx(2026, 4, 18, 10), Tier.SERVER_DB, bx(2026, 4, 20, 17), id="saturday-starts-monday"),
        pytest.param(bx(2026, 4, 14, 7, 0), Tier.SERVER_DB, bx(2026, 4, 14, 17), id="before-opening"),
        pytest.param(bx(2026, 4, 14, 8, 30), Tier.SERVER_DB, bx(2026, 4, 14, 17), id="at-opening-full-day"),
        pytest.param(bx(2026, 4, 16, 16, 30), Tier.SERVER_DB, bx(2026, 4, 17, 16), id="shorter-friday-clamps"),
        pytest.param(bx(2026, 4, 14, 12, 30), Tier.SERVER_DB, bx(2026, 4, 15, 12), id="lunch-reports-12h"),
        pytest.param(bx(2026, 4, 14, 19), Tier.SERVER_DB, bx(2026, 4, 15, 17), id="evening-starts-next-day"),
    ],
)
def test_restore_deadline_table(started: datetime, tier: Tier, deadline: datetime) -> None:
    assert restore_deadline(started, tier, CAL) == deadline
    assert restore_met(started, deadline, tier, CAL)
    assert not restore_met(started, CAL.add_working_time(deadline, M), tier, CAL)


def test_restore_deadline_is_in_the_calendar_zone_whatever_the_input_zone() -> None:
    deadline = restore_deadline(datetime(2026, 4, 14, 8, tzinfo=UTC), Tier.SERVER_DB, CAL)
    assert deadline == bx(2026, 4, 15, 10) and deadline.tzinfo == BRUSSELS


START = bx(2026, 4, 14, 10)  # server target: Wednesday 2026-04-15 10:00


@pytest.mark.parametrize(
    ("waiting", "deadline"),
    [
        pytest.param([(bx(2026, 4, 14, 11), bx(2026, 4, 14, 12))], bx(2026, 4, 15, 11), id="one-hour"),
        pytest.param(
            [(bx(2026, 4, 14, 11), bx(2026, 4, 14, 12)), (bx(2026, 4, 14, 11, 30), bx(2026, 4, 14, 12))],
            bx(2026, 4, 15, 11),
            id="overlaps-count-once",
        ),
        pytest.param([(bx(2026, 4, 14, 11), bx(2026, 4, 14, 14))], bx(2026, 4, 15, 12), id="over-lunch-2h"),
        pytest.param([(bx(2026, 4, 14, 18), bx(2026, 4, 15, 8))], bx(2026, 4, 15, 10), id="night-no-shift"),
        pytest.param([(bx(2026, 4, 13, 9), bx(2026, 4, 14, 11))], bx(2026, 4, 15, 11), id="clipped-to-start"),
        pytest.param([(bx(2026, 4, 15, 9), bx(2026, 4, 16, 9))], bx(2026, 4, 16, 10), id="across-deadline"),
        pytest.param([(bx(2026, 4, 15, 10), bx(2026, 4, 16, 10))], bx(2026, 4, 15, 10), id="from-deadline"),
        pytest.param([(bx(2026, 4, 16, 9), bx(2026, 4, 16, 12))], bx(2026, 4, 15, 10), id="after-deadline"),
        pytest.param(
            [(bx(2026, 4, 14, 16), bx(2026, 4, 17, 9))], bx(2026, 4, 17, 11, 30), id="waits-into-friday"
        ),
        pytest.param(
            [(bx(2026, 4, 14, 10), bx(2026, 4, 14, 10))], bx(2026, 4, 15, 10), id="empty-interval"
        ),
    ],
)
def test_restore_deadline_skips_working_time_spent_waiting(
    waiting: list[tuple[datetime, datetime]], deadline: datetime
) -> None:
    assert restore_deadline(START, Tier.SERVER_DB, CAL, waiting) == deadline
    assert restore_met(START, deadline, Tier.SERVER_DB, CAL, waiting)


def test_restore_met_counts_working_time_only() -> None:
    waiting = [(bx(2026, 4, 14, 11), bx(2026, 4, 14, 12))]
    assert not restore_met(START, bx(2026, 4, 15, 10, 30), Tier.SERVER_DB, CAL)
    assert restore_met(START, bx(2026, 4, 15, 10, 30), Tier.SERVER_DB, CAL, waiting)
    assert restore_met(START, bx(2026, 4, 14, 11), Tier.SERVER_DB, CAL)
    # deadline Wednesday 12:00 reached at the end of the morning; lunch costs nothing
    lunch = bx(2026, 4, 14, 12, 30)
    assert restore_met(lunch, bx(2026, 4, 15, 12, 45), Tier.SERVER_DB, CAL)
    assert not restore_met(lunch, bx(2026, 4, 15, 13, 1), Tier.SERVER_DB, CAL)
    # deadline Tuesday 17:00: finishing in the evening is in time, Wednesday 08:31 is not
    opening = bx(2026, 4, 14, 8, 30)
    assert restore_met(opening, bx(2026, 4, 14, 21), Tier.SERVER_DB, CAL)
    assert not restore_met(opening, bx(2026, 4, 15, 8, 31), Tier.SERVER_DB, CAL)


def test_restore_refuses_naive_and_backward_inputs() -> None:
    with pytest.raises(ValueError, match="naive"):
        restore_deadline(datetime(2026, 4, 14, 10), Tier.SERVER_DB, CAL)
    with pytest.raises(ValueError, match="naive"):
        restore_deadline(START, Tier.SERVER_DB, CAL, [(datetime(2026, 4, 14, 11), bx(2026, 4, 14, 12))])
    with pytest.raises(ValueError, match="ends before it starts"):
        restore_deadline(START, Tier.SERVER_DB, CAL, [(bx(2026, 4, 14, 12), bx(2026, 4, 14, 11))])
    with pytest.raises(ValueError, match="before it was asked"):
        restore_met(START, START - M, Tier.SERVER_DB, CAL)
    with pytest.raises(ValueError, match="naive"):
        restore_met(START, datetime(2026, 4, 15, 10), Tier.SERVER_DB, CAL)


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@given(
    started=moments,
    tier=st.sampled_from(list(Tier)),
    waits=st.lists(
        st.tuples(st.integers(-2 * 24 * 60, 6 * 24 * 60), st.integers(0, 3 * 24 * 60)), max_size=4
    ),
)
@settings(max_examples=100, deadline=None)
def test_deadline_is_exactly_where_restore_met_turns_false(
    started: datetime, tier: Tier, waits: list[tuple[int, int]]
) -> None:
    waiting = [(started + k * M, started + (k + n) * M) for k, n in waits]
    deadline = restore_deadline(started, tier, CAL, waiting)
    assert deadline >= started
    assert restore_met(started, deadline, tier, CAL, waiting)
    later = CAL.add_working_time(deadline, M)
    if not any(a < later and deadline < b for a, b in waiting):
        assert not restore_met(started, later, tier, CAL, waiting)
    # waiting only ever moves the deadline later
    assert deadline >= restore_deadline(started, tier, CAL)
