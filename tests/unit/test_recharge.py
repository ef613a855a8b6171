"""The platform's recharge lines: one output for fines and assistance, the fines' columns kept first."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from app.recharge import RECHARGE_COLUMNS, RechargeLine, recharges_csv

FINES_COLUMNS = ("fine_id", "client_code", "contract_number", "lessee", "issuer", "notice_number", "plate",
                 "offence_at", "amount", "currency", "payment_reference", "due_date", "processed_on")


def _line(**changes: object) -> RechargeLine:
    values: dict[str, object] = dict(
        source="fine", source_id=7, client_code="ACME", contract_number="C-1", lessee="Jan Peeters",
        issuer="Politie Gent", notice_number="PV 1", plate="1-ABC-123", offence_at=datetime(2026, 3, 2, 14, 5),
        amount_cents=11600, currency="EUR", payment_reference=None, due_date=date(2026, 4, 1),
        processed_on=date(2026, 3, 10))
    values.update(changes)
    return RechargeLine(**values)  # type: ignore[arg-type]


def test_the_fines_columns_come_first_and_unchanged() -> None:
    assert RECHARGE_COLUMNS[:len(FINES_COLUMNS)] == FINES_COLUMNS


def test_a_fine_line_keeps_its_id_in_the_first_column() -> None:
    rows = list(csv.DictReader(io.StringIO(recharges_csv([_line()]))))
    assert rows[0]["fine_id"] == "7" and rows[0]["amount"] == "116.00"
    assert (rows[0]["source"], rows[0]["source_id"], rows[0]["item"], rows[0]["quantity"]) == ("fine", "7", "fine", "1")


def test_an_assistance_line_says_its_source_and_days() -> None:
    line = _line(source="assistance", source_id=3, issuer=None, notice_number=None, amount_cents=9000,
                 item="replacement_days_beyond", quantity=2)
    rows = list(csv.DictReader(io.StringIO(recharges_csv([line]))))
    assert line.fine_id is None
    assert rows[0]["fine_id"] == "" and rows[0]["source"] == "assistance" and rows[0]["source_id"] == "3"
    assert (rows[0]["item"], rows[0]["quantity"], rows[0]["amount"]) == ("replacement_days_beyond", "2", "90.00")


def test_an_unknown_source_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown recharge source"):
        _line(source="parking")
