"""The values of an assistance check: a cover's terms, the vehicle, the case and what a verdict says.

Pure: standard library only. Findings are a code, the seed reference and string parameters (dates in
ISO form); words are chosen at display (``assistance.labels``). Amounts are integer cents.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

__all__ = [
    "EFFECTS",
    "Body",
    "Cap",
    "CaseFacts",
    "Cause",
    "CoverTerms",
    "Deadline",
    "Exclusion",
    "Finding",
    "Formula",
    "Product",
    "Replacement",
    "VehicleFacts",
    "Verdict",
    "finding",
]


class Product(StrEnum):
    """An insurer's assistance product; each has its rules table (``assistance.rules.RULES``)."""

    OPTIMCO = "optimco"  # seed 002: Optimco travel assistance with replacement car (Europ Assistance)
    AG_TOP_MOBILITY = "ag-top-mobility"  # seed 003: AG Insurance Top Mobility & Travel Assist


class Formula(StrEnum):
    """The formulas of seed 003 (Introduction): how many vehicles the cover names."""

    ONE_VEHICLE = "one-vehicle"
    TWO_VEHICLES = "two-vehicles"
    ALL_VEHICLES = "all-vehicles"


class Cause(StrEnum):
    """What immobilised the vehicle."""

    BREAKDOWN = "breakdown"
    ACCIDENT = "accident"
    VANDALISM = "vandalism"
    THEFT = "theft"
    FIRE = "fire"


class Body(StrEnum):
    """The vehicle's body, as far as it decides the replacement vehicle (003 IV.2 a)."""

    CAR = "car"
    MONOSPACE = "monospace"
    MINIBUS = "minibus"
    MOTORHOME = "motorhome"
    VAN = "van"


class Exclusion(StrEnum):
    """Facts of a case that the conditions exclude."""

    MAINTENANCE = "maintenance"  # immobilised for maintenance (002 7.1.4)
    REPEATED_DEFECT = "repeated_defect"  # a third identical defect within 12 months (002 7.1.5)
    RACE = "race"  # motor races, rallies (002 7.1.2; 003 XII.1)
    ALCOHOL = "alcohol"  # blood alcohol above 1.5 g/l (002 7.1.24; 003 XII.1)


Effect = Literal["excludes", "withholds", "grants", "note"]
#: What a finding does: ``excludes`` takes the case out of the cover, ``withholds`` refuses one
#: entitlement, ``grants`` gives one, ``note`` only informs.
EFFECTS: tuple[str, ...] = ("excludes", "withholds", "grants", "note")

Unit = Literal["days", "workdays"]


@dataclass(frozen=True)
class CoverTerms:
    """An assistance cover as the policy states it.

    ``start`` is the start date in the particular conditions; ``end`` the date the cover ends at
    00:00 (002 8.4: that day is no longer covered); ``premium_paid`` the day the insurer received
    the premium; ``signed`` the day the policy was signed (002 8.3's waiting period).
    """

    product: Product
    formula: Formula | None
    upgrade: bool
    start: date
    premium_paid: date | None
    signed: date | None
    end: date | None = None


@dataclass(frozen=True)
class VehicleFacts:
    """The immobilised vehicle: plate, country of registration (ISO alpha-2), maximum authorised mass."""

    plate: str
    registered: str
    max_mass_kg: int | None
    body: Body = Body.CAR


@dataclass(frozen=True)
class CaseFacts:
    """What happened: cause, moment (aware), place and the facts the conditions ask about.

    ``country`` is an ISO 3166-1 alpha-2 code, or an ISO 3166-2 subdivision code where the territory
    depends on it (``ES-CN`` the Canary Islands, ``PT-20`` the Azores, ``TR-34`` Istanbul; see
    ``assistance.rules.place_of``). ``trip_started`` is the day the stay abroad began.
    """

    cause: Cause
    at: datetime
    country: str
    assistance_called_at_once: bool
    police_tow: bool
    helper_arrived_at: datetime | None
    immobilised_until: datetime | None
    repairable_within_3_workdays: bool | None
    exclusions: frozenset[Exclusion] = frozenset()
    trip_started: date | None = None


def _frozen(params: Mapping[str, object]) -> Mapping[str, str]:
    return MappingProxyType({str(k): v.isoformat() if isinstance(v, date) else str(v) for k, v in params.items()})


@dataclass(frozen=True)
class Finding:
    """One reason of a verdict: ``code`` (``assistance.labels`` words it), seed ``ref``, ``params``, ``effect``."""

    code: str
    ref: str
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    effect: Effect = "note"

    def __post_init__(self) -> None:
        if self.effect not in EFFECTS:
            raise ValueError(f"unknown effect {self.effect!r}")
        object.__setattr__(self, "params", _frozen(self.params))

    def __hash__(self) -> int:
        return hash((self.code, self.ref, tuple(sorted(self.params.items())), self.effect))

    def as_json(self, text: Callable[[Finding], str]) -> dict[str, object]:
        """The finding as the CLI prints it: code, ref, text, effect, params."""
        return {"code": self.code, "ref": self.ref, "text": text(self), "effect": self.effect,
                "params": dict(self.params)}


def finding(code: str, ref: str, params: Mapping[str, object], effect: Effect = "note") -> Finding:
    """A finding whose parameters may be numbers or dates: they are stored as strings (dates ISO)."""
    return Finding(code, ref, _frozen(params), effect)


@dataclass(frozen=True)
class Replacement:
    """The replacement vehicle a case is entitled to.

    ``return_by`` is the last day of the entitlement counted from the start day (the start day is
    day 1; workdays on the Belgian working calendar).
    """

    category: str
    max_days: int
    unit: Unit
    ref: str
    return_by: date | None = None

    def as_json(self) -> dict[str, object]:
        """``{"category", "max_days", "unit", "return_by", "ref"}``."""
        return {"category": self.category, "max_days": self.max_days, "unit": self.unit,
                "return_by": self.return_by.isoformat() if self.return_by else None, "ref": self.ref}


@dataclass(frozen=True)
class Cap:
    """A ceiling on one cost item: an amount (cents) and/or a count (days, nights), per unit."""

    item: str
    max_cents: int | None
    max_count: int | None
    per: str | None
    ref: str

    def as_json(self) -> dict[str, object]:
        """``{"item", "max_cents", "max_count", "per", "ref"}``."""
        return {"item": self.item, "max_cents": self.max_cents, "max_count": self.max_count, "per": self.per,
                "ref": self.ref}


@dataclass(frozen=True)
class Deadline:
    """Something due by an instant (aware, UTC)."""

    code: str
    due: datetime
    ref: str

    def as_json(self) -> dict[str, object]:
        """``{"code", "due", "ref"}`` with ``due`` in ISO 8601 UTC."""
        return {"code": self.code, "due": self.due.isoformat(), "ref": self.ref}


@dataclass(frozen=True)
class Verdict:
    """Whether a case falls under its cover, why, and what it gives, caps and requires by when."""

    covered: bool
    reasons: tuple[Finding, ...]
    replacement: Replacement | None
    alternatives: tuple[Cap, ...]
    caps: tuple[Cap, ...]
    deadlines: tuple[Deadline, ...]

    def cap(self, item: str) -> Cap | None:
        """The cap on ``item`` (among the caps, then the alternatives), if any."""
        return next((c for c in (*self.caps, *self.alternatives) if c.item == item), None)

    def codes(self) -> tuple[str, ...]:
        """The reasons' codes, in order."""
        return tuple(f.code for f in self.reasons)

    def as_json(self, text: Callable[[Finding], str]) -> dict[str, object]:
        """The verdict in the CLI's contract (see docs/assistance.md); ``text`` words a finding."""
        replacement: dict[str, object] | None = self.replacement.as_json() if self.replacement else None
        return {
            "covered": self.covered,
            "reasons": [f.as_json(text) for f in self.reasons],
            "replacement_vehicle": replacement,
            "caps": [c.as_json() for c in self.caps],
            "alternatives": [c.as_json() for c in self.alternatives],
            "deadlines": [d.as_json() for d in self.deadlines],
        }
