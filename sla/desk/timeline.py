"""The events of one incident read into a timeline: validated, then turned into intervals and moments.

Pure: the standard library and the working calendar's guard against naive datetimes.
``sla.desk.clock`` measures its clocks on the timeline (its docstring says which sequences of events
make sense). Reading is a dispatch per event kind: each kind has one small handler in ``_HANDLERS``
that checks the event fits where it comes and records what it means.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Final

from app.workcalendar import require_aware

__all__ = ["EVENT_KINDS", "Interval", "Timeline", "check_aware", "merge", "read_events"]

# A stretch of time [start, end) that a clock does not count.
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Timeline:
    """The validated events of one incident, read into intervals and moments."""

    reported_at: datetime
    end: datetime  # resolved_at, or now while open
    reaction_at: datetime | None  # the first reaction event
    resolved_at: datetime | None  # the last resolution, unless reopened after it
    first_resolved_at: datetime | None  # the first resolution (a reaction when none came before)
    pauses: tuple[Interval, ...]  # waiting on the client, and resolved until reopened; merged
    resolutions: tuple[Interval, ...]  # resolved until reopened (also in ``pauses``)
    restores: tuple[Interval, ...]  # an open restore ends at ``end``
    status_reports: tuple[datetime, ...]  # after the reaction only
    paused: bool  # paused (waiting on the client) now
    restore_done_at: datetime | None = None  # a restore request's data restored (the first ``restore_done``)


@dataclass
class _Reading:
    """What the events read so far say: the moments found and the stretches opened and closed."""

    reaction_at: datetime | None = None
    resolved_at: datetime | None = None
    first_resolved_at: datetime | None = None
    pause_start: datetime | None = None
    restore_start: datetime | None = None
    pauses: list[Interval] = field(default_factory=list)
    restores: list[Interval] = field(default_factory=list)
    resolutions: list[Interval] = field(default_factory=list)
    reports: list[datetime] = field(default_factory=list)
    restore_done_at: datetime | None = None

    def end_pause(self, t: datetime) -> None:
        if self.pause_start is not None:
            self.pauses.append((self.pause_start, t))
            self.pause_start = None

    def end_restore(self, t: datetime) -> None:
        if self.restore_start is not None:
            self.restores.append((self.restore_start, t))
            self.restore_start = None


# -- one handler per event kind: (reading so far, the event's index, its moment) ---------------------


def _reopen(reading: _Reading, index: int, t: datetime) -> None:
    if reading.resolved_at is None:
        raise ValueError(f"event {index}: reopen while not resolved")
    reading.resolutions.append((reading.resolved_at, t))
    reading.resolved_at = None


def _reaction(reading: _Reading, index: int, t: datetime) -> None:
    if reading.reaction_at is None:  # later reactions are allowed and ignored
        reading.reaction_at = t


def _status_report(reading: _Reading, index: int, t: datetime) -> None:
    if reading.reaction_at is not None:  # reports before the reaction do not count
        reading.reports.append(t)


def _pause(reading: _Reading, index: int, t: datetime) -> None:
    if reading.pause_start is not None:
        raise ValueError(f"event {index}: pause while already paused")
    reading.pause_start = t


def _resume(reading: _Reading, index: int, t: datetime) -> None:
    if reading.pause_start is None:
        raise ValueError(f"event {index}: resume while not paused")
    reading.end_pause(t)


def _restore_start(reading: _Reading, index: int, t: datetime) -> None:
    if reading.restore_start is not None:
        raise ValueError(f"event {index}: restore_start while already restoring")
    reading.restore_start = t


def _restore_end(reading: _Reading, index: int, t: datetime) -> None:
    if reading.restore_start is None:
        raise ValueError(f"event {index}: restore_end without restore_start")
    reading.end_restore(t)


def _restore_done(reading: _Reading, index: int, t: datetime) -> None:
    if reading.restore_done_at is None:  # a later one (after a reopening) changes nothing for the clock
        reading.restore_done_at = t


def _resolved(reading: _Reading, index: int, t: datetime) -> None:
    # What was still open ends here.
    reading.resolved_at = t
    if reading.first_resolved_at is None:
        reading.first_resolved_at = t
    reading.end_pause(t)
    reading.end_restore(t)


_HANDLERS: Final[Mapping[str, Callable[[_Reading, int, datetime], None]]] = MappingProxyType(
    {
        "reaction": _reaction,
        "status_report": _status_report,
        "pause": _pause,
        "resume": _resume,
        # a restore request: the desk asks the client to choose a version (waiting on the client) and
        # the client answers; both pause and resume the clocks like ``pause`` and ``resume``
        "choice_asked": _pause,
        "choice_given": _resume,
        "restore_done": _restore_done,
        "restore_start": _restore_start,
        "restore_end": _restore_end,
        "resolved": _resolved,
        "reopen": _reopen,
    }
)

EVENT_KINDS: Final[frozenset[str]] = frozenset(_HANDLERS)
"""The event kinds the clocks read."""


# -- reading --------------------------------------------------------------------------------------


def check_aware(t: datetime, what: str) -> None:
    """Refuse anything but an aware datetime (``what`` names it in the message)."""
    if not isinstance(t, datetime):
        raise ValueError(f"{what} must be a datetime, not {type(t).__name__}")
    require_aware(t, what)


def _check_event(index: int, kind: str, t: datetime, reading: _Reading, bounds: tuple[datetime, datetime, datetime]
                 ) -> None:
    """Refuse an event of an unknown kind, a naive or misplaced moment, or any event but a reopening after
    a resolution."""
    reported_at, previous, now = bounds
    if kind not in _HANDLERS:
        raise ValueError(f"event {index}: unknown kind {kind!r}; known: {sorted(EVENT_KINDS)}")
    check_aware(t, f"event {index} ({kind})")
    if t < reported_at:
        raise ValueError(f"event {index} ({kind}) at {t.isoformat()} is before reported_at")
    if t < previous:
        raise ValueError(f"event {index} ({kind}) at {t.isoformat()} is out of time order")
    if t > now:
        raise ValueError(f"event {index} ({kind}) at {t.isoformat()} is after now")
    if reading.resolved_at is not None and kind != "reopen":
        raise ValueError(f"event {index} ({kind}) comes after the incident was resolved")


def read_events(reported_at: datetime, events: Sequence[tuple[str, datetime]], now: datetime) -> Timeline:
    """Validate the events (``(kind, aware datetime)`` in time order) and turn them into a timeline."""
    check_aware(reported_at, "reported_at")
    check_aware(now, "now")
    # Instants in UTC: two Brussels datetimes sharing one tzinfo compare and subtract by wall time,
    # which is wrong across the autumn fold (02:00+01:00 is after 02:01+02:00).
    reported_at, now = reported_at.astimezone(UTC), now.astimezone(UTC)
    events = [(kind, t.astimezone(UTC) if isinstance(t, datetime) and t.tzinfo is not None else t)
              for kind, t in events]
    if now < reported_at:
        raise ValueError(f"now ({now.isoformat()}) is before reported_at ({reported_at.isoformat()})")
    reading = _Reading()
    previous = reported_at
    for index, (kind, t) in enumerate(events):
        _check_event(index, kind, t, reading, (reported_at, previous, now))
        previous = t
        _HANDLERS[kind](reading, index, t)
    end = reading.resolved_at if reading.resolved_at is not None else now
    paused = reading.pause_start is not None and reading.resolved_at is None
    reading.end_pause(end)
    reading.end_restore(end)
    return Timeline(
        reported_at=reported_at,
        end=end,
        reaction_at=reading.reaction_at,
        resolved_at=reading.resolved_at,
        first_resolved_at=reading.first_resolved_at,
        pauses=merge(reading.pauses, reading.resolutions),
        resolutions=tuple(reading.resolutions),
        restores=tuple(reading.restores),
        status_reports=tuple(reading.reports),
        paused=paused,
        restore_done_at=reading.restore_done_at,
    )


def merge(*groups: Iterable[Interval]) -> tuple[Interval, ...]:
    """Return the union of intervals as sorted, disjoint, non-empty intervals."""
    merged: list[Interval] = []
    for start, end in sorted((i for group in groups for i in group), key=lambda i: i[0]):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)
