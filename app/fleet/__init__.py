"""The fleet's master data every feature shares: lease contracts, plates and drivers, with their
CSV import and export, screens and CLI; features hear of changed contracts through a hook."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from app.services import Actor

#: How many records of each kind (matched, still waiting) a report keeps to show; the totals count them all.
SHOWN = 50


@dataclass(frozen=True)
class Rematched:
    """One record a feature matched again after contracts changed, as plain values (a fine: its id and state).

    ``reason_code`` and ``reason_params`` say why it still waits (None: it is matched and complete);
    ``contract`` is the number of the contract it is matched to, if any.
    """

    feature: str
    id: int
    state: str
    reason_code: str | None = None
    reason_params: Mapping[str, Any] = field(default_factory=dict)
    contract: str | None = None

    @property
    def waiting(self) -> bool:
        return self.reason_code is not None


@dataclass(frozen=True)
class RematchReport:
    """What the features did after contracts changed: how many records they looked at, how many became
    complete and how many still wait, and the first ``SHOWN`` of each (``records``)."""

    looked_at: int = 0
    matched: int = 0
    waiting: int = 0
    records: tuple[Rematched, ...] = ()

    @property
    def matched_records(self) -> list[Rematched]:
        return [r for r in self.records if not r.waiting]

    @property
    def waiting_records(self) -> list[Rematched]:
        return [r for r in self.records if r.waiting]

    def __add__(self, other: RematchReport) -> RematchReport:
        matched = (self.matched_records + other.matched_records)[:SHOWN]
        waiting = (self.waiting_records + other.waiting_records)[:SHOWN]
        return RematchReport(self.looked_at + other.looked_at, self.matched + other.matched,
                             self.waiting + other.waiting, tuple(matched + waiting))


class RematchCollector:
    """Build a ``RematchReport`` record by record, keeping only the first ``SHOWN`` of each kind."""

    def __init__(self, limit: int = SHOWN) -> None:
        self.limit = limit
        self.matched = self.waiting = 0
        self.records: list[Rematched] = []

    def add(self, record: Rematched) -> None:
        """Count one record (keep it when fewer than ``limit`` of its kind are kept)."""
        if self.count(record.waiting):
            self.records.append(record)

    def count(self, waiting: bool) -> bool:
        """Count one record of a kind; tell whether it is to be kept (a caller then builds it: ``keep``)."""
        if waiting:
            self.waiting += 1
            return self.waiting <= self.limit
        self.matched += 1
        return self.matched <= self.limit

    def keep(self, record: Rematched) -> None:
        """Keep a record already counted."""
        self.records.append(record)

    def report(self, looked_at: int) -> RematchReport:
        return RematchReport(looked_at, self.matched, self.waiting, tuple(self.records))


#: Called with (client id, plates, actor) after contracts of those plates changed; returns what the
#: feature looked at again (``RematchReport``).
ContractsChanged = Callable[[int, frozenset[str], "Actor"], RematchReport]
_KEY = "fleetdesk.contracts_changed"
_WORDS_KEY = "fleetdesk.rematch_words"


@dataclass(frozen=True)
class RematchWords:
    """How a feature names its records on the contract screens (the platform may not import features).

    ``title(id)`` ("Fine 12"), ``state(code)`` and ``reason(code, params)`` in the reader's language,
    ``url(id)`` the record's page.
    """

    title: Callable[[int], str]
    state: Callable[[str], str]
    reason: Callable[[str | None, Mapping[str, Any]], str]
    url: Callable[[int], str]


def on_contracts_changed(app: Flask, callback: ContractsChanged) -> None:
    """Let a feature package act when contracts change (fines match the open fines of their plates again)."""
    app.extensions.setdefault(_KEY, []).append(callback)


def on_rematch_words(app: Flask, feature: str, words: RematchWords) -> None:
    """Let a feature say its rematched records' words (``Rematched.feature`` names it)."""
    app.extensions.setdefault(_WORDS_KEY, {})[feature] = words


def rematch_words(feature: str) -> RematchWords | None:
    """The words a feature registered for its rematched records, or None."""
    from flask import current_app

    words: RematchWords | None = current_app.extensions.get(_WORDS_KEY, {}).get(feature)
    return words


def contracts_changed(plates: Iterable[tuple[int, str]], actor: Actor) -> RematchReport:
    """Tell every registered feature that the contracts of these (client, plate) pairs changed."""
    from flask import current_app

    by_client: dict[int, set[str]] = {}
    for client_id, plate in sorted(set(plates)):
        by_client.setdefault(client_id, set()).add(plate)
    total = RematchReport()
    for callback in current_app.extensions.get(_KEY, []):
        for client_id, client_plates in by_client.items():
            total = total + callback(client_id, frozenset(client_plates), actor)
    return total
