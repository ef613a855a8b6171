"""Every CSV export is safe to open in a spreadsheet: no cell runs as a formula."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests import support

DRIVER = "=cmd|' /C calc'!A0"
ISSUER = "+SUM(1)"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture()
def hostile_fines(app: Any, world: Any, clock: Any) -> Any:
    """A redirected fine and a recharged fine of client B whose driver and issuer are formulas."""
    from app.extensions import db
    from app.fleet.models import Contract
    from fines.models import Fine

    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        contract = db.session.get(Contract, world.contract_b_id)
        contract.driver_name = DRIVER
        contract.driver_address = "@SUM(A1)"
        fine.contract_id = contract.id
        fine.state = "ready"
        fine.issuer = ISSUER
        fine.designation_due = date(2026, 12, 1)
        fine.amount_cents = -1250  # a credit note: a real negative number stays a number
        fine.outcome = "recharged"
        fine.processed_at = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
        db.session.commit()
    return world


def test_the_designations_export_neutralises_formulas(client: Any, hostile_fines: Any) -> None:
    support.login(client, hostile_fines.agent)
    response = client.get("/fines/designations.csv")
    assert response.status_code == 200
    row = _rows(response.get_data(as_text=True))[0]
    assert row["driver_name"] == "'" + DRIVER
    assert row["issuer"] == "'" + ISSUER
    assert row["driver_address"] == "'@SUM(A1)"


def test_the_recharges_export_neutralises_formulas_but_keeps_negative_amounts(client: Any,
                                                                             hostile_fines: Any) -> None:
    support.login(client, hostile_fines.user_b)
    response = client.get("/fines/recharges.csv?from=2026-11-01&to=2026-11-30")
    assert response.status_code == 200
    row = _rows(response.get_data(as_text=True))[0]
    assert row["lessee"] == "'" + DRIVER
    assert row["issuer"] == "'" + ISSUER
    assert row["amount"] == "-12.50"


def test_the_contracts_export_neutralises_and_imports_again(app: Any, client: Any, hostile_fines: Any) -> None:
    support.login(client, hostile_fines.user_b)
    text = client.get("/contracts/export.csv").get_data(as_text=True)
    row = _rows(text)[0]
    assert row["driver"] == "'" + DRIVER
    from app.fleet.contracts_csv import parse_contracts_csv

    parsed = parse_contracts_csv(text, default_client_code="BETA", known_client_codes={"BETA"},
                                 allowed_client_codes={"BETA"})
    assert parsed.errors == [] and parsed.rows[0].driver == DRIVER


def test_the_sla_report_export_goes_through_the_shared_writer(client: Any, hostile_fines: Any) -> None:
    support.login(client, hostile_fines.agent)
    response = client.get("/support/reports.csv?month=2026-11")
    assert response.status_code == 200
    header = response.get_data(as_text=True).splitlines()[0]
    assert header.startswith("scope,category,incidents")
