"""Scheduled support-desk work: read the clocks, escalate, warn agents (in working hours only)."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from app import mail
from app.clock import work_calendar
from app.extensions import db
from app.i18n import addresses_by_locale
from app.services import Actor
from sla.desk import labels, metrics, services
from sla.desk.models import Ticket

logger = logging.getLogger(__name__)
CLOCKS = ("reaction", "intervention", "status")


def watch_clocks(now: datetime) -> dict[str, int]:
    """Refresh every open ticket's clocks; warn agents at 75 % and at a breach, once each, in working hours.

    The warnings go out in one mail after the job's work is committed (``app.mail.send_after_commit``).
    """
    calendar = work_calendar()
    refreshed = services.refresh_open(now, calendar)
    if not calendar.is_working_time(now):
        return {"refreshed": refreshed, "warnings": 0}
    warnings: list[ClockWarning] = []
    tickets = db.session.scalars(sa.select(Ticket).where(Ticket.is_open.is_(True),
                                                         Ticket.clock_state.in_(("warning", "breached")))
                                 .options(sa.orm.selectinload(Ticket.events)))
    for ticket in tickets:
        status = services.status_of(ticket, now, calendar)
        sent = {(e.data or {}).get("key") for e in ticket.events if e.kind == "warning"}
        for clock in CLOCKS:
            state = str(getattr(getattr(status, f"{clock}_state"), "value", getattr(status, f"{clock}_state")))
            if state not in ("warning", "breached"):
                continue
            key = f"{clock}:{state}:{status.category}"
            if key in sent:
                continue
            services.add_event(ticket, "warning", Actor("sla"), now, internal=True, data={"key": key, "clock": clock,
                                                                                           "state": state},
                            body=f"{clock} clock {state} (category {status.category})")
            if state == "breached":
                metrics.BREACHES.labels(clock=clock).inc()
            warnings.append(ClockWarning(ticket.id, ticket.title, clock, state, status.category))
    if warnings:
        _mail_agents(warnings)
    return {"refreshed": refreshed, "warnings": len(warnings)}


@dataclass(frozen=True)
class ClockWarning:
    """One time limit of one ticket that is nearly due (``warning``) or overdue (``breached``)."""

    ticket_id: int
    title: str
    clock: str
    state: str
    category: int


def _mail_agents(warnings: list[ClockWarning]) -> None:
    """Queue one mail per language to the agents, sent once the job's work is committed."""
    for locale, recipients in addresses_by_locale(services.agents()).items():
        mail.send_after_commit(warning_mail(warnings, current_app.config["MAIL_FROM"], recipients, locale=locale),
                               what="SLA warning mail")


def warning_mail(warnings: list[ClockWarning], mail_from: str, recipients: list[str], *, locale: str = "en"
                 ) -> EmailMessage:
    """The agents' mail about time limits nearly due or overdue, written in ``locale``."""
    with force_locale(locale):
        lines = [_("#%(id)s %(title)s: %(clock)s %(state)s (category %(category)s)", id=w.ticket_id, title=w.title,
                   clock=labels.label("clock", w.clock), state=labels.label("clock_state", w.state),
                   category=w.category) for w in warnings]
        subject = ngettext("FleetDesk SLA: %(num)d time limit needs attention",
                           "FleetDesk SLA: %(num)d time limits need attention", len(warnings))
    msg = EmailMessage()
    msg["From"], msg["To"] = mail_from, ", ".join(recipients)
    msg["Subject"] = subject
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines) + "\n")
    return msg


def open_counts() -> Any:
    """Open tickets by level, impact and clock state (for /metrics, which labels them by ``metrics.category_label``)."""
    return db.session.execute(sa.select(Ticket.level, Ticket.impact, Ticket.clock_state, sa.func.count())
                              .where(Ticket.is_open.is_(True))
                              .group_by(Ticket.level, Ticket.impact, Ticket.clock_state)).all()


#: What a closed ticket's personal fields read once past retention.
REMOVED = "(removed after the retention period)"


def expire_tickets(now: datetime, config: Mapping[str, Any]) -> dict[str, int]:
    """Nightly, in ``app.privacy``'s retention job: closed tickets past ``RETENTION_TICKET_DAYS`` lose their
    description, the messages written on them and who wrote or reported them; level, times and clocks stay."""
    from sla.desk.models import TicketAttachment, TicketEvent

    limit = now - timedelta(days=int(config["RETENTION_TICKET_DAYS"]))
    tickets = list(db.session.scalars(sa.select(Ticket).where(
        Ticket.is_open.is_(False), Ticket.closed_at < limit, Ticket.description != REMOVED).limit(5000)))
    for ticket in tickets:
        ticket.title, ticket.description, ticket.reported_by_id = REMOVED, REMOVED, None
        for event in db.session.scalars(sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)):
            event.body, event.actor_label = None, "retention"
    attachments = list(db.session.scalars(sa.select(TicketAttachment).where(
        TicketAttachment.ticket_id.in_([t.id for t in tickets])))) if tickets else []
    removed = services.remove_attachments(attachments) if attachments else 0
    db.session.flush()
    return {"tickets": len(tickets), "attachments": removed}


def init_app(app: Flask) -> None:
    """Declare the clock watcher and the open-ticket gauge."""
    from app.metrics import add_collector
    from app.privacy.retention import add_retention
    from app.privacy.services import PersonData, add_person_data
    from app.scheduler import JobSpec, add_job
    from sla.desk.privacy import erase_person_tickets, export_person_tickets

    add_retention(app, "sla", expire_tickets)
    add_person_data(app, PersonData("support", export_person_tickets, erase_person_tickets))

    add_job(app, JobSpec("sla.watch_clocks", watch_clocks, {"minute": "*/5"},
                         "Read the SLA clocks, record escalations, warn agents in working hours."))
    add_collector(app, metrics.OpenTicketsCollector(open_counts))
