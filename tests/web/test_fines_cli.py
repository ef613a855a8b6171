"""``fleetdesk fines ingest`` and ``fleetdesk fines parse``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests import pdfs

# Read fines are matched at once; without a contract for their plate they wait for information.
READ_STATES = ("read", "review", "matched", "waiting_info", "ready")


def test_ingest_reports_each_file_as_json(app: Any, world: Any, tmp_path: Path) -> None:
    letter = tmp_path / "boete.pdf"
    letter.write_bytes(pdfs.text_pdf(pdfs.LETTER))
    broken = tmp_path / "kapot.pdf"
    broken.write_bytes(pdfs.broken_pdf())
    result = app.test_cli_runner().invoke(args=["fines", "ingest", "--client", "ALPHA", str(letter), str(broken),
                                                "--json"])
    assert result.exit_code == 0, result.output
    first, second = [json.loads(line) for line in result.output.splitlines()]
    assert first["state"] in READ_STATES and first["notice_number"] == "AN.12.L3.123456/2026"
    assert first["offence_at"] == "2026-10-28T14:35:00+01:00" and first["amount_cents"] == 5800
    assert second["state"] == "quarantined" and second["reason_code"] == "unreadable" and second["reason"]


def test_ingest_refuses_an_unknown_client(app: Any, tmp_path: Path) -> None:
    letter = tmp_path / "boete.pdf"
    letter.write_bytes(pdfs.text_pdf(pdfs.LETTER))
    result = app.test_cli_runner().invoke(args=["fines", "ingest", "--client", "NOPE", str(letter)])
    assert result.exit_code == 1 and "no client with code" in result.output


def test_parse_prints_one_json_object_per_file(app: Any, tmp_path: Path) -> None:
    letter = tmp_path / "boete.pdf"
    letter.write_bytes(pdfs.text_pdf(pdfs.LETTER))
    result = app.test_cli_runner().invoke(args=["fines", "parse", str(letter), "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert set(record) >= {"file", "kind", "language", "issuer", "notice_number", "plate", "plate_country",
                           "offence_at", "letter_date", "due_date", "amount_cents", "currency", "payment_reference",
                           "addressee"}
    assert record["plate"] == "1ABC123" and record["plate_country"] == "BE"
    assert record["payment_reference"] == "090933755493"
