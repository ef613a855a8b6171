"""The tickets a person reported, for ``app.privacy``'s person export (when the driver is also a user)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.fleet.models import Contract
from app.models import User
from sla.desk.models import Ticket, TicketEvent


def export_person_tickets(contracts: list[Contract]) -> dict[str, Any]:
    """Tickets reported by a user whose e-mail address is the driver's, with the messages on them."""
    emails = {c.driver_email.lower() for c in contracts if c.driver_email}
    if not emails:
        return {"tickets": []}
    query = (sa.select(Ticket).join(User, User.id == Ticket.reported_by_id)
             .where(sa.func.lower(User.email).in_(emails)).order_by(Ticket.id))
    return {"tickets": [{
        "id": t.id, "title": t.title, "description": t.description, "level": t.level, "impact": t.impact,
        "reported_at": t.reported_at.isoformat(), "state": t.state,
        "messages": [{"at": e.at.isoformat(), "kind": e.kind, "body": e.body}
                     for e in db.session.scalars(sa.select(TicketEvent).where(
                         TicketEvent.ticket_id == t.id, TicketEvent.internal.is_(False)).order_by(TicketEvent.id))]}
        for t in db.session.scalars(query)]}
