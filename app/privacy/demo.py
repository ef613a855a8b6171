"""Demo requests in the register: an access request near its deadline, a restriction in force, an answered one."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from app.clock import now as clock_now
from app.clock import work_calendar
from app.extensions import db
from app.fleet.models import Contract
from app.privacy import services
from app.services import Actor, client_by_code


def _contract(client_id: int, number: str) -> Contract | None:
    return db.session.scalar(sa.select(Contract).where(Contract.client_id == client_id,
                                                       Contract.contract_number == number))


def load_demo_privacy(app: Flask) -> None:
    """ACME's driver Marie Dubois asked for access (due in a few days), Karim Benali for restriction (in force);
    Brabant Fleet's Jan Peeters asked for portability, answered; a former driver's objection waits, extended."""
    del app
    now = clock_now()
    today = now.astimezone(work_calendar().zone).date()
    agent = Actor("agent@fleetdesk.test")
    acme, brafl = client_by_code("ACME"), client_by_code("BRAFL")
    marie = _contract(acme.id, "ACME-1002")
    access = services.open_request(agent, acme, "access", "Marie Dubois", today - timedelta(days=26), marie)
    services.note_identity(agent, access, "Copy of her identity card, checked against the contract", now)
    karim = _contract(acme.id, "ACME-1003")
    restriction = services.open_request(agent, acme, "restriction", "Karim Benali", today - timedelta(days=3), karim)
    services.note_identity(agent, restriction, "Called back on the number in the lease contract", now)
    if karim is not None:
        services.restrict(agent, restriction, now)
    jan = _contract(brafl.id, "BRAFL-2001")
    portability = services.open_request(agent, brafl, "portability", "Jan Peeters", today - timedelta(days=40), jan)
    services.note_identity(agent, portability, "Signed request from his registered e-mail address", now)
    services.answer(agent, portability, "JSON export sent by e-mail on request of the driver", now)
    objection = services.open_request(agent, acme, "objection", "Tom Claes", today - timedelta(days=20),
                                      _contract(acme.id, "ACME-1001"))
    services.extend(agent, objection, "The client must first confirm which marketing lists hold his address", now)
