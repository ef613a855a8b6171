"""Backup tiers, when each one runs, what retention removes, and the restore targets.

Pure: the standard library and ``app.workcalendar`` only; the current time comes in as ``now``.

The SLA table (DOMAIN.md, "Backups")
------------------------------------
=============  ======================  ==========  ==========  ===========================
tier           what                    where       kept        runs
=============  ======================  ==========  ==========  ===========================
``server-db``  database                server      2 days      every workday
``dc-db``      database                datacenter  30 days     every workday
``dc-files``   files                   datacenter  30 days     every workday
``weekly-env`` server environment      datacenter  90 days     first workday of the week
=============  ======================  ==========  ==========  ===========================

Restore targets: from the server copy within 1 workday, from datacenter storage within 2.

When a tier is due
------------------
Only on workdays of the calendar. The weekly tier runs on the first workday of the ISO week
(Monday, or Tuesday when Monday is a holiday such as Easter Monday or Whit Monday, and so on); a
week without any workday has no weekly backup. The *business date* of a run is its local date on
the calendar's zone (Brussels), and a run is idempotent per tier and business date.

Is a tier current (``check_tiers``)
----------------------------------
A tier is current when its newest *verified* backup is of the latest business date on which the
tier was due: the last workday for the daily tiers, the current week's first workday for the
weekly one. The nightly run starts at 01:30, so today counts as due only from 06:00 (Brussels);
before that the previous due date is required. A tier with no verified backup at all, or with an
older one, raises the backups page's alarm.

Retention (``to_prune``)
------------------------
Applied by the caller after a successful run. Of the records of one tier:

- ``running`` records are never removed;
- ``complete`` records (finished, not yet verified) are never removed: verification must first
  turn them into ``verified`` or ``failed``;
- the newest ``verified`` record (latest business date, then latest ``finished_at``) is never
  removed, however old it is: a tier that stopped producing backups keeps its last good one;
- other ``verified`` records and ``failed`` records are removed once they are *older than the
  retention*: ``now - finished_at > keep`` (a record exactly ``keep`` old stays). A failed record
  without ``finished_at`` is aged from the end of its business date, taken as midnight UTC after
  it, which is never earlier than the end of that day in Brussels (so it errs on keeping).

Restore deadlines (``restore_deadline``, ``restore_met``)
---------------------------------------------------------
"Within N workdays" means: by the same point of the working day, N workdays later. Precisely:

1. The clock starts at ``s``, the first working moment at or after the request (a request on
   Saturday starts Monday 08:30; one during lunch starts at 13:00).
2. ``p`` is the working time already passed on ``s``'s day when the clock starts (0 at opening).
3. ``D`` is the N-th workday after ``s``'s day; the target moment is the instant at working
   position ``p`` into ``D``, or the end of ``D``'s working hours when ``D`` is shorter (Thursday
   16:30 plus one workday is Friday 16:00, closing time on Friday).
4. The *budget* is the working time from ``s`` to that moment: Tuesday 10:00 + 1 workday is
   Wednesday 10:00 (7.5 h of working time); Friday 14:00 + 1 workday is Monday 14:00 (6.5 h);
   Tuesday 08:30 + 1 workday is a full Tuesday (7.5 h).

The restore clock then counts working time from the start, except working time inside the
``waiting`` intervals (waiting for the client to say which version to restore; overlapping
intervals count once). The deadline is the *earliest* instant at which the clock has consumed the
budget, so a deadline reached at the end of a working interval is reported as that end (12:00, not
13:00; Tuesday 17:00, not Wednesday 08:30), like the SLA clocks in ``sla.desk.clock``. ``restore_met``
compares consumed working time with the budget, so a restore finished during the lunch break or
in the evening right after a deadline reached at 12:00 or 17:00 is still in time: no working time
passed beyond the deadline.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Literal, get_args

from app.workcalendar import WorkCalendar, require_aware, workdays_budget

__all__ = [
    "BACKUP_STATES",
    "POLICIES",
    "BackupRecord",
    "BackupState",
    "Tier",
    "TierCheck",
    "TierPolicy",
    "business_date",
    "check_tiers",
    "due_today",
    "required_business_date",
    "restore_deadline",
    "restore_met",
    "to_prune",
]

BackupState = Literal["running", "complete", "verified", "failed"]
BACKUP_STATES: Final[frozenset[str]] = frozenset(get_args(BackupState))

_ZERO: Final = timedelta(0)


class Tier(StrEnum):
    """A line of the SLA backup table; the value names it on disk and in backup ids."""

    SERVER_DB = "server-db"
    DC_DB = "dc-db"
    DC_FILES = "dc-files"
    WEEKLY_ENV = "weekly-env"


@dataclass(frozen=True)
class TierPolicy:
    """What a tier backs up, where it keeps it, for how long, and how fast it must restore."""

    tier: Tier
    what: Literal["database", "files", "environment"]
    storage: Literal["server", "datacenter"]
    keep: timedelta
    weekly: bool
    restore_within_workdays: int

    def __post_init__(self) -> None:
        if self.keep <= _ZERO:
            raise ValueError(f"{self.tier.value}: retention must be positive, not {self.keep}")
        if self.restore_within_workdays < 1:
            raise ValueError(
                f"{self.tier.value}: a restore target is at least one workday,"
                f" not {self.restore_within_workdays}"
            )


POLICIES: Final[Mapping[Tier, TierPolicy]] = MappingProxyType(
    {
        Tier.SERVER_DB: TierPolicy(
            Tier.SERVER_DB, "database", "server", timedelta(days=2), False, 1
        ),
        Tier.DC_DB: TierPolicy(Tier.DC_DB, "database", "datacenter", timedelta(days=30), False, 2),
        Tier.DC_FILES: TierPolicy(
            Tier.DC_FILES, "files", "datacenter", timedelta(days=30), False, 2
        ),
        Tier.WEEKLY_ENV: TierPolicy(
            Tier.WEEKLY_ENV, "environment", "datacenter", timedelta(days=90), True, 2
        ),
    }
)
"""The SLA backup table, one policy per tier."""


def _aware(t: datetime, name: str) -> datetime:
    """Return ``t``, refusing a naive datetime with a message naming the argument."""
    if not isinstance(t, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(t).__name__}")
    return require_aware(t, name)


# -- when a tier runs ------------------------------------------------------------------------------


def due_today(tier: Tier, day: date, calendar: WorkCalendar) -> bool:
    """Tell whether ``tier`` has a backup due on ``day``.

    Daily tiers run on every workday; the weekly tier on the first workday of the ISO week.
    """
    if not calendar.is_workday(day):
        return False
    if not POLICIES[tier].weekly:
        return True
    monday = day - timedelta(days=day.weekday())
    return not any(calendar.is_workday(monday + timedelta(days=k)) for k in range(day.weekday()))


def business_date(moment: datetime, calendar: WorkCalendar) -> date:
    """Return the local date (in the calendar's zone, Brussels) of a run at ``moment``."""
    return _aware(moment, "moment").astimezone(calendar.zone).date()


# -- is each tier current -----------------------------------------------------------------------

# The nightly run starts at 01:30 local time; from this hour on, today's backup is expected.
NIGHTLY_DONE_BY: Final = time(6, 0)


def required_business_date(tier: Tier, now: datetime, calendar: WorkCalendar) -> date | None:
    """Return the business date the tier's newest verified backup must have at ``now``.

    The latest day on which the tier was due, today included only after ``NIGHTLY_DONE_BY``;
    None when the tier was due on no day of the last five weeks (a calendar without workdays).
    """
    local = _aware(now, "now").astimezone(calendar.zone)
    day = local.date() if local.time() >= NIGHTLY_DONE_BY else local.date() - timedelta(days=1)
    for _ in range(35):
        if due_today(tier, day, calendar):
            return day
        day -= timedelta(days=1)
    return None


@dataclass(frozen=True)
class TierCheck:
    """Whether a tier has a verified backup as recent as its frequency demands."""

    tier: Tier
    required: date | None
    last_verified: date | None

    @property
    def ok(self) -> bool:
        if self.required is None:
            return True
        return self.last_verified is not None and self.last_verified >= self.required

    @property
    def never(self) -> bool:
        """No verified backup of this tier exists at all."""
        return self.last_verified is None


def check_tiers(records: Sequence[BackupRecord], now: datetime, calendar: WorkCalendar) -> list[TierCheck]:
    """Return one ``TierCheck`` per tier (in ``Tier`` order) for the backups in ``records``."""
    checks = []
    for tier in Tier:
        verified = [r.business_date for r in records if r.tier == tier and r.state == "verified"]
        checks.append(TierCheck(tier, required_business_date(tier, now, calendar), max(verified, default=None)))
    return checks


# -- retention ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupRecord:
    """What retention needs to know about one backup."""

    id: str
    tier: Tier
    business_date: date
    finished_at: datetime | None
    state: BackupState

    def __post_init__(self) -> None:
        if self.state not in BACKUP_STATES:
            raise ValueError(
                f"backup {self.id}: unknown state {self.state!r};"
                f" expected one of {sorted(BACKUP_STATES)}"
            )
        if self.finished_at is not None:
            _aware(self.finished_at, f"backup {self.id}: finished_at")
        elif self.state in ("complete", "verified"):
            raise ValueError(f"backup {self.id}: a {self.state} backup needs finished_at")


def _age_from(record: BackupRecord) -> datetime:
    """Return the instant a record's age is counted from (see the module docstring)."""
    if record.finished_at is not None:
        return record.finished_at
    return datetime.combine(record.business_date + timedelta(days=1), time(0), UTC)


def _recency(record: BackupRecord) -> tuple[date, datetime]:
    return (record.business_date, _age_from(record))


def to_prune(records: Sequence[BackupRecord], tier: Tier, now: datetime) -> list[BackupRecord]:
    """Return the records of ``tier`` that retention removes at ``now``, oldest first.

    Records of other tiers are ignored. Raises ``ValueError`` for a naive ``now`` or two records
    with the same id (a run is idempotent per tier and business date, so that is corruption).
    """
    _aware(now, "now")
    seen: set[str] = set()
    for record in records:
        if record.id in seen:
            raise ValueError(f"backup id {record.id!r} appears more than once")
        seen.add(record.id)
    keep = POLICIES[tier].keep
    mine = [record for record in records if record.tier == tier]
    verified = [record for record in mine if record.state == "verified"]
    newest = max(verified, key=_recency) if verified else None
    doomed = [
        record
        for record in mine
        if record.state in ("verified", "failed")
        and record is not newest
        and now - _age_from(record) > keep
    ]
    return sorted(doomed, key=lambda record: (_recency(record), record.id))


# -- restore targets ---------------------------------------------------------------------------


def _merged(
    waiting: Sequence[tuple[datetime, datetime]], after: datetime
) -> list[tuple[datetime, datetime]]:
    """Return the waiting intervals clipped to ``[after, ...)``, sorted and merged."""
    clipped: list[tuple[datetime, datetime]] = []
    for k, (start, end) in enumerate(waiting):
        _aware(start, f"waiting[{k}] start")
        _aware(end, f"waiting[{k}] end")
        if end < start:
            raise ValueError(
                f"waiting[{k}] ends before it starts: {start.isoformat()} .. {end.isoformat()}"
            )
        begins = max(start, after)
        if begins < end:
            clipped.append((begins, end))
    clipped.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _budget(started: datetime, tier: Tier, calendar: WorkCalendar) -> tuple[datetime, timedelta]:
    """Return the clock's first working moment and the working time the restore may take."""
    return workdays_budget(_aware(started, "started"), POLICIES[tier].restore_within_workdays, calendar)


def restore_deadline(
    started: datetime,
    tier: Tier,
    calendar: WorkCalendar,
    waiting: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """Return the moment a restore from ``tier`` asked for at ``started`` must be done by.

    The working time inside ``waiting`` intervals (waiting for the client's choice of version)
    does not count; see the module docstring for the rule. The result is in the calendar's zone.
    """
    begin, remaining = _budget(started, tier, calendar)
    position = begin
    for start, end in _merged(waiting, begin):
        if start >= calendar.add_working_time(position, remaining):
            break  # the budget is used up before this wait begins
        remaining -= calendar.working_time_between(position, start)
        position = end
    return calendar.add_working_time(position, remaining)


def restore_met(
    started: datetime,
    finished: datetime,
    tier: Tier,
    calendar: WorkCalendar,
    waiting: Sequence[tuple[datetime, datetime]] = (),
) -> bool:
    """Tell whether a restore asked for at ``started`` and done at ``finished`` met its target.

    Met when the working time from ``started`` to ``finished``, less the working time inside
    ``waiting``, is within the budget (so finishing at the deadline is met).
    """
    begin, budget = _budget(started, tier, calendar)
    if _aware(finished, "finished") < started:
        raise ValueError(
            f"a restore cannot finish ({finished.isoformat()}) before it was asked for"
            f" ({started.isoformat()})"
        )
    used = calendar.working_time_between(begin, max(begin, finished))
    for start, end in _merged(waiting, begin):
        if start >= finished:
            break
        used -= calendar.working_time_between(start, min(end, finished))
    return used <= budget
