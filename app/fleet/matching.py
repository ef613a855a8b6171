"""Find the lease contract a plate belongs to on a day: the one for its plate on that day.

Pure: standard library, ``app.fleet.plates`` and ``app.reasons`` only. Every feature matches by this
one rule (a fine on the day of the offence, an assistance case on the day of the breakdown).

Belgian plates belong to the holder, not the car: one plate moves between vehicles and contracts
over time, so the plate alone never identifies a contract; the offence date does. A contract covers
``start_date`` to ``end_date``, both days included; no ``end_date`` means it is still running.
Plates are compared in their compact form (letters and digits, upper case, after
``normalise_plate``), so ``1-abc-123`` finds a contract stored as ``1ABC123``.

Why no contract could be chosen is a ``Reason`` (a code and its parameters, the day in ISO form),
stored on the feature's record and said in the reader's language by its labels (``fines.web.labels``);
the client then fixes their contracts.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from app.fleet.plates import format_plate, normalise_plate
from app.reasons import Reason

__all__ = ["MATCH_CODES", "ContractPeriod", "MatchResult", "match_contract", "overlaps", "plate_key", "shown_plate"]


class ContractPeriod(NamedTuple):
    """One lease contract as matching sees it: which plate, from when to when (both included).

    A named tuple (immutable, and built at C speed: the batch matcher makes one per contract row).
    """

    id: int
    contract_number: str
    plate: str
    start_date: date
    end_date: date | None

    def covers(self, day: date) -> bool:
        """Tell whether the contract runs on ``day``."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True)
class MatchResult:
    """The contract found, or why none could be chosen."""

    contract: ContractPeriod | None
    reason: Reason | None


#: Why no contract could be chosen, with the parameters of each code: ``no_plate`` {day},
#: ``no_contract`` {plate, day}, ``overlap`` {count, plate, day, numbers} (the features' labels say them).
MATCH_CODES: tuple[str, ...] = ("no_plate", "no_contract", "overlap")


def _clean(raw: str) -> str:
    return "".join(char for char in raw.upper() if char.isalnum())


@lru_cache(maxsize=65536)
def plate_key(raw: str, country: str | None = None) -> str:
    """Return the compact form a plate is compared on (``1-abc-123`` → ``1ABC123``); cached, it is hot."""
    if raw.isalnum() and raw == raw.upper():
        return raw  # already compact: how plates are stored
    plate = normalise_plate(raw, country)
    return plate.text if plate is not None else _clean(raw)


def shown_plate(raw: str, country: str | None = None) -> str:
    """Return the plate in its national notation when it normalises, else as given."""
    plate = normalise_plate(raw, country)
    return format_plate(plate) if plate is not None else raw.strip()


def match_contract(
    candidates: Sequence[ContractPeriod],
    plate: str,
    offence_date: date,
    *,
    country: str | None = None,
) -> MatchResult:
    """Pick the one contract for ``plate`` that runs on ``offence_date``.

    ``candidates`` may hold contracts of other plates and periods (they are filtered out); pass one
    client's contracts only. ``country`` is the plate's country when the letter says it.
    """
    if isinstance(offence_date, datetime):
        raise TypeError("offence_date must be the Brussels-local date of the offence, not a datetime")
    key = plate_key(plate, country)
    if not key:
        return MatchResult(None, Reason("no_plate", {"day": offence_date.isoformat()}))
    found = [c for c in candidates if c.covers(offence_date) and plate_key(c.plate) == key]
    if len(found) == 1:
        return MatchResult(found[0], None)
    when = offence_date.isoformat()
    shown = shown_plate(plate, country)
    if not found:
        return MatchResult(None, Reason("no_contract", {"plate": shown, "day": when}))
    if len(found) > 1:
        numbers = ", ".join(sorted(c.contract_number for c in found))
        return MatchResult(None, Reason("overlap", {"count": str(len(found)), "plate": shown, "day": when,
                                                    "numbers": numbers}))
    return MatchResult(found[0], None)


def overlaps(periods: Iterable[ContractPeriod]) -> list[tuple[ContractPeriod, ContractPeriod]]:
    """Return every pair of contracts for the same plate whose periods share at least one day.

    Pass one client's contracts. Each pair comes once, the earlier-starting contract first; pairs
    are ordered by plate, then by start date.
    """
    by_plate: dict[str, list[ContractPeriod]] = defaultdict(list)
    for period in periods:
        by_plate[plate_key(period.plate)].append(period)
    pairs: list[tuple[ContractPeriod, ContractPeriod]] = []
    for key in sorted(by_plate):
        running: list[ContractPeriod] = []
        for period in sorted(by_plate[key], key=lambda p: (p.start_date, p.contract_number, p.id)):
            # Contracts that ended before this one starts cannot overlap it or any later one.
            running = [p for p in running if p.end_date is None or p.end_date >= period.start_date]
            pairs.extend((earlier, period) for earlier in running)
            running.append(period)
    return pairs
