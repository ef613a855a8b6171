"""Admins manage clients and users in the browser; every change lands in the audit log."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests import support


def _db(app: Any) -> Any:
    from app.extensions import db

    return db


def test_admin_creates_a_client_with_its_intake_address(app: Any, client: Any, world: Any) -> None:
    from app.models import AuditEntry, Client

    support.login(client, world.admin)
    response = support.post_form(client, "/admin/clients/new", {"code": "gamma", "name": "Gamma Lease"})
    assert response.status_code == 302
    with app.app_context():
        gamma = _db(app).session.scalar(sa.select(Client).where(Client.code == "GAMMA"))
        assert gamma is not None and gamma.intake_address == "gamma@fines.fleetdesk.test"
        audit = _db(app).session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "client.created",
                                                                     AuditEntry.client_id == gamma.id))
        assert audit is not None and audit.actor_label == world.admin


def test_admin_sets_a_clients_language_of_mails_on_create_and_edit_and_the_client_page_shows_it(
        app: Any, client: Any, world: Any) -> None:
    from app.models import AuditEntry, Client

    support.login(client, world.admin)
    response = support.post_form(client, "/admin/clients/new", {"code": "gamma", "name": "Gamma", "locale": "fr"})
    assert response.status_code == 302
    with app.app_context():
        gamma = _db(app).session.scalar(sa.select(Client).where(Client.code == "GAMMA"))
        assert gamma.locale == "fr"
        gamma_id = gamma.id
    page = client.get(f"/clients/{gamma_id}").get_data(as_text=True)
    assert "Language of e-mails" in page and "Français" in page
    form = client.get(f"/admin/clients/{gamma_id}/edit").get_data(as_text=True)
    assert '<option selected value="fr">' in form or '<option value="fr" selected>' in form

    response = support.post_form(client, f"/admin/clients/{gamma_id}/edit",
                                 {"code": "GAMMA", "name": "Gamma", "intake_address": "gamma@fines.fleetdesk.test",
                                  "locale": "nl", "active": "y"})
    assert response.status_code == 302
    assert "Nederlands" in client.get(f"/clients/{gamma_id}").get_data(as_text=True)
    response = support.post_form(client, f"/admin/clients/{gamma_id}/edit",
                                 {"code": "GAMMA", "name": "Gamma", "intake_address": "gamma@fines.fleetdesk.test",
                                  "locale": "", "active": "y"})
    assert response.status_code == 302
    assert "Default language" in client.get(f"/clients/{gamma_id}").get_data(as_text=True)
    with app.app_context():
        assert _db(app).session.get(Client, gamma_id).locale is None
        changes = [e.details["changes"]["locale"] for e in _db(app).session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "client.updated", AuditEntry.client_id == gamma_id)
            .order_by(AuditEntry.id))]
        assert changes == [["fr", "nl"], ["nl", None]]


def test_a_language_outside_the_list_is_refused_on_the_client_form(client: Any, world: Any) -> None:
    support.login(client, world.admin)
    response = support.post_form(client, f"/admin/clients/{world.client_b}/edit",
                                 {"code": "BETA", "name": "Beta", "intake_address": "beta@fines.fleetdesk.test",
                                  "locale": "de", "active": "y"})
    assert response.status_code == 422


def test_duplicate_client_code_is_refused_on_the_form(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.admin)
    response = support.post_form(client, "/admin/clients/new", {"code": "ALPHA", "name": "Another"})
    assert response.status_code == 422
    assert "client code ALPHA is taken" in response.get_data(as_text=True)


def test_intake_address_taken_by_another_client_is_refused(client: Any, world: Any) -> None:
    support.login(client, world.admin)
    response = support.post_form(client, f"/admin/clients/{world.client_b}/edit",
                                 {"code": "BETA", "name": "Beta", "intake_address": "alpha@fines.fleetdesk.test",
                                  "active": "y"})
    assert response.status_code == 422
    assert "already another client" in response.get_data(as_text=True)


def test_admin_creates_a_client_user_who_can_then_log_in(app: Any, world: Any) -> None:
    admin = app.test_client()
    support.login(admin, world.admin)
    response = support.post_form(admin, "/admin/users/new", {
        "email": "Carla@Alpha.test", "name": "Carla", "role": "client", "client_id": str(world.client_a),
        "locale": "nl", "password": "a long enough passphrase"})
    assert response.status_code == 302
    carla = app.test_client()
    assert support.login(carla, "carla@alpha.test", "a long enough passphrase").status_code == 302
    assert "Alpha Lease NV" in carla.get("/").get_data(as_text=True)


def test_client_user_without_client_is_refused(client: Any, world: Any) -> None:
    support.login(client, world.admin)
    response = support.post_form(client, "/admin/users/new", {
        "email": "x@alpha.test", "name": "X", "role": "client", "client_id": "0", "locale": "",
        "password": "a long enough passphrase"})
    assert response.status_code == 422
    assert "belongs to a client" in response.get_data(as_text=True)


def test_short_password_is_refused(client: Any, world: Any) -> None:
    support.login(client, world.admin)
    response = support.post_form(client, "/admin/users/new", {
        "email": "y@op.test", "name": "Y", "role": "agent", "client_id": "0", "locale": "", "password": "short"})
    assert response.status_code == 422
    assert "at least 12 characters" in response.get_data(as_text=True)


def test_deactivating_a_user_ends_their_session(app: Any, world: Any) -> None:
    bert = app.test_client()
    support.login(bert, world.user_b)
    assert bert.get("/").status_code == 200
    admin = app.test_client()
    support.login(admin, world.admin)
    response = support.post_form(admin, f"/admin/users/{world.user_b_id}/edit", {
        "email": world.user_b, "name": "Bert", "role": "client", "client_id": str(world.client_b), "locale": ""})
    assert response.status_code == 302  # "active" unchecked
    assert bert.get("/").status_code == 302


def test_admin_cannot_demote_themselves(client: Any, world: Any) -> None:
    support.login(client, world.admin)
    response = support.post_form(client, f"/admin/users/{world.admin_id}/edit", {
        "email": world.admin, "name": "Admin", "role": "agent", "client_id": "0", "locale": "", "active": "y"})
    assert response.status_code == 422


def test_audit_log_lists_changes_and_filters_by_client(client: Any, world: Any) -> None:
    support.login(client, world.admin)
    page = client.get(f"/admin/audit?client={world.client_a}").get_data(as_text=True)
    assert "Client created" in page and "User created" in page and "anna@alpha.test" in page
    assert "client.created" not in page and "{&#34;" not in page  # words, not codes and JSON
    assert "bert@beta.test" not in page


def test_agents_do_not_administer(client: Any, world: Any) -> None:
    support.login(client, world.agent)
    assert client.get("/admin/clients").status_code == 404


def test_audit_log_names_a_features_codes_in_words(client: Any, world: Any) -> None:
    # The seeded incident was recorded with impact "few" and level 2: the log says what they mean.
    support.login(client, world.admin)
    page = client.get(f"/admin/audit?client={world.client_b}").get_data(as_text=True)
    assert "Incident reported" in page
    with client.application.app_context():
        from app.extensions import db
        from app.models import AuditEntry
        from app.services import Actor, record
        from sla.desk.models import Ticket

        ticket = db.session.get(Ticket, world.ticket_b_id)
        record(Actor("test"), "ticket.corrected", ticket, level=3, impact="all", reason="wider than reported")
        db.session.commit()
        assert db.session.query(AuditEntry).filter_by(action="ticket.corrected").count() == 1
    page = client.get(f"/admin/audit?client={world.client_b}").get_data(as_text=True)
    assert "All users" in page
    assert "Impact:</span> all<" not in page


def test_audit_log_says_why_a_fines_automatic_step_was_taken(client: Any, world: Any) -> None:
    with client.application.app_context():
        from app.extensions import db
        from app.services import Actor, record
        from fines.models import Fine

        record(Actor("agent@op.test"), "fine.state_changed", db.session.get(Fine, world.fine_b_id),
               from_state="waiting_info", to_state="matched", note=None,
               reasons=[{"code": "matched", "params": {"number": "R-1"}}])
        db.session.commit()
    support.login(client, world.admin)
    page = client.get(f"/admin/audit?client={world.client_b}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Pourquoi" in page and "contrat R-1" in page and "params" not in page
