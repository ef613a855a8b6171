"""SLA clocks of one incident, computed from its events on every read.

Pure: the standard library, ``app.workcalendar``, ``sla.desk.policy`` and ``sla.desk.timeline`` (which
reads and validates the events); the current time comes in as ``now``. Nothing here is a running
counter: every call replays the events, so correcting an event or a category never loses or doubles time.

The clocks
----------
All clocks count *active* time: working time on the calendar passed in, minus the time the
incident was paused (``pause`` .. ``resume``: waiting on the client). A due moment is the earliest
instant at which a clock has consumed its target, so a pause of X working time moves every running
due moment X of working time later. While an incident is paused its due moments are projected as
if it resumed ``now`` (they move later for as long as the pause lasts).

- Reaction: ``reported_at`` to the first ``reaction``. Resolving without any recorded reaction
  counts as the reaction at the resolution (the client hears from the operator then).
- Intervention: ``reported_at`` to ``resolved``. For category 1 the time between ``restore_start``
  and ``restore_end`` (restoring data or a server) does not count either; for other categories
  restore events change nothing.
- Reopening: a ``reopen`` after ``resolved`` takes the incident up again. The time between the
  resolution and the reopening counts for no clock (like a pause: nobody was working on a problem
  believed solved); the clocks run on from where they stood, so the intervention is judged at the
  last resolution on the active time of all open stretches together. The reaction stays as it
  was (a first resolution without a reaction still counts as the reaction), and the status
  report rhythm, too, runs on from where it stood. A pause or restore still open at a resolution ends there.
- Status reports: from the reaction until resolution a ``status_report`` is due every
  ``status_every`` of active time, counted from the later of the reaction and the last report.
  While no report comes the rhythm runs on from each due moment, and each due moment passed
  without a report is one missed report; a report (on time or late) restarts the rhythm.

Met, warning, breached
----------------------
The SLA's bounds are strict ("< 30 min"); here a clock stopped with exactly its target consumed is
*met*. Consequently a clock stopped after its due moment but with no more active time consumed
(the due moment is 12:00 and the reaction comes during lunch) is also met, and a clock is
*breached* only once active time has passed beyond its due moment. A clock is in *warning* from
75 % of its target consumed. Precedence of the states of an open clock: breached, then paused,
then warning, then running. ``met`` is ``None`` while the clock runs and is not breached, ``False``
as soon as it is breached (even while open) and ``True`` once stopped within its target.

Escalation
----------
A category with ``escalate_after`` that is still unresolved once that much active time has passed
*in that category* escalates to ``escalate_to`` at that moment: category 3 becomes 2 at reported +
8 h, and that category 2 becomes 1 at (its escalation moment) + 2 h. An incident resolved exactly
at the escalation moment does not escalate. On escalation at moment E to category C:

- intervention: the deadline becomes the earlier of the current one and ``reported_at`` + C's
  intervention target (measured as category C measures it: for category 1 without restore time);
- reaction: the original due moment is kept, except when the reaction had not happened by E, then
  the earlier of the current due and ``reported_at`` + C's reaction target applies;
- status reports: the next report is due at the earlier of the already due moment and E + C's
  rhythm, and the rhythm after that is C's.

Restore requests
----------------
A restore request (SLA 7.6) has one more clock, ``restore_status``: from the request until the first
``restore_done``, within 1 workday when restored from the server copy and 2 from datacenter storage,
"within N workdays" read as ``app.workcalendar.workdays_budget`` reads it (the same rule the backups'
drills are judged by). It counts active time like the others: the time waiting on the client, in
particular between ``choice_asked`` (the desk asks the client which version to restore) and
``choice_given`` (the client answers), which pause and resume every clock like ``pause`` and
``resume``, does not count. ``retention_state`` says whether the backup a request needs is about to
leave its retention (or has left it: SLA 7.2, the client reported too late).

Validation
----------
``sla_status`` and ``clock_segments`` raise ``ValueError`` for an unknown event kind, a naive
datetime, events out of time order, before ``reported_at`` or after ``now``, ``now`` before
``reported_at``, and sequences that make no sense (``pause`` while paused, ``resume`` while not
paused, the same for ``restore_start``/``restore_end``, two ``resolved`` without a ``reopen``
between them, any event but ``reopen`` after a resolution, or ``reopen`` while not resolved).
Later ``reaction`` events are allowed and ignored (the first counts); ``status_report`` events
before the reaction do not count towards the rhythm.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Final

from app.workcalendar import WorkCalendar, workdays_budget
from sla.desk.policy import Targets, intervention_category, targets
from sla.desk.timeline import EVENT_KINDS, Interval, Timeline, check_aware, merge, read_events

__all__ = [
    "EVENT_KINDS",
    "ClockState",
    "RestoreStatus",
    "RetentionState",
    "SlaStatus",
    "clock_segments",
    "restore_status",
    "retention_state",
    "sla_status",
]

_ZERO: Final = timedelta(0)


class ClockState(StrEnum):
    """Where one clock stands, for colouring and sorting the desk."""

    RUNNING = "running"
    PAUSED = "paused"
    WARNING = "warning"  # at least 75 % of the target consumed
    BREACHED = "breached"  # open and past its target
    MET = "met"  # stopped within its target
    MISSED = "missed"  # stopped past its target (or status reports were missed)
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class SlaStatus:
    """The SLA clocks of one incident at ``now``."""

    category: int  # in force now (after escalations)
    original_category: int
    escalated_at: datetime | None  # the last escalation moment
    escalations: tuple[tuple[datetime, int, int], ...]  # (moment, from category, to category)
    reaction_due: datetime
    reaction_at: datetime | None
    reaction_met: bool | None
    reaction_state: ClockState
    reaction_elapsed: timedelta  # active working time so far (or until the reaction)
    intervention_due: datetime
    resolved_at: datetime | None
    intervention_met: bool | None
    intervention_state: ClockState
    intervention_elapsed: timedelta  # as the deadline in force counts it
    next_status_report_due: datetime | None  # in the past while a report is overdue
    status_reports_missed: int
    status_state: ClockState
    paused: bool
    nearest_breach: datetime | None  # earliest due moment among running (open, unpaused) clocks


# -- active time arithmetic -------------------------------------------------------------------------


def _active_between(
    calendar: WorkCalendar, a: datetime, b: datetime, excluded: Sequence[Interval]
) -> timedelta:
    """Return the working time in ``[a, b)`` outside the (disjoint) excluded intervals."""
    if b <= a:
        return _ZERO
    total = calendar.working_time_between(a, b)
    for start, end in excluded:
        low, high = max(a, start), min(b, end)
        if low < high:
            total -= calendar.working_time_between(low, high)
    return total


def _add_active(
    calendar: WorkCalendar, t: datetime, amount: timedelta, excluded: Sequence[Interval]
) -> datetime:
    """Return the earliest ``u >= t`` with ``amount`` of active time in ``[t, u)``."""
    if not amount:
        return calendar.add_working_time(t, amount)
    cursor, remaining = t, amount
    for start, end in excluded:  # sorted and disjoint
        if end <= cursor:
            continue
        if start > cursor:
            candidate = calendar.add_working_time(cursor, remaining)
            if candidate <= start:
                return candidate
            # candidate > start means less than `remaining` fits before the exclusion
            remaining -= calendar.working_time_between(cursor, start)
        cursor = end
    return calendar.add_working_time(cursor, remaining)


def _late(
    calendar: WorkCalendar, due: datetime, t: datetime, excluded: Sequence[Interval]
) -> bool:
    """Tell whether a clock stopped (or read) at ``t`` has consumed active time beyond ``due``."""
    return t > due and _active_between(calendar, due, t, excluded) > _ZERO


@dataclass(frozen=True)
class _Deadline:
    """One candidate due moment of a clock, with the way that clock counts."""

    target: timedelta
    excluded: tuple[Interval, ...]
    due: datetime


def _deadline(
    calendar: WorkCalendar, start: datetime, target: timedelta, excluded: tuple[Interval, ...]
) -> _Deadline:
    return _Deadline(target, excluded, _add_active(calendar, start, target, excluded))


def _open_state(
    calendar: WorkCalendar, deadline: _Deadline, start: datetime, now: datetime, paused: bool
) -> tuple[ClockState, bool | None, timedelta]:
    """Return state, met and elapsed active time of a clock that is still running at ``now``."""
    elapsed = _active_between(calendar, start, now, deadline.excluded)
    if _late(calendar, deadline.due, now, deadline.excluded):
        return ClockState.BREACHED, False, elapsed
    if paused:
        return ClockState.PAUSED, None, elapsed
    if elapsed * 4 >= deadline.target * 3:
        return ClockState.WARNING, None, elapsed
    return ClockState.RUNNING, None, elapsed


def _stopped_state(
    calendar: WorkCalendar, deadline: _Deadline, start: datetime, stop: datetime
) -> tuple[ClockState, bool | None, timedelta]:
    """Return state, met and elapsed active time of a clock stopped at ``stop``."""
    elapsed = _active_between(calendar, start, stop, deadline.excluded)
    met = not _late(calendar, deadline.due, stop, deadline.excluded)
    return (ClockState.MET if met else ClockState.MISSED), met, elapsed


# -- the status ---------------------------------------------------------------------------------


def _escalations(
    calendar: WorkCalendar, timeline: Timeline, category: int
) -> list[tuple[datetime, int, int]]:
    """Return the escalations (moment, from, to) that happened before the end of the timeline."""
    found: list[tuple[datetime, int, int]] = []
    since = timeline.reported_at
    current = targets(category)
    while current.escalate_after is not None and current.escalate_to is not None:
        moment = _add_active(calendar, since, current.escalate_after, timeline.pauses)
        if not timeline.end > moment:
            break
        found.append((moment, current.category, current.escalate_to))
        since, current = moment, targets(current.escalate_to)
    return found


def _intervention_excluded(timeline: Timeline, policy: Targets) -> tuple[Interval, ...]:
    if policy.intervention_excludes_restore:
        return merge(timeline.pauses, timeline.restores)
    return merge(timeline.pauses)


def _status_period(
    reaction: datetime | None, original: Targets, escalations: Sequence[tuple[datetime, int, int]]
) -> timedelta | None:
    """Return the status report rhythm in force at the reaction (None: no reaction yet, or by appointment)."""
    if reaction is None:
        return None
    period = original.status_every
    for moment, _, category in escalations:
        if moment <= reaction:
            period = targets(category).status_every
    return period


def _catch_up(
    calendar: WorkCalendar, due: datetime, until: datetime, period: timedelta, pauses: Sequence[Interval]
) -> tuple[datetime, int]:
    """Return the next due moment and the reports missed between ``due`` and ``until``."""
    # Reports due at due, due + period, ... (in active time) are missed while active time
    # runs past them before ``until``: count them by division, not by stepping.
    if until <= due:
        return due, 0
    active = _active_between(calendar, due, until, pauses)
    if active <= _ZERO:
        return due, 0
    count = -((-active) // period)
    return _add_active(calendar, due, period * count, pauses), count


def _status_clock(
    calendar: WorkCalendar,
    timeline: Timeline,
    original: Targets,
    escalations: Sequence[tuple[datetime, int, int]],
) -> tuple[datetime | None, int, ClockState]:
    """Return the next (or overdue) status report moment, the reports missed and the state."""
    reaction = timeline.reaction_at
    period = _status_period(reaction, original, escalations)
    if reaction is None or period is None:
        return None, 0, ClockState.NOT_APPLICABLE
    pauses = timeline.pauses
    due = _add_active(calendar, reaction, period, pauses)
    missed = 0

    def catch_up(due: datetime, until: datetime, period: timedelta) -> tuple[datetime, int]:
        return _catch_up(calendar, due, until, period, pauses)

    # Escalations sort before reports at the same moment, so such a report uses the new rhythm.
    steps: list[tuple[datetime, int, int | None]] = [
        (moment, 0, to) for moment, _, to in escalations if moment > reaction
    ]
    steps += [(t, 1, None) for t in timeline.status_reports]
    for t, _order, escalate_to in sorted(steps, key=lambda step: (step[0], step[1])):
        due, count = catch_up(due, t, period)
        missed += count
        if escalate_to is None:  # a report restarts the rhythm
            due = _add_active(calendar, t, period, pauses)
        else:
            escalated_period = targets(escalate_to).status_every
            assert escalated_period is not None  # escalation only reaches reporting categories
            period = escalated_period
            due = min(due, _add_active(calendar, t, period, pauses))
    pending = due
    due, count = catch_up(due, timeline.end, period)
    missed += count
    if timeline.resolved_at is not None:
        return None, missed, ClockState.MISSED if missed else ClockState.MET
    if count:
        return pending, missed, ClockState.BREACHED
    if timeline.paused:
        return due, missed, ClockState.PAUSED
    remaining = _active_between(calendar, timeline.end, due, pauses)
    if remaining * 4 <= period:
        return due, missed, ClockState.WARNING
    return due, missed, ClockState.RUNNING


def sla_status(
    level: int,
    impact: str,
    reported_at: datetime,
    events: Sequence[tuple[str, datetime]],
    now: datetime,
    calendar: WorkCalendar,
) -> SlaStatus:
    """Return the SLA clocks of an incident at ``now``, replayed from its events.

    ``events`` are ``(kind, aware datetime)`` pairs in time order, kinds in ``EVENT_KINDS``.
    """
    original = intervention_category(level, impact)
    timeline = read_events(reported_at, events, now)
    policy = targets(original)
    escalations = _escalations(calendar, timeline, original)
    category = escalations[-1][2] if escalations else original
    pauses = merge(timeline.pauses)

    # Reaction: resolving without a reaction counts as reacting then.
    reaction_at = timeline.reaction_at or timeline.first_resolved_at
    reaction = _deadline(calendar, reported_at, policy.reaction, pauses)
    for moment, _, to in escalations:
        if reaction_at is None or reaction_at > moment:
            candidate = _deadline(calendar, reported_at, targets(to).reaction, pauses)
            if candidate.due < reaction.due:
                reaction = candidate
    if reaction_at is not None:
        reaction_state, reaction_met, reaction_elapsed = _stopped_state(
            calendar, reaction, reported_at, reaction_at
        )
    else:
        reaction_state, reaction_met, reaction_elapsed = _open_state(
            calendar, reaction, reported_at, now, timeline.paused
        )

    # Intervention: the earliest of the deadlines of the categories the incident went through.
    intervention = _deadline(
        calendar, reported_at, policy.intervention, _intervention_excluded(timeline, policy)
    )
    for _, _, to in escalations:
        escalated = targets(to)
        candidate = _deadline(
            calendar,
            reported_at,
            escalated.intervention,
            _intervention_excluded(timeline, escalated),
        )
        if candidate.due < intervention.due:
            intervention = candidate
    if timeline.resolved_at is not None:
        intervention_state, intervention_met, intervention_elapsed = _stopped_state(
            calendar, intervention, reported_at, timeline.resolved_at
        )
    else:
        intervention_state, intervention_met, intervention_elapsed = _open_state(
            calendar, intervention, reported_at, now, timeline.paused
        )

    status_due, missed, status_state = _status_clock(
        calendar, timeline, policy, escalations
    )

    running: list[datetime] = []
    if timeline.resolved_at is None and not timeline.paused:
        running.append(intervention.due)
        if reaction_at is None:
            running.append(reaction.due)
        if status_due is not None:
            running.append(status_due)

    return SlaStatus(
        category=category,
        original_category=original,
        escalated_at=escalations[-1][0] if escalations else None,
        escalations=tuple(escalations),
        reaction_due=reaction.due,
        reaction_at=reaction_at,
        reaction_met=reaction_met,
        reaction_state=reaction_state,
        reaction_elapsed=reaction_elapsed,
        intervention_due=intervention.due,
        resolved_at=timeline.resolved_at,
        intervention_met=intervention_met,
        intervention_state=intervention_state,
        intervention_elapsed=intervention_elapsed,
        next_status_report_due=status_due,
        status_reports_missed=missed,
        status_state=status_state,
        paused=timeline.paused,
        nearest_breach=min(running) if running else None,
    )


# -- the restore clock -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreStatus:
    """The restore clock of one restore request at ``now``."""

    workdays: int  # the target: 1 from the server copy, 2 from datacenter storage
    started_at: datetime  # the first working moment at or after the request
    budget: timedelta  # the working time ``workdays`` allow from ``started_at``
    due: datetime
    done_at: datetime | None
    met: bool | None  # None while running (and not breached) or when resolved without a restore
    state: ClockState
    elapsed: timedelta  # active working time so far (or until the restore)
    waiting: timedelta  # working time spent waiting on the client (not counted)
    paused: bool


def restore_status(
    reported_at: datetime,
    events: Sequence[tuple[str, datetime]],
    now: datetime,
    calendar: WorkCalendar,
    workdays: int,
) -> RestoreStatus:
    """Return the restore clock of a restore request at ``now``, replayed from its events."""
    timeline = read_events(reported_at, events, now)
    begin, budget = workdays_budget(reported_at, workdays, calendar)
    pauses = merge(timeline.pauses)
    deadline = _Deadline(budget, pauses, _add_active(calendar, begin, budget, pauses))
    stop = timeline.restore_done_at
    if stop is not None:
        state, met, elapsed = _stopped_state(calendar, deadline, begin, stop)
    elif timeline.resolved_at is not None:  # resolved without restoring: no restore to judge
        stop = timeline.resolved_at
        elapsed = _active_between(calendar, begin, stop, pauses)
        state, met = ClockState.NOT_APPLICABLE, None
    else:
        stop = now
        state, met, elapsed = _open_state(calendar, deadline, begin, now, timeline.paused)
    waiting = calendar.working_time_between(begin, max(begin, stop)) - elapsed
    return RestoreStatus(
        workdays=workdays,
        started_at=begin,
        budget=budget,
        due=deadline.due,
        done_at=timeline.restore_done_at,
        met=met,
        state=state,
        elapsed=elapsed,
        waiting=waiting,
        paused=timeline.paused and timeline.restore_done_at is None,
    )


class RetentionState(StrEnum):
    """Whether the backup a restore request needs is still kept (SLA 7.2)."""

    KEPT = "kept"
    LEAVING = "leaving"  # leaves its retention within the warning's workdays
    GONE = "gone"  # has left its retention: the client reported too late
    NONE = "none"  # no verified backup from at or before the moment asked for is kept


def retention_state(
    expires_at: datetime | None, now: datetime, calendar: WorkCalendar, *, warn_workdays: int = 2
) -> RetentionState:
    """Say whether a backup leaving its retention at ``expires_at`` (None: there is none) can still serve.

    ``LEAVING`` when it expires on or before the ``warn_workdays``-th workday after today (on the
    calendar's zone), ``GONE`` once ``expires_at`` has passed.
    """
    if expires_at is None:
        return RetentionState.NONE
    check_aware(expires_at, "expires_at")
    check_aware(now, "now")
    if expires_at <= now:
        return RetentionState.GONE
    today = now.astimezone(calendar.zone).date()
    if expires_at.astimezone(calendar.zone).date() <= calendar.add_workdays(today, warn_workdays):
        return RetentionState.LEAVING
    return RetentionState.KEPT


# -- timelines for the ticket page -------------------------------------------------------------


def clock_segments(
    reported_at: datetime,
    events: Sequence[tuple[str, datetime]],
    now: datetime,
    calendar: WorkCalendar,
    *,
    restore_excluded: bool = True,
) -> list[tuple[str, datetime, datetime, str]]:
    """Return ``(clock, start, end, kind)`` pieces of working time for drawing each clock.

    Clocks are ``"reaction"`` (reported to reaction), ``"intervention"`` (reported to
    resolution) and ``"status"`` (reaction to resolution); kinds are ``"running"``, ``"paused"``,
    ``"resolved"`` (resolved until reopened) and, for the intervention clock, ``"excluded"``
    (restoring; pass ``restore_excluded=False``
    for a category whose intervention clock counts restore time). Only working time is listed,
    one piece per working interval and kind, in time order per clock; open clocks end at ``now``.
    """
    timeline = read_events(reported_at, events, now)
    reaction_at = timeline.reaction_at or timeline.first_resolved_at
    spans: list[tuple[str, datetime, datetime, tuple[Interval, ...]]] = [
        ("reaction", reported_at, reaction_at or now, ()),
        ("intervention", reported_at, timeline.end, timeline.restores if restore_excluded else ()),
    ]
    if timeline.reaction_at is not None:
        spans.append(("status", timeline.reaction_at, timeline.end, ()))
    pauses = merge(timeline.pauses)
    result: list[tuple[str, datetime, datetime, str]] = []
    for clock, start, stop, excluded in spans:
        # Cut points: where a resolution, a pause or an exclusion starts or ends; a resolution
        # wins over a pause, a pause over an exclusion.
        marks = sorted(
            {start, stop}
            | {
                t
                for interval in (*timeline.resolutions, *pauses, *excluded)
                for t in interval
                if start < t < stop
            }
        )
        for a, b in pairwise(marks):
            if any(s <= a and b <= e for s, e in timeline.resolutions):
                kind = "resolved"
            elif any(s <= a and b <= e for s, e in pauses):
                kind = "paused"
            elif any(s <= a and b <= e for s, e in excluded):
                kind = "excluded"
            else:
                kind = "running"
            for low, high in calendar.working_intervals(a, b):
                result.append((clock, low, high, kind))
    return result
