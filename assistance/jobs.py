"""Assistance's scheduled work and figures: reminding agents of near deadlines, and the Prometheus gauges (open
cases and deadlines breached, per client, counted at scrape time)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app import mail
from app.clock import now as clock_now
from app.extensions import db
from app.formatting import when
from app.i18n import addresses_by_locale
from app.models import Role, User
from assistance import labels, services


def remind_deadlines(now: datetime) -> dict[str, int]:
    """Remind the agents, once per deadline, of those of open cases due within 24 h or already past.

    Deadlines run around the clock (theft report's receipt, the provider's contact), so this runs at night
    and at the weekend too; one mail per language leaves after the job's work is committed.
    """
    reminders = services.due_reminders(now)
    if reminders:
        agents = db.session.scalars(sa.select(User).where(User.role == Role.AGENT, User.active.is_(True)))
        for locale, recipients in addresses_by_locale(agents).items():
            mail.send_after_commit(reminder_mail(reminders, current_app.config["MAIL_FROM"], recipients,
                                                 now=now, locale=locale), what="assistance deadline reminder")
    return {"reminded": len(reminders)}


def reminder_mail(reminders: list[services.Reminder], mail_from: str, recipients: list[str], *, now: datetime,
                  locale: str = "en") -> EmailMessage:
    """The agents' mail about assistance deadlines near or past, written in ``locale``."""
    with force_locale(locale):
        lines = [(_("Case %(id)s (%(client)s, %(plate)s): %(what)s, past due since %(due)s", id=r.case_id,
                    client=r.client_code, plate=r.plate, what=labels.DEADLINES.get(r.code, r.code), due=when(r.due_at))
                  if r.due_at < now else
                  _("Case %(id)s (%(client)s, %(plate)s): %(what)s, due by %(due)s", id=r.case_id,
                    client=r.client_code, plate=r.plate, what=labels.DEADLINES.get(r.code, r.code), due=when(r.due_at)))
                 for r in reminders]
        subject = ngettext("FleetDesk assistance: %(num)d deadline needs attention",
                           "FleetDesk assistance: %(num)d deadlines need attention", len(reminders))
    msg = EmailMessage()
    msg["From"], msg["To"] = mail_from, ", ".join(recipients)
    msg["Subject"] = subject
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines) + "\n")
    return msg


class AssistanceCollector(Collector):
    """``fleetdesk_assistance_open_cases`` and ``fleetdesk_assistance_deadlines_breached`` by client code."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        open_cases = GaugeMetricFamily("fleetdesk_assistance_open_cases", "Open assistance cases, by client.",
                                       labels=["client"])
        for code, count in services.open_counts():
            open_cases.add_metric([code], count)
        yield open_cases
        breached = GaugeMetricFamily("fleetdesk_assistance_deadlines_breached",
                                     "Deadlines of open assistance cases past due and not met, by client.",
                                     labels=["client"])
        for code, count in services.breached_counts(clock_now()):
            breached.add_metric([code], count)
        yield breached


def init_app(app: Flask) -> None:
    """Declare the reminder round and expose the assistance gauges."""
    from app.metrics import add_collector
    from app.scheduler import JobSpec, add_job

    add_job(app, JobSpec("assistance.remind_deadlines", remind_deadlines, {"minute": "*/15"},
                         "Remind agents of assistance deadlines due within 24 hours or past (around the clock)."))
    add_collector(app, AssistanceCollector())
