"""A day's work for the dashboards: fines at every urgency, mail set aside, tickets mine and unassigned.

Dates are those of the frozen clock (``tests.conftest.FROZEN_AT``: Monday 16 November 2026, 10:00 in
Brussels): a cut-off on 13 November has passed, on the 16th is today, on the 19th is this week (up to the
23rd), on the 30th is later.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

FOREIGN_PLATE = "9XYZ999"
FOREIGN_ISSUER = "Stad Antwerpen Beta"
FOREIGN_TICKET = "Beta printer on fire"
_SERIAL = 0


@dataclass(frozen=True)
class Seeded:
    """The ids the tests follow."""

    waiting_overdue: int
    waiting_this_week: int
    review_oldest: int
    agent_ticket: int
    client_a_ticket: int


def _fine(message: Any, client_id: int, state: str, *, cutoff: date | None = None, deadline: date | None = None,
          created: datetime | None = None, code: str | None = None, params: dict[str, str] | None = None,
          plate: str = "1ABC123", issuer: str = "Politiezone Gent", complete: datetime | None = None) -> Any:
    from fines.models import Fine

    global _SERIAL
    _SERIAL += 1
    return Fine(message=message, client_id=client_id, message_key=message.message_key, pdf_path="pdf/none.pdf",
                pdf_sha256=f"{_SERIAL:064d}", size=0, state=state, issuer=issuer, notice_number=f"PV-{state}-{cutoff}",
                plate=plate, plate_country="BE", confidence={}, problems=[], cutoff=cutoff, deadline=deadline,
                created_at=created or datetime(2026, 11, 16, 8, 0, tzinfo=UTC), match_reason_code=code,
                match_reason_params=params, complete_at=complete)


def _message(client_id: int | None, key: str, status: str = "processed") -> Any:
    from fines.models import IntakeMessage

    return IntakeMessage(source="upload", message_key=f"<{key}@dash.test>", raw_path="mail/none.eml",
                         raw_sha256="0" * 64, size=0, status=status, client_id=client_id, recipients=[],
                         refusals=[], replies_sent=[], received_at=datetime(2026, 11, 15, 9, 0, tzinfo=UTC))


def seed(app: Any, world: Any) -> Seeded:
    """Fines for both clients (the second one's must never reach the first one's dashboard), and tickets."""
    from app.clock import work_calendar
    from app.extensions import db
    from app.models import Client, User
    from app.services import Actor
    from sla.desk import services

    a, b = world.client_a, world.client_b
    with app.app_context():
        msg_a, msg_b = _message(a, "a"), _message(b, "b")
        overdue = _fine(msg_a, a, "waiting_info", cutoff=date(2026, 11, 13), code="no_contract",
                        params={"plate": "1ABC123", "day": "2026-11-02"})
        week = _fine(msg_a, a, "waiting_info", cutoff=date(2026, 11, 19), code="information_missing",
                     params={"number": "ALPHA-7", "missing": "driver_address"}, plate="2DEF456")
        review = _fine(msg_a, a, "review", created=datetime(2026, 11, 10, 9, 0, tzinfo=UTC))
        rows = [
            overdue, week, review,
            _fine(msg_a, a, "ready", cutoff=date(2026, 11, 16), deadline=date(2026, 11, 23)),
            _fine(msg_a, a, "read"),  # no cut-off known yet
            _fine(msg_a, a, "ready", cutoff=date(2026, 11, 30), deadline=date(2026, 12, 7)),
            _fine(msg_a, a, "processed", created=datetime(2026, 11, 3, 9, 0, tzinfo=UTC)),
            _fine(msg_a, a, "closed", created=datetime(2026, 10, 20, 9, 0, tzinfo=UTC)),  # last month
            _fine(msg_a, a, "quarantined"),
            # The other client's: waiting, overdue, and one the operator let slip (complete by its
            # cut-off of 5 November, deadline 12 November passed unprocessed).
            _fine(msg_b, b, "waiting_info", cutoff=date(2026, 11, 13), code="no_contract",
                  params={"plate": FOREIGN_PLATE, "day": "2026-11-02"}, plate=FOREIGN_PLATE, issuer=FOREIGN_ISSUER),
            _fine(msg_b, b, "ready", cutoff=date(2026, 11, 5), deadline=date(2026, 11, 12), plate=FOREIGN_PLATE,
                  issuer=FOREIGN_ISSUER, created=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
                  complete=datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
        ]
        db.session.add_all([msg_a, msg_b, *rows, _message(None, "triage", "triage"),
                            _message(None, "broken", "quarantined")])
        agent = db.session.scalar(db.select(User).where(User.email == world.agent))
        client_a, client_b = db.session.get(Client, a), db.session.get(Client, b)
        moment, calendar = datetime(2026, 11, 16, 8, 30, tzinfo=UTC), work_calendar()
        mine = services.open_ticket(Actor("seed"), client=client_a, reporter=None, title="Alpha scanner jams",
                                    description="seed", level=3, impact="few", channel="phone", now=moment,
                                    calendar=calendar)
        mine.assigned_to_id = agent.id
        alpha = services.open_ticket(Actor("seed"), client=client_a, reporter=None, title="Alpha cannot log in",
                                     description="seed", level=1, impact="all", channel="phone", now=moment,
                                     calendar=calendar)
        services.open_ticket(Actor("seed"), client=client_b, reporter=None, title=FOREIGN_TICKET,
                             description="seed", level=1, impact="all", channel="phone",
                             now=datetime(2026, 11, 13, 8, 0, tzinfo=UTC), calendar=calendar)
        db.session.commit()
        return Seeded(overdue.id, week.id, review.id, mine.id, alpha.id)
