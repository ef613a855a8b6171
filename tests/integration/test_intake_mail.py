"""Odd and hostile e-mail through the whole intake: never stops, never loses a PDF, can be retried.

The collection in ``tests/fixtures/mail`` holds the shapes mail clients and servers really send
(forwarding formats, delivery reports, Outlook TNEF, malformed headers, BOM, mbox); its
``expected.json`` says, per message, the outcome and how many PDFs intake must find.
"""
from __future__ import annotations

import base64
import json
import resource
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from tests import pdfs
from tests.integration.test_intake import _ingest, _settings, mail

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
EXPECTED: dict[str, list[dict[str, Any]]] = json.loads((FIXTURES / "expected.json").read_text())
INTAKE = "alpha@fines.fleetdesk.test"
LETTER = pdfs.text_pdf(pdfs.LETTER)


@pytest.fixture(scope="module")
def sandbox() -> Any:
    from fines.intake.sandbox import PdfSandbox

    with PdfSandbox(timeout=60, memory_mb=1024) as box:
        yield box


def test_the_fixture_table_covers_every_fixture_file() -> None:
    files = {p.name for p in FIXTURES.iterdir() if p.suffix in (".eml", ".mbox")}
    assert files == set(EXPECTED) and len(files) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_fixture_has_its_expected_outcome_and_pdf_count(app: Any, world: Any, sandbox: Any, name: str) -> None:
    from fines.intake import services

    messages = services.messages_in_file(FIXTURES / name)
    assert len(messages) == len(EXPECTED[name])
    for number, (raw, expected) in enumerate(zip(messages, EXPECTED[name], strict=True), start=1):
        summary, result = _ingest(app, raw, sandbox)
        where = f"{name} #{number}"
        assert summary["status"] == expected["outcome"], (where, summary["reason"])
        assert result.pdfs == expected["pdfs"], where
        if expected.get("reason"):
            assert summary["reason_code"] == expected["reason"], (where, summary["reason_code"], summary["reason"])
        if expected["outcome"] == "processed":
            assert len({fine_id for fine_id, *_ in summary["fines"]}) == expected["pdfs"], where


def test_a_crlf_display_name_gets_its_fine_read_and_a_reply_to_the_bare_address(app: Any, world: Any,
                                                                                 sandbox: Any) -> None:
    raw = mail(sender="placeholder@evil.test", body="Waarom moet ik dit betalen?",
               attachments=[("boete.pdf", LETTER, "application/pdf")]).replace(
        b"From: placeholder@evil.test", b"From: =?utf-8?q?x=0D=0Ay?= <a@evil.test>")
    summary, result = _ingest(app, raw, sandbox)
    assert summary["status"] == "processed" and len(summary["fines"]) == 1
    assert [reply["To"] for _kind, reply in result.outgoing] == ["a@evil.test"]


def test_unlisted_recipients_group_routes_by_delivered_to(app: Any, world: Any, sandbox: Any) -> None:
    raw = mail(to="placeholder@elsewhere.test", extra={"Delivered-To": INTAKE},
               attachments=[("boete.pdf", LETTER, "application/pdf")]).replace(
        b"To: placeholder@elsewhere.test", b"To: unlisted-recipients:; (no To-header on input)")
    summary, _ = _ingest(app, raw, sandbox)
    assert summary["status"] == "processed" and summary["client_id"] == world.client_a


def test_header_bomb_is_quarantined_unparsed_quickly_and_in_little_memory(app: Any, world: Any, sandbox: Any) -> None:
    to = ", ".join(f"=?utf-8?b?{base64.b64encode(f'naam {i}'.encode()).decode()}?= <u{i}@x.test>" for i in range(2700))
    raw = (f"From: a@evil.test\r\nTo: {to}, {INTAKE}\r\nSubject: bomb\r\n\r\nbody\r\n").encode()
    assert len(raw) > 100_000
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        started = time.perf_counter()
        summary, _ = _ingest(app, raw, sandbox)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary["status"] == "quarantined" and summary["reason_code"] == "too_many_encoded_words"
    assert elapsed < 2 and peak < 50 * 1024 * 1024
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 50 * 1024  # kB
    assert (Path(app.config["DATA_DIR"]) / summary["raw_path"]).read_bytes() == raw


def test_bom_before_the_headers_is_not_refused_as_no_headers(app: Any, world: Any, sandbox: Any) -> None:
    summary, _ = _ingest(app, b"\xef\xbb\xbf" + mail(attachments=[("boete.pdf", LETTER, "application/pdf")]), sandbox)
    assert summary["status"] == "processed" and len(summary["fines"]) == 1


def test_a_parser_failure_quarantines_the_message_with_its_headers(app: Any, world: Any, sandbox: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from fines.intake import mime

    def broken(raw: bytes, limits: Any = None) -> Any:
        raise AttributeError("'Group' object has no attribute 'local_part'")

    monkeypatch.setattr(mime, "parse_mail", broken)
    summary, _ = _ingest(app, mail(attachments=[("boete.pdf", LETTER, "application/pdf")]), sandbox)
    assert (summary["status"], summary["reason_code"], summary["reason"]) == ("quarantined", "unparseable",
                                                                              "AttributeError")


def test_a_quarantined_message_is_read_again_after_the_fix_once(app: Any, world: Any, sandbox: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from app.extensions import db
    from app.models import AuditEntry
    from app.services import Actor
    from fines.intake import mime, services
    from fines.models import IntakeMessage

    original = mime.parse_mail
    monkeypatch.setattr(mime, "parse_mail", lambda raw, limits=None: (_ for _ in ()).throw(RuntimeError("bug")))
    summary, _ = _ingest(app, mail(attachments=[("boete.pdf", LETTER, "application/pdf")]), sandbox)
    assert summary["status"] == "quarantined"
    monkeypatch.setattr(mime, "parse_mail", original)  # the fix
    with app.app_context():
        message = db.session.get(IntakeMessage, summary["message_id"])
        first = services.retry_message(Actor("agent@op.test"), message, settings=_settings(app), sandbox=sandbox)
        db.session.commit()
        assert message.status == "processed" and message.client_id == world.client_a and len(first.fines) == 1
        again = services.retry_message(Actor("agent@op.test"), message, settings=_settings(app), sandbox=sandbox)
        db.session.commit()
        assert again.created is False and [f.id for f in again.fines] == [f.id for f in first.fines]
        actions = [a.action for a in db.session.query(AuditEntry).all()]
        assert actions.count("fines.message_retried") == 1
