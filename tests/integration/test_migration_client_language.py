"""Migration 0009 gives clients a language of mail in place: their users, fines and events stay, both ways.

``clients`` is the table every other one refers to; copying it (a batch rebuild) on SQLite with foreign
keys on drops it under its children (refused for a RESTRICT reference, rows lost for a CASCADE one). The
upgrade and the downgrade alter it in place, so the rows that refer to a client survive both.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CHILDREN = ("users", "intake_messages", "fines", "fine_events", "audit_log")


def _rows_at_0008(conn: Any) -> None:
    tables = sa.MetaData()
    tables.reflect(conn)
    t = tables.tables
    conn.execute(t["clients"].insert(), [
        {"id": 1, "code": "ALPHA", "name": "Alpha Lease NV", "intake_address": "alpha@fines.test", "active": True,
         "created_at": AT},
        {"id": 2, "code": "BETA", "name": "Beta Fleet BV", "intake_address": "beta@fines.test", "active": True,
         "created_at": AT}])
    conn.execute(t["users"].insert(), [
        {"id": n, "email": f"u{n}@alpha.test", "name": f"U{n}", "role": "client", "client_id": client,
         "password_hash": "x", "active": True, "locale": locale, "can_report_incidents": False,
         "session_generation": 0, "created_at": AT}
        for n, client, locale in ((1, 1, None), (2, 2, "nl"))])
    conn.execute(t["intake_messages"].insert(), [
        {"id": 1, "client_id": 2, "source": "imap", "message_key": "<1@x>", "recipients": [], "raw_path": "m/1",
         "raw_sha256": f"{1:064d}", "size": 1, "status": "processed", "refusals": [], "replies_sent": [],
         "received_at": AT}])
    conn.execute(t["fines"].insert(), [
        {"id": 1, "message_id": 1, "client_id": 2, "message_key": "<1@x>", "pdf_path": "p/1",
         "pdf_sha256": f"{1:064d}", "size": 1, "state": "waiting_info", "confidence": {}, "problems": [],
         "match_reason_code": "no_contract", "match_reason_params": {"plate": "1ABC123", "day": "2026-10-28"},
         "created_at": AT}])
    conn.execute(t["fine_events"].insert(), [
        {"id": 1, "fine_id": 1, "client_id": 2, "at": AT, "actor_label": "system", "from_state": "matched",
         "to_state": "waiting_info", "reasons": [{"code": "no_contract", "params": {}}]}])
    conn.execute(t["audit_log"].insert(), [
        {"id": 1, "at": AT, "actor_label": "admin@op.test", "action": "client.created", "object_type": "Client",
         "object_id": "2", "client_id": 2, "details": {"code": "BETA"}}])


def _counts() -> dict[str, int]:
    from app.extensions import db

    with db.engine.connect() as conn:
        return {table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("clients", *CHILDREN)}


def _client_columns() -> set[str]:
    from app.extensions import db

    return {c["name"] for c in sa.inspect(db.engine).get_columns("clients")}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_clients_get_a_language_in_place_and_lose_it_again_with_their_rows_intact(kind: str, tmp_path: Path) -> None:
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    with support.fresh_database(kind, str(tmp_path)) as url:
        app = create_app(support.test_config(url, str(tmp_path)))
        try:
            with app.app_context():
                upgrade(revision="0008_reason_codes")
                if kind == "sqlite":  # the danger is real only with foreign keys enforced, as the app runs
                    with db.engine.connect() as conn:
                        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar_one() == 1
                with db.engine.begin() as conn:
                    _rows_at_0008(conn)
                before = _counts()
                assert before == {"clients": 2, "users": 2, "intake_messages": 1, "fines": 1, "fine_events": 1,
                                  "audit_log": 1}
                assert "locale" not in _client_columns()

                upgrade(revision="0009_client_language")
                assert "locale" in _client_columns()
                assert _counts() == before
                with db.engine.begin() as conn:
                    assert conn.execute(sa.text("SELECT locale FROM clients ORDER BY id")).scalars().all() == [
                        None, None]
                    conn.execute(sa.text("UPDATE clients SET locale = 'fr' WHERE id = 2"))

                downgrade(revision="0008_reason_codes")
                assert "locale" not in _client_columns()
                assert _counts() == before
                with db.engine.connect() as conn:
                    fine = conn.execute(sa.text("SELECT client_id, state FROM fines")).one()
                    assert tuple(fine) == (2, "waiting_info")
                    assert conn.execute(sa.text("SELECT email, locale FROM users ORDER BY id")).all() == [
                        ("u1@alpha.test", None), ("u2@alpha.test", "nl")]
        finally:
            with app.app_context():
                db.engine.dispose()
