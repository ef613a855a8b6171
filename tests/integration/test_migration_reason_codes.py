"""Migration 0008 turns the English sentences stored up to 0007 into codes and parameters, and back."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
MISSING = "contract K-1: missing the driver's name, the driver's postal address"
OVERLAP = "2 lease contracts for plate 1-ABC-123 overlap on 2026-05-27: A-1, A-2."
PROBLEMS = ["plate does not match BE pattern", "due_date missing", "page_unreadable:2", "implausible amount",
            "structured communication fails mod-97 check", "offence time missing"]

#: (fine id, state, reason_code, reason, duplicate_of_id, problems, match_reason)
FINES = [
    (1, "waiting_info", None, None, None, [], MISSING),
    (2, "waiting_info", None, None, None, [], OVERLAP),
    (3, "review", None, "; ".join(PROBLEMS), None, PROBLEMS, None),
    (4, "quarantined", "no_fine", "no_fine: no notice number, plate or amount found: this does not look like a fine",
     None, [], None),
    (5, "duplicate", None, "same issuer and notice number as fine 1", 1, [], None),
    (6, "waiting_info", None, None, None, [], "No lease contract for plate 1-ABC-123 on 2026-04-15."),
]
#: (event id, fine id, actor, from, to, note)
EVENTS = [
    (1, 1, "system", "read", "matched", "contract K-1"),
    (2, 1, "system", "matched", "waiting_info", MISSING),
    (3, 3, "intake", "received", "review", "; ".join(PROBLEMS)),
    (4, 4, "intake", "received", "quarantined", "no_fine: no notice number, plate or amount found"),
    (5, 5, "intake", "received", "duplicate", "same issuer and notice number as fine 1"),
    (6, 1, "agent@op.test", "ready", "processed", "redirected"),
    (7, 1, "agent@op.test", "waiting_info", "cancelled", "paid by the driver directly"),
    (8, 3, "agent@op.test", "review", "read", "plate missing on the scan, typed in"),
    (9, 6, "system", "matched", "ready", "information complete"),
]
#: (message id, status, reason)
MESSAGES = [
    (1, "triage", "no client has any of these addresses: a@x.test, b@x.test"),
    (2, "quarantined", "not_mail: no header line found"),
    (3, "quarantined", "message of 31 MB exceeds the 25 MB limit"),
    (4, "processed", "no PDF attached"),
    (5, "quarantined", "intake_error: RuntimeError"),
    (6, "processed", None),
]
AUDIT = {"from_state": "waiting_info", "to_state": "matched", "note": "contract R-1"}


def _old_rows(conn: Any) -> None:
    tables = sa.MetaData()
    tables.reflect(conn)
    t = tables.tables
    conn.execute(t["clients"].insert(), [{"id": 1, "code": "ALPHA", "name": "Alpha Lease NV",
                                          "intake_address": "alpha@fines.test", "active": True, "created_at": AT}])
    conn.execute(t["intake_messages"].insert(), [
        {"id": n, "client_id": 1, "source": "imap", "message_key": f"<{n}@x>", "recipients": [], "raw_path": f"m/{n}",
         "raw_sha256": f"{n:064d}", "size": 1, "status": status, "reason": reason, "refusals": [], "replies_sent": [],
         "received_at": AT} for n, status, reason in MESSAGES])
    conn.execute(t["fines"].insert(), [
        {"id": n, "message_id": 1, "client_id": 1, "message_key": "<1@x>", "pdf_path": f"p/{n}",
         "pdf_sha256": f"{n:064d}", "size": 1, "state": state, "reason_code": code, "reason": reason,
         "duplicate_of_id": original, "confidence": {}, "problems": problems, "match_reason": waits, "created_at": AT}
        for n, state, code, reason, original, problems, waits in FINES])
    conn.execute(t["fine_events"].insert(), [
        {"id": n, "fine_id": fine, "client_id": 1, "at": AT, "actor_label": actor, "from_state": source,
         "to_state": target, "note": note} for n, fine, actor, source, target, note in EVENTS])
    conn.execute(t["audit_log"].insert(), [
        {"id": 1, "at": AT, "actor_label": "agent@op.test", "action": "fine.state_changed", "object_type": "Fine",
         "object_id": "1", "client_id": 1, "details": AUDIT},
        {"id": 2, "at": AT, "actor_label": "agent@op.test", "action": "fine.corrected", "object_type": "Fine",
         "object_id": "1", "client_id": 1, "details": {"note": "contract K-1"}}])


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_database_at_0007_with_sentences_upgrades_to_codes_and_back(kind: str, tmp_path: Path) -> None:
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    with support.fresh_database(kind, str(tmp_path)) as url:
        app = create_app(support.test_config(url, str(tmp_path)))
        try:
            with app.app_context():
                upgrade(revision="0007_outbox")
                with db.engine.begin() as conn:
                    _old_rows(conn)
                before = _snapshot()
                upgrade()
                _check_codes()
                downgrade(revision="0007_outbox")
                assert _snapshot() == before
        finally:
            with app.app_context():
                db.engine.dispose()


def _snapshot() -> dict[str, Any]:
    """The old columns as 0007 holds them (what the downgrade must give back)."""
    from app.extensions import db

    with db.engine.connect() as conn:
        tables = sa.MetaData()
        tables.reflect(conn, only=["fines", "fine_events", "intake_messages", "audit_log"])
        t = tables.tables

        def rows(table: str, *names: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in conn.execute(sa.select(*(t[table].c[n] for n in ("id", *names)))
                                                   .order_by(t[table].c.id))]

        return {"fines": rows("fines", "reason_code", "reason", "problems", "match_reason"),
                "events": rows("fine_events", "note"), "messages": rows("intake_messages", "reason"),
                "audit": rows("audit_log", "details")}


def _check_codes() -> None:
    from app.extensions import db
    from app.models import AuditEntry
    from fines.models import Fine, FineEvent, IntakeMessage

    fines = {f.id: f for f in db.session.scalars(sa.select(Fine))}
    assert (fines[1].match_reason_code, fines[1].match_reason_params) == (
        "information_missing", {"number": "K-1", "missing": "driver_name,driver_address"})
    assert (fines[2].match_reason_code, fines[2].match_reason_params) == (
        "overlap", {"count": "2", "plate": "1-ABC-123", "day": "2026-05-27", "numbers": "A-1, A-2"})
    assert (fines[6].match_reason_code, fines[6].match_reason_params) == (
        "no_contract", {"plate": "1-ABC-123", "day": "2026-04-15"})
    assert fines[3].match_reason_code is None and fines[3].match_reason_params is None
    assert fines[3].problems == [
        {"code": "plate_pattern", "params": {"country": "BE"}}, {"code": "missing", "params": {"field": "due_date"}},
        {"code": "page_unreadable", "params": {"number": "2"}}, {"code": "implausible_amount", "params": {}},
        {"code": "reference_check", "params": {}}, {"code": "offence_time_missing", "params": {}}]
    assert fines[3].reason is None and fines[5].reason is None
    assert (fines[4].reason_code, fines[4].reason) == (
        "no_fine", "no notice number, plate or amount found: this does not look like a fine")

    events = {e.id: e for e in db.session.scalars(sa.select(FineEvent))}
    said = {n: (e.reasons, e.note) for n, e in events.items()}
    assert said[1] == ([{"code": "matched", "params": {"number": "K-1"}}], None)
    assert said[2] == ([{"code": "information_missing",
                         "params": {"number": "K-1", "missing": "driver_name,driver_address"}}], None)
    assert said[3] == (fines[3].problems, None)
    assert said[4] == ([{"code": "no_fine", "params": {"detail": "no notice number, plate or amount found"}}], None)
    assert said[5] == ([{"code": "duplicate_of", "params": {"id": "1"}}], None)
    assert said[6] == ([{"code": "redirected", "params": {}}], None)
    assert said[7] == ([], "paid by the driver directly")  # typed by a person: stays text
    assert said[8] == ([], "plate missing on the scan, typed in")
    assert said[9] == ([{"code": "complete", "params": {}}], None)

    messages = {m.id: (m.reason_code, m.reason) for m in db.session.scalars(sa.select(IntakeMessage))}
    assert messages == {1: ("no_client", "a@x.test, b@x.test"), 2: ("not_mail", "no header line found"),
                        3: ("message_too_large", "message of 31 MB exceeds the 25 MB limit"), 4: ("no_pdf", None),
                        5: ("intake_error", "RuntimeError"), 6: (None, None)}

    audit = {a.id: a.details for a in db.session.scalars(sa.select(AuditEntry))}
    assert audit[1] == {"from_state": "waiting_info", "to_state": "matched", "note": None,
                        "reasons": [{"code": "matched", "params": {"number": "R-1"}}]}
    assert audit[2] == {"note": "contract K-1"}  # a correction's note is what the agent typed
    db.session.rollback()
