"""A year of past fines for ``fleetdesk demo``, so the overview's charts per month have something to show.

Rows dated month by month before today: most fines were processed in time and closed, a few were
cancelled, some missed their due date (the client delivered late, or the service provider processed
late). They reuse a demo letter's PDF, taken in through the real pipeline by ``fines.demo``.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import Flask

from app.clock import now as clock_now
from app.clock import work_calendar
from app.extensions import db
from app.services import Actor, client_by_code
from app.workcalendar import WorkCalendar
from fines.models import Fine, IntakeMessage
from fines.workflow import services as workflow
from fines.workflow.states import FineState

MONTHS = 11
#: Who processed the past fines (a person's steps are also in the audit log).
AGENT = Actor("agent@fleetdesk.test")
PLATES = ("1ABC123", "2DEF456", "1GHJ789", "2KLM012", "1NPR345")


def load_demo_fine_history(app: Flask) -> None:
    """Six to sixteen fines per client per month for the eleven months before this one."""
    calendar, now = work_calendar(), clock_now()
    rng = random.Random(19)
    first = now.astimezone(calendar.zone).date().replace(day=1)
    for code in ("ACME", "BRAFL"):
        client = client_by_code(code)
        letter = db.session.scalar(sa.select(Fine).where(Fine.client_id == client.id).order_by(Fine.id).limit(1))
        if letter is None:
            continue
        month = first
        for _back in range(MONTHS):
            month = (month - timedelta(days=1)).replace(day=1)
            for n in range(rng.randint(6, 16)):
                _add(letter, client.id, calendar, rng, calendar.add_workdays(month, rng.randint(0, 18)), f"{n}")


def _add(letter: Fine, client_id: int, calendar: WorkCalendar, rng: random.Random, day: date, n: str) -> None:
    arrived = datetime.combine(day, time(rng.randint(8, 16), rng.randint(0, 59)), calendar.zone)
    # Flashed a week or two before it arrived; the letter was written a few days after the offence.
    offence = datetime.combine(day - timedelta(days=rng.randint(9, 20)), time(rng.randint(7, 21), rng.randint(0, 59)),
                               calendar.zone)
    key = f"<history-{client_id}-{day:%Y%m%d}-{n}@demo.fleetdesk.test>"
    message = IntakeMessage(source="upload", message_key=key, raw_path=letter.message.raw_path,
                            raw_sha256=letter.message.raw_sha256, size=letter.message.size, status="processed",
                            client_id=client_id, recipients=[], refusals=[], replies_sent=[], received_at=arrived)
    fine = Fine(message=message, client_id=client_id, message_key=key, pdf_path=letter.pdf_path,
                pdf_sha256=letter.pdf_sha256, size=letter.size, state="received", kind="immediate_collection",
                issuer=rng.choice(("Politiezone Gent", "Stad Antwerpen", "Zone de police Bruxelles-Capitale")),
                notice_number=f"H{day:%y%m%d}{client_id}{n.zfill(2)}", plate=rng.choice(PLATES), plate_country="BE",
                offence_at=offence, letter_date=offence.date() + timedelta(days=rng.randint(2, 6)),
                due_date=day + timedelta(days=27), amount_cents=5800,
                currency="EUR", confidence={}, problems=[], created_at=arrived)
    db.session.add(fine)
    db.session.flush()  # its events name it
    workflow.update_deadlines(fine, calendar)
    workflow.transition(fine, FineState.READ, workflow.INTAKE, at=arrived)
    roll = rng.random()
    if roll < 0.06:
        workflow.transition(fine, FineState.CANCELLED, AGENT, note="Paid by the driver directly.",
                            at=arrived + timedelta(days=1))
        return
    if roll < 0.12 and fine.cutoff is not None:  # delivered after the cut-off, paid late: the client's doing
        complete = max(arrived, _on(fine.cutoff + timedelta(days=2), calendar))
        processed = _on(fine.cutoff + timedelta(days=20), calendar)
    elif roll < 0.16 and fine.deadline is not None:  # complete in time, processed late: the service provider's
        complete, processed = arrived + timedelta(hours=1), _on(fine.deadline + timedelta(days=2), calendar)
    else:
        complete, processed = arrived + timedelta(hours=1), arrived + timedelta(days=rng.randint(1, 4))
    processed = max(processed, complete + timedelta(hours=1))
    # The steps as they happened, through the state machine (each with its event).
    workflow.transition(fine, FineState.MATCHED, workflow.SYSTEM, at=arrived)
    workflow.transition(fine, FineState.READY, workflow.SYSTEM, at=complete)
    workflow.transition(fine, FineState.PROCESSED, AGENT, at=processed)
    workflow.transition(fine, FineState.CLOSED, workflow.SYSTEM, at=processed + timedelta(hours=1))
    fine.complete_at, fine.processed_at, fine.outcome = complete, processed, "recharged"
    fine.closed_at = processed + timedelta(hours=1)


def _on(day: date, calendar: WorkCalendar) -> datetime:
    return datetime.combine(day, time(11, 0), calendar.zone)
