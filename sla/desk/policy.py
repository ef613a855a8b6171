"""The support SLA as a table: incident level and impact give a category, a category its targets.

Pure: the standard library only. Every duration is working time on the operator's calendar
(``app.workcalendar``); the clocks that measure it live in ``sla.desk.clock``.

The SLA writes its targets as strict bounds ("reaction < 30 min"). FleetDesk measures in
microseconds, so a reaction at exactly 30 working minutes is counted as met: the bound is read
as "within 30 minutes", which is what the operator promises clients in practice.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

__all__ = [
    "CATEGORIES",
    "IMPACTS",
    "LEVELS",
    "Impact",
    "Targets",
    "intervention_category",
    "targets",
]


class Impact(StrEnum):
    """How many of the client's users an incident touches."""

    ALL = "all"
    SUBSTANTIAL = "substantial"
    FEW = "few"


LEVELS: Final[tuple[int, ...]] = (4, 3, 2, 1)
"""The incident levels, most severe (4) first; their words are the desk's (``sla.desk.labels``)."""

IMPACTS: Final[tuple[Impact, ...]] = tuple(Impact)
"""The impacts, widest first; their words are the desk's (``sla.desk.labels``)."""

# impact -> category for levels 4, 3, 2, 1 (in that order, as in the SLA's table)
_MATRIX: Final[Mapping[Impact, tuple[int, int, int, int]]] = MappingProxyType(
    {
        Impact.ALL: (1, 2, 3, 4),
        Impact.SUBSTANTIAL: (2, 3, 4, 4),
        Impact.FEW: (3, 4, 4, 5),
    }
)


@dataclass(frozen=True)
class Targets:
    """What the SLA promises for one intervention category (all durations in working time)."""

    category: int
    reaction: timedelta
    intervention: timedelta
    escalate_after: timedelta | None  # unresolved this long in this category: escalate
    escalate_to: int | None
    status_every: timedelta | None  # None: status reports by appointment
    intervention_excludes_restore: bool  # time restoring data or a server does not count


_H = timedelta(hours=1)

_TARGETS: Final[Mapping[int, Targets]] = MappingProxyType(
    {
        1: Targets(1, timedelta(minutes=30), 6 * _H, None, None, 1 * _H, True),
        2: Targets(2, 1 * _H, 8 * _H, 2 * _H, 1, 2 * _H, False),
        3: Targets(3, 2 * _H, 16 * _H, 8 * _H, 2, 4 * _H, False),
        4: Targets(4, 4 * _H, 24 * _H, None, None, None, False),
        5: Targets(5, 8 * _H, 48 * _H, None, None, None, False),
    }
)

CATEGORIES: Final[tuple[int, ...]] = tuple(sorted(_TARGETS))
"""The intervention categories, most urgent (1) first."""


def intervention_category(level: int, impact: Impact | str) -> int:
    """Return the intervention category (1 most urgent .. 5) of an incident level and impact."""
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        raise ValueError(f"incident level must be 1, 2, 3 or 4, not {level!r}")
    try:
        known = Impact(impact)
    except ValueError:
        choices = ", ".join(repr(i.value) for i in Impact)
        raise ValueError(f"impact must be one of {choices}, not {impact!r}") from None
    return _MATRIX[known][4 - level]


def targets(category: int) -> Targets:
    """Return the SLA targets of an intervention category."""
    if isinstance(category, bool) or not isinstance(category, int) or category not in _TARGETS:
        raise ValueError(f"intervention category must be 1 to 5, not {category!r}")
    return _TARGETS[category]
