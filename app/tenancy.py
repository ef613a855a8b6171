"""Tenant isolation as a mechanism: a client user's session only ever sees their client's rows.

``bind_tenant(session, client_id)`` is called once per request for a client user. From then on:
- every ORM SELECT, UPDATE and DELETE in that session gets ``client_id = :tenant`` on every
  ``TenantScoped`` entity (and ``id = :tenant`` on ``Client``), including joins and
  relationship loads, so a foreign object simply does not exist (404);
- a flush that would write a ``TenantScoped`` row of another client raises ``TenantViolation``.

Staff (agents, admins), the CLI and the scheduler bind no tenant and see every client.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from app.db import TenantScoped

TENANT_KEY = "fleetdesk.tenant_id"


class TenantViolation(PermissionError):
    """A write touched a row of another client than the session's tenant."""


def bind_tenant(session: Session | Any, client_id: int) -> None:
    """Scope ``session`` to one client for the rest of its life (one request)."""
    session.info[TENANT_KEY] = client_id


def unbind_tenant(session: Session | Any) -> None:
    """Remove the client scope (end of request)."""
    session.info.pop(TENANT_KEY, None)


def current_tenant(session: Session | Any) -> int | None:
    """Return the client id the session is scoped to, or None for an unscoped (staff) session."""
    return session.info.get(TENANT_KEY)


def _client_model() -> Any:
    from app.models import Client  # late: models import the extensions, which import this module's base

    return Client


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    tenant = state.session.info.get(TENANT_KEY)
    if tenant is None:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria added to the parent statement propagate to these loads
    client = _client_model()
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.client_id == tenant, include_aliases=True),
        with_loader_criteria(client, lambda cls: cls.id == tenant, include_aliases=True),
    )


@event.listens_for(Session, "before_flush")
def _refuse_foreign_writes(session: Session, flush_context: Any, instances: Any) -> None:
    tenant = session.info.get(TENANT_KEY)
    if tenant is None:
        return
    client = _client_model()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and obj.client_id != tenant:
            raise TenantViolation(f"{type(obj).__name__} of client {obj.client_id} written by tenant {tenant}")
        if isinstance(obj, client) and obj.id != tenant:
            raise TenantViolation(f"client {obj.id} written by tenant {tenant}")
