"""The tickets a person reported, for ``app.privacy``'s person export and erasure (when the driver is also a user)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.fleet.models import Contract
from app.models import User
from app.services import Actor
from sla.desk import services
from sla.desk.models import Ticket, TicketAttachment, TicketEvent


def _reported_by_person(contracts: list[Contract]) -> list[Ticket]:
    """Tickets reported by a user whose e-mail address is one of the contracts' driver's."""
    emails = {c.driver_email.lower() for c in contracts if c.driver_email}
    if not emails:
        return []
    return list(db.session.scalars(sa.select(Ticket).join(User, User.id == Ticket.reported_by_id)
                                   .where(sa.func.lower(User.email).in_(emails)).order_by(Ticket.id)))


def export_person_tickets(contracts: list[Contract]) -> dict[str, Any]:
    """Tickets the person reported, with the messages and the files on them they could see."""
    return {"tickets": [{
        "id": t.id, "title": t.title, "description": t.description, "level": t.level, "impact": t.impact,
        "reported_at": t.reported_at.isoformat(), "state": t.state,
        "messages": [{"at": e.at.isoformat(), "kind": e.kind, "body": e.body}
                     for e in db.session.scalars(sa.select(TicketEvent).where(
                         TicketEvent.ticket_id == t.id, TicketEvent.internal.is_(False)).order_by(TicketEvent.id))],
        "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size, "sha256": a.sha256,
                         "uploaded_at": a.uploaded_at.isoformat()}
                        for a in services.visible_attachments(t, staff=False)]}
        for t in _reported_by_person(contracts)]}


def erase_person_tickets(actor: Actor, contracts: list[Contract], data_dir: str, now: datetime,
                         needles: tuple[str, ...]) -> dict[str, int]:
    """Erase the person from the tickets they reported: their words scrubbed, every file on them removed."""
    from app.privacy.services import scrub

    tickets = _reported_by_person(contracts)
    for ticket in tickets:
        ticket.title, ticket.description = scrub(ticket.title, needles), scrub(ticket.description, needles)
        for event in ticket.events:
            event.body = scrub(event.body, needles)
    attachments = list(db.session.scalars(sa.select(TicketAttachment).where(
        TicketAttachment.ticket_id.in_([t.id for t in tickets])))) if tickets else []
    removed = services.remove_attachments(attachments) if attachments else 0
    return {"tickets_scrubbed": len(tickets), "attachments_removed": removed}
