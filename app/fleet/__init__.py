"""The fleet's master data every feature shares: lease contracts, plates and drivers, with their
CSV import and export, screens and CLI; features hear of changed contracts through a hook."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from app.services import Actor

#: Called with (client id, plates, actor) after contracts of those plates changed; returns how many
#: of the feature's records it looked at again.
ContractsChanged = Callable[[int, frozenset[str], "Actor"], int]
_KEY = "fleetdesk.contracts_changed"


def on_contracts_changed(app: Flask, callback: ContractsChanged) -> None:
    """Let a feature package act when contracts change (fines match the open fines of their plates again)."""
    app.extensions.setdefault(_KEY, []).append(callback)


def contracts_changed(plates: Iterable[tuple[int, str]], actor: Actor) -> int:
    """Tell every registered feature that the contracts of these (client, plate) pairs changed."""
    from flask import current_app

    by_client: dict[int, set[str]] = {}
    for client_id, plate in sorted(set(plates)):
        by_client.setdefault(client_id, set()).add(plate)
    return sum(callback(client_id, frozenset(client_plates), actor)
               for callback in current_app.extensions.get(_KEY, [])
               for client_id, client_plates in by_client.items())
