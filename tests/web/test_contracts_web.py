"""Contracts in the browser and on the command line: edit, CSV import (all or nothing), export, isolation."""
from __future__ import annotations

import io
import json
from datetime import UTC
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests import pdfs, support

CSV = """client_code,contract_number,plate,driver,start_date,end_date,instruction,driver_address
ALPHA,AL-1,1-ABC-123,Jan Peeters,2026-01-01,2026-05-31,recharge,
ALPHA,AL-2,1ABC123,Marie Dubois,2026-06-01,,redirect,"Rue Haute 5, 1000 Bruxelles"
"""


def _contracts(app: Any, client_id: int) -> list[tuple[str, str, str]]:
    from app.extensions import db
    from app.fleet.models import Contract

    with app.app_context():
        return [(c.contract_number, c.plate, c.instruction) for c in db.session.scalars(
            sa.select(Contract).where(Contract.client_id == client_id).order_by(Contract.contract_number))]


def _import(client: Any, text: str) -> Any:
    page = client.get("/contracts/import")
    return client.post("/contracts/import", data={"csrf_token": support.csrf_token(page.get_data(as_text=True)),
                                                   "file": (io.BytesIO(text.encode()), "contracts.csv")},
                       content_type="multipart/form-data")


def test_client_user_imports_contracts_and_reimporting_changes_nothing(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    response = _import(client, CSV.replace("ALPHA,", ""))  # their own client: client_code may be absent...
    assert response.status_code == 422  # ...but not half of the header: the column is still announced
    response = _import(client, CSV)
    assert response.status_code == 200  # the result page
    assert _contracts(app, world.client_a) == [("AL-1", "1ABC123", "recharge"), ("AL-2", "1ABC123", "redirect")]
    page = client.get("/contracts/").get_data(as_text=True)
    assert "1-ABC-123" in page  # shown in national notation
    again = _import(client, CSV)
    assert again.status_code == 200
    assert "0 new, 0 changed, 2 unchanged" in again.get_data(as_text=True)


def test_a_file_with_bad_lines_is_refused_whole_with_line_numbers(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    bad = CSV + "ALPHA,AL-3,NOT A PLATE,X,2026-01-01,,redirect,\nALPHA,AL-4,2DEF456,Y,2026-13-01,,redirect,\n"
    response = _import(client, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page and ">4<" in page and ">5<" in page
    assert _contracts(app, world.client_a) == []


def test_a_client_user_cannot_import_into_another_client(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    response = _import(client, CSV.replace("ALPHA,AL-2", "BETA,AL-2"))
    assert response.status_code == 422
    assert _contracts(app, world.client_a) == [] and len(_contracts(app, world.client_b)) == 1  # only the seed


def test_export_holds_only_the_users_own_contracts_and_round_trips(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    _import(client, CSV)
    exported = client.get("/contracts/export.csv").get_data(as_text=True)
    assert "AL-1" in exported and "BETA-0001" not in exported
    again = _import(client, exported)
    assert again.status_code == 200
    assert "0 new, 0 changed, 2 unchanged" in again.get_data(as_text=True)


def test_adding_a_contract_in_the_browser_matches_the_waiting_fine(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from fines.models import Fine

    support.login(client, world.user_b)  # BETA's seeded fine: plate 1ABC123, no offence time yet
    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        from datetime import date, datetime
        fine.offence_at = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
        fine.letter_date = date(2026, 6, 15)
        db.session.commit()
    page = client.get("/contracts/new").get_data(as_text=True)
    response = client.post("/contracts/new", data={
        "csrf_token": support.csrf_token(page), "client_id": "0", "contract_number": "BE-77", "plate": "1-abc-123",
        "plate_country": "BE", "driver_name": "Bert", "driver_address": "Markt 1, 8000 Brugge",
        "start_date": "2026-01-01", "end_date": "", "instruction": "redirect"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        # The seeded fine was 'read' without a contract; the new contract brings it to ready.
        assert fine.contract is not None and fine.contract.contract_number == "BE-77" and fine.state == "ready"


def test_contracts_cli_import_is_all_or_nothing(app: Any, world: Any, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(CSV)
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "NOPE,X-1,1ABC123,Z,2026-01-01,,redirect,\n")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["contracts", "import", str(bad)])
    assert refused.exit_code == 1 and "line 4" in refused.output and "Nothing was imported" in refused.output
    assert _contracts(app, world.client_a) == []
    done = runner.invoke(args=["contracts", "import", str(good)])
    assert done.exit_code == 0 and "2 created" in done.output
    again = runner.invoke(args=["contracts", "import", str(good)])
    assert "0 created, 0 updated, 2 unchanged" in again.output


def test_ingest_json_reports_contract_and_deadlines(app: Any, world: Any, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    contracts = tmp_path / "c.csv"
    contracts.write_text(CSV)
    runner.invoke(args=["contracts", "import", str(contracts)])
    letter = tmp_path / "boete.pdf"
    letter.write_bytes(pdfs.text_pdf(pdfs.LETTER))  # offence 28/10/2026, letter 02/11/2026, due 02/12/2026
    result = runner.invoke(args=["fines", "ingest", "--client", "ALPHA", str(letter), "--json"])
    report = json.loads(result.output)
    assert report["state"] == "ready" and report["contract_number"] == "AL-2"
    assert report["designation_due"] == "2026-11-17" and report["deadline"] == "2026-11-17"
    assert report["payment_due"] == "2026-12-02" and report["cutoff"] == "2026-11-09"


def test_fine_exports_are_scoped_to_the_client(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    assert client.get(f"/fines/designations.csv?client={world.client_b:d}").get_data(as_text=True).count("\n") == 1
    assert client.get("/fines/recharges.csv").status_code == 200
    overview = client.get("/fines/overview")
    assert overview.status_code == 200 and "BETA" not in overview.get_data(as_text=True)


def test_fines_match_cli_matches_open_fines_again(app: Any, world: Any) -> None:
    """A contract loaded behind the screens' back: ``fleetdesk fines match`` catches the fines up."""
    from datetime import date, datetime

    from app.extensions import db
    from app.fleet.models import Contract
    from app.models import AuditEntry
    from fines.models import Fine

    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        fine.offence_at = datetime(2026, 10, 28, 9, tzinfo=UTC)
        fine.kind, fine.amount_cents = "immediate_collection", 5800
        fine.letter_date, fine.due_date = date(2026, 11, 2), date(2026, 12, 2)
        db.session.add(Contract(client_id=world.client_b, contract_number="B-9", plate="1ABC123", plate_country="BE",
                                driver_name="Bert", driver_address="Markt 1, 8000 Brugge", start_date=date(2026, 1, 1),
                                end_date=None, instruction="redirect"))
        db.session.commit()
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["fines", "match", "--client", "NOPE"])
    assert unknown.exit_code == 1 and "NOPE" in unknown.output
    done = runner.invoke(args=["fines", "match", "--client", "BETA"])
    assert done.exit_code == 0 and "1 open fine(s) matched again" in done.output, done.output
    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        assert fine.state == "ready" and fine.contract.contract_number == "B-9"
        assert (fine.designation_due, fine.deadline, fine.cutoff) == (date(2026, 11, 17), date(2026, 11, 17),
                                                                       date(2026, 11, 9))
        assert [e.to_state for e in fine.events][-2:] == ["matched", "ready"]
        audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "fines.matched_again")).one()
        assert audit.client_id == world.client_b and audit.details == {"fines": 1}
