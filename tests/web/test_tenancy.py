"""Tenant isolation: a client user never reaches another client's objects, by any route."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

# How to fill each URL parameter with an object of client B. A route with a parameter missing
# here fails the walk below, so every new route is checked the day it is added.
ID_PARAMETERS = {
    "client_id": lambda w: w.client_b,
    "user_id": lambda w: w.user_b_id,
    "fine_id": lambda w: w.fine_b_id,
    "message_id": lambda w: w.message_b_id,
    "page": lambda w: 1,
    "contract_id": lambda w: w.contract_b_id,
    "ticket_id": lambda w: w.ticket_b_id,
    "outage_id": lambda w: 1,  # operator-wide; only staff may edit
    # Assistance: the world holds no assistance rows (a client's foreign case and cover are tested with real
    # rows in tests/web/test_assistance_views.py); providers are operator-wide and staff-only.
    "case_id": lambda w: 1,
    "cover_id": lambda w: 1,
    "provider_id": lambda w: 1,
    "request_id": lambda w: 1,  # privacy requests: staff-only
    # Under client B's ticket: refused for the ticket already (a foreign attachment with real rows is tested in
    # tests/web/test_support_attachments.py).
    "attachment_id": lambda w: 1,
}


def _id_routes(app: Any) -> list[Any]:
    return [rule for rule in app.url_map.iter_rules() if rule.arguments - {"filename"}]


def test_every_route_with_an_id_answers_404_for_another_clients_object(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    token = support.csrf_token(client.get("/account").get_data(as_text=True))
    walked = 0
    for rule in _id_routes(app):
        unknown = rule.arguments - set(ID_PARAMETERS)
        assert not unknown, f"{rule.rule}: add {unknown} to ID_PARAMETERS so isolation is tested"
        url = rule.rule
        for name in rule.arguments:
            value = str(ID_PARAMETERS[name](world))
            url = url.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            walked += 1
    assert walked >= 5


def test_client_user_sees_own_client_page(client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    assert client.get(f"/clients/{world.client_a}").status_code == 200


def test_agent_sees_every_client(client: Any, world: Any) -> None:
    support.login(client, world.agent)
    assert client.get(f"/clients/{world.client_a}").status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert "ALPHA" in page and "BETA" in page


def test_client_user_dashboard_does_not_mention_other_clients(client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    page = client.get("/").get_data(as_text=True)
    assert "Alpha Lease NV" in page and "Beta Fleet" not in page and "beta@" not in page


def test_scoped_session_hides_foreign_rows_in_queries_joins_and_counts(app: Any, world: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry, Client
    from app.tenancy import bind_tenant

    with app.app_context():
        bind_tenant(db.session, world.client_a)
        clients = db.session.scalars(sa.select(Client)).all()
        assert [c.id for c in clients] == [world.client_a]
        assert db.session.get(Client, world.client_b) is None
        entries = db.session.scalars(sa.select(AuditEntry)).all()
        assert entries and {e.client_id for e in entries} == {world.client_a}
        joined = db.session.execute(sa.select(AuditEntry.id, Client.code).join(Client)).all()
        assert {code for _id, code in joined} == {"ALPHA"}
        count = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).select_from(AuditEntry))
        assert count == len(entries)


def test_scoped_session_refuses_to_write_another_clients_rows(app: Any, world: Any) -> None:
    from app import services
    from app.extensions import db
    from app.models import AuditEntry
    from app.tenancy import TenantViolation, bind_tenant

    with app.app_context():
        bind_tenant(db.session, world.client_a)
        db.session.add(AuditEntry(actor_label="x", client_id=world.client_b, action="forged", details={}))
        with pytest.raises(TenantViolation):
            db.session.flush()
        db.session.rollback()
        services.record(services.Actor("x"), "fine", client_id=world.client_a)
        db.session.flush()  # its own client is fine
        db.session.rollback()


def test_staff_pages_are_hidden_from_client_users(client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    for url in ("/admin/clients", "/admin/users", "/admin/audit", "/admin/clients/new", "/admin/users/new"):
        assert client.get(url).status_code == 404, url
