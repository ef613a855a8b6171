"""The privacy requests register in the browser (test client) and on the command line: agents record, check,
extend and answer a request; the dashboard warns of deadlines; a restricted driver's fine is processed only
with the override and its reason; the person's export downloads as JSON; client users never see the register."""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from tests import support


def _request_id(response: Any) -> int:
    match = re.search(r"/privacy/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def test_an_agent_records_checks_extends_and_answers_a_request(app: Any, world: Any, clock: Any,
                                                               client: Any) -> None:
    support.login(client, world.agent)
    created = support.post_form(client, "/privacy/new", {
        "client_id": world.client_b, "kind": "access", "person": "Zoë Zeger", "contract_number": "BETA-0001",
        "received_on": "2026-10-20"})
    assert created.status_code == 302
    request_id = _request_id(created)
    page = client.get(f"/privacy/{request_id}").get_data(as_text=True)
    assert "Zoë Zeger" in page and "20 November 2026" in page and "BETA-0001" in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "1 request due within 7 days" in dashboard
    refused = support.post_form(client, f"/privacy/{request_id}/extend", {"reason": ""}, f"/privacy/{request_id}")
    assert refused.status_code == 422
    assert support.post_form(client, f"/privacy/{request_id}/extend", {"reason": "Archives to search"},
                             f"/privacy/{request_id}").status_code == 302
    assert "20 January 2027" in client.get(f"/privacy/{request_id}").get_data(as_text=True)
    assert support.post_form(client, f"/privacy/{request_id}/identity", {"method": "eID read at the desk"},
                             f"/privacy/{request_id}").status_code == 302
    exported = client.get(f"/privacy/{request_id}/export.json")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    assert json.loads(exported.data)["contracts"][0]["contract_number"] == "BETA-0001"
    assert support.post_form(client, f"/privacy/{request_id}/answer", {"outcome": "Export sent"},
                             f"/privacy/{request_id}").status_code == 302
    listing = client.get("/privacy/").get_data(as_text=True)
    assert f"/privacy/{request_id}" in listing and "answered" in listing
    assert "No request due within 7 days." in client.get("/").get_data(as_text=True)


def test_the_register_speaks_dutch_and_french(app: Any, world: Any, clock: Any, client: Any) -> None:
    support.login(client, world.agent)
    for lang, word in (("nl", "Privacyverzoeken"), ("fr", "Demandes relatives à la vie privée")):
        page = client.get("/privacy/", headers={"Accept-Language": lang}).get_data(as_text=True)
        assert word in page
        assert client.get("/privacy/new", headers={"Accept-Language": lang}).status_code == 200


def test_client_users_never_see_the_register(app: Any, world: Any, clock: Any, client: Any) -> None:
    support.login(client, world.user_b)
    assert client.get("/privacy/").status_code == 404  # staff pages do not exist for client users
    assert client.get("/privacy/new").status_code == 404
    assert "Privacy requests" not in client.get("/").get_data(as_text=True)


def test_a_restricted_drivers_fine_needs_the_override_with_a_reason(app: Any, world: Any, clock: Any,
                                                                    client: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry, Client
    from app.privacy import services
    from app.services import Actor
    from fines.models import Fine

    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        fine.contract_id, fine.state = world.contract_b_id, "ready"
        request = services.open_request(Actor("seed"), db.session.get(Client, world.client_b), "restriction",
                                        "Zoë Zeger", date(2026, 11, 10), fine.contract)
        services.restrict(Actor("seed"), request, datetime(2026, 11, 10, tzinfo=UTC))
        db.session.commit()
    support.login(client, world.agent)
    detail = client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    assert "restricted (privacy request)" in detail and "/designation.pdf" not in detail
    assert client.get(f"/fines/{world.fine_b_id}/designation.pdf").status_code == 409
    refused = support.post_form(client, f"/fines/{world.fine_b_id}/process", {}, f"/fines/{world.fine_b_id}")
    assert refused.status_code == 302
    assert "tick the override" in client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    support.post_form(client, f"/fines/{world.fine_b_id}/process",
                      {"override": "y", "override_reason": "Police asked for the driver"}, f"/fines/{world.fine_b_id}")
    with app.app_context():
        assert db.session.get(Fine, world.fine_b_id).state == "processed"
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.restriction_overridden"))
        assert entry is not None and entry.actor_label == world.agent


def test_the_export_command_writes_the_persons_json(app: Any, world: Any, clock: Any, tmp_path: Any) -> None:
    from app.extensions import db
    from app.fleet.models import Contract
    from app.models import Client
    from app.privacy import services
    from app.services import Actor

    with app.app_context():
        request = services.open_request(Actor("seed"), db.session.get(Client, world.client_b), "portability",
                                        "Zoë Zeger", date(2026, 11, 10), db.session.get(Contract, world.contract_b_id))
        db.session.commit()
        request_id = request.id
    out = tmp_path / "export.json"
    result = app.test_cli_runner().invoke(args=["privacy", "export", str(request_id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["contracts"][0]["driver_name"] == "Zoë Zeger"
    missing = app.test_cli_runner().invoke(args=["privacy", "export", "999"])
    assert missing.exit_code != 0 and "no privacy request 999" in missing.output
