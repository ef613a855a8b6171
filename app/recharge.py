"""Recharge lines: costs the lessor pays and invoices on to the lessee, and their CSV.

Pure: values in, text out. Every feature that recharges writes the same lines through the same output
(a fine paid by the lessor; the replacement-vehicle days of an assistance case beyond its entitlement),
so the invoicing side reads one format. A line says where it comes from (``source`` and ``source_id``);
the CSV's first thirteen columns are the ones the fines' recharge file always had (``fine_id`` is empty
for a line that is not a fine's), the later ones were added at the end.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from app.csvout import write_csv

__all__ = ["RECHARGE_COLUMNS", "SOURCES", "RechargeLine", "recharges_csv"]

#: Where a recharge line comes from.
SOURCES: tuple[str, ...] = ("fine", "assistance")


@dataclass(frozen=True)
class RechargeLine:
    """One cost paid by the lessor and invoiced on to the lessee.

    ``offence_at`` is the moment of the event (a fine's offence, an assistance case's breakdown), in
    Brussels local time; ``item`` says what is recharged (``fine``, ``replacement_days_beyond``) and
    ``quantity`` how many (days beyond the entitlement; 1 for a fine).
    """

    source: str
    source_id: int
    client_code: str
    contract_number: str
    lessee: str
    issuer: str | None
    notice_number: str | None
    plate: str
    offence_at: datetime | None
    amount_cents: int
    currency: str
    payment_reference: str | None
    due_date: date | None
    processed_on: date
    item: str = "fine"
    quantity: int = 1

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown recharge source {self.source!r}")

    @property
    def fine_id(self) -> int | None:
        """The fine's id for a fine's line, else ``None`` (the CSV's historical first column)."""
        return self.source_id if self.source == "fine" else None


RECHARGE_COLUMNS: tuple[str, ...] = (
    "fine_id", "client_code", "contract_number", "lessee", "issuer", "notice_number", "plate", "offence_at", "amount",
    "currency", "payment_reference", "due_date", "processed_on",
    # Added at the end, so readers of the fines' file keep working.
    "source", "source_id", "item", "quantity")


def recharges_csv(lines: Iterable[RechargeLine]) -> str:
    """Recharge lines for a client and period.

    Amounts are in the currency's units with two decimals; a credit stays negative.
    """
    return write_csv(RECHARGE_COLUMNS, (
        [r.fine_id, r.client_code, r.contract_number, r.lessee, r.issuer, r.notice_number, r.plate,
         r.offence_at.isoformat() if r.offence_at else None, f"{r.amount_cents / 100:.2f}", r.currency,
         r.payment_reference, r.due_date.isoformat() if r.due_date else None, r.processed_on.isoformat(),
         r.source, r.source_id, r.item, r.quantity]
        for r in lines), numeric=("amount",))
