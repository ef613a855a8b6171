"""Demo incidents for ``fleetdesk demo``: every clock state, dated relative to the app's clock.

Everything goes through the real services (``open_ticket``, ``act``) with ``now=`` moments in the past.
Moments are counted back in *working time* from now, so a demo started at night or at the weekend still
shows a clock at 75 % and one breached.
"""
from __future__ import annotations

import struct
import zlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from app.clock import now as clock_now
from app.clock import work_calendar
from app.extensions import db
from app.models import Client, User
from app.services import Actor, client_by_code
from app.workcalendar import WorkCalendar
from sla.desk import services
from sla.desk.models import Ticket

H = timedelta(hours=1)
M = timedelta(minutes=1)


def working_before(calendar: WorkCalendar, now: datetime, amount: timedelta) -> datetime:
    """Return the moment ``amount`` of working time before ``now`` (the latest such moment)."""
    start = now
    while calendar.working_time_between(start, now) < amount:
        start -= timedelta(days=1)
    return calendar.add_working_time(start, calendar.working_time_between(start, now) - amount)


def load_demo_tickets(app: Flask) -> None:
    """Incidents for ACME and Brabant Fleet in every clock state."""
    calendar, now = work_calendar(), clock_now()

    def ago(amount: timedelta) -> datetime:
        return working_before(calendar, now, amount)

    acme: Client = client_by_code("ACME")
    brafl: Client = client_by_code("BRAFL")
    reporter = db.session.scalar(sa.select(User).where(User.email == "fleet@acme-lease.test"))
    if reporter is not None:
        reporter.can_report_incidents = True
    agent = Actor("agent@fleetdesk.test")
    anna = Actor("fleet@acme-lease.test")

    def report(client: Client, title: str, description: str, level: int, impact: str, at: datetime,
               by_client: bool = False) -> Ticket:
        return services.open_ticket(anna if by_client else agent, client=client,
                                    reporter=reporter if by_client else None, title=title, description=description,
                                    level=level, impact=impact, channel="web" if by_client else "phone", now=at,
                                    calendar=calendar)

    def act(ticket: Ticket, action: str, at: datetime, body: str | None = None, staff: bool = True) -> None:
        services.act(ticket, action, agent if staff else anna, now=at, calendar=calendar, body=body, staff=staff)

    # Running: category 3, reported 20 working minutes ago, reaction due within 2 h.
    report(acme, "Upload of fines fails", "The upload page shows an error for PDF files above 5 MB.", 2, "all",
           ago(20 * M), by_client=True)

    # Warning: category 1, 24 of its 30 reaction minutes used.
    report(brafl, "Nobody can log in", "Since this morning every login ends on an error page.", 4, "all", ago(24 * M))

    # Breached: category 2 reported 3 working hours ago and not acknowledged (it escalated to 1 after 2 h).
    report(acme, "Overview counts look wrong", "Reported by phone: the overview shows no overdue fines.", 3, "all",
           ago(3 * H))

    # Paused: waiting for the client's answer.
    waiting = report(acme, "Export to the accounting package is empty",
                     "The monthly export file has a header but no lines.", 2, "substantial", ago(2 * H),
                     by_client=True)
    act(waiting, "acknowledge", ago(110 * M))
    act(waiting, "start", ago(100 * M))
    act(waiting, "note", ago(90 * M), "Export job log: 0 rows selected; the filter on the month looks wrong.")
    act(waiting, "wait_client", ago(60 * M), "Which month did you export, and with which filter?")

    # Category 1 with a restore running: the restore does not count for the intervention time.
    restore = report(brafl, "Contracts disappeared after the import",
                     "All lease contracts imported yesterday are gone.", 4, "all", ago(90 * M))
    act(restore, "acknowledge", ago(85 * M))
    act(restore, "start", ago(80 * M))
    act(restore, "status_report", ago(70 * M), "We restore last night's database backup to a separate server.")
    act(restore, "restore_start", ago(60 * M))
    act(restore, "status_report", ago(10 * M), "The restore is half way; contracts follow within the hour.")

    # In progress, reaction met, with a comment from each side.
    busy = report(acme, "Reminder letters show the wrong address", "The reminder uses the driver's old address.", 2,
                  "few", ago(5 * H), by_client=True)
    act(busy, "acknowledge", ago(4 * H + 30 * M))
    act(busy, "start", ago(4 * H))
    act(busy, "comment", ago(3 * H), "Could you send us the number of one such letter?")
    act(busy, "comment", ago(2 * H + 30 * M), "Letter 2026-1187, driver Peeters.", staff=False)

    # Resolved within its time limits (met), waiting to be closed.
    solved = report(brafl, "Search by plate returns nothing", "Searching 1-ABC-123 finds no fine.", 3, "few",
                    ago(12 * H))
    act(solved, "acknowledge", ago(11 * H + 30 * M))
    act(solved, "start", ago(11 * H))
    act(solved, "resolve", ago(3 * H), "Plates with dashes are now searched without them.")

    # Closed last week, its intervention late (missed); and one reopened and solved again.
    done = report(acme, "Login slow", "Very slow login.", 2, "substantial", ago(40 * H))
    act(done, "acknowledge", ago(39 * H + 30 * M))
    act(done, "resolve", ago(12 * H))
    act(done, "close", ago(11 * H))
    again = report(brafl, "Password reset mail does not arrive", "No reset mail since Monday.", 2, "few", ago(30 * H))
    act(again, "acknowledge", ago(29 * H))
    act(again, "resolve", ago(25 * H), "The mail relay's queue was stuck; it has been flushed.")
    act(again, "close", ago(24 * H))
    act(again, "reopen", ago(8 * H), "The client reports the same problem again.")
    act(again, "resolve", ago(6 * H), "The relay's disk was full; it has been cleaned and is now monitored.")

    _restore_request(acme, reporter, calendar, now)
    _assign_and_attach(app, busy, waiting, reporter, calendar, now)

    # Read every open ticket's clocks at now, as the scheduler does every five minutes.
    services.refresh_open(now, calendar)


def _restore_request(acme: Client, reporter: User | None, calendar: WorkCalendar, now: datetime) -> None:
    """A restore request (SLA 7.6): yesterday's fines overwritten by a wrong import; the desk asked which
    version to restore and waits for the client's choice (the restore clock is paused)."""
    def ago(amount: timedelta) -> datetime:
        return working_before(calendar, now, amount)

    agent = Actor("agent@fleetdesk.test")
    wanted = services.open_restore_request(
        Actor("fleet@acme-lease.test"), client=acme, reporter=reporter,
        title="Restore the fines of yesterday afternoon",
        description="An import by mistake overwrote the fines we handled yesterday afternoon; please bring them back"
                    " as they were at the end of yesterday's lunch.",
        what="fines", point=ago(9 * H), level=2, impact="substantial", channel="web", now=ago(4 * H),
        calendar=calendar)
    services.act(wanted, "acknowledge", agent, now=ago(3 * H + 45 * M), calendar=calendar)
    services.act(wanted, "ask_choice", agent, now=ago(3 * H), calendar=calendar,
                 body="The last backups before that moment were taken at 01:30 yesterday and at 01:30 the day"
                      " before. Which version shall we restore?")


def _png(width: int, height: int) -> bytes:
    """A small real PNG (a grey 'screenshot' with a red bar), written without an imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + (b"\xb4\x23\x18" if y < height // 5 else b"\xee\xf1\xf4") * width
                    for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _assign_and_attach(app: Flask, busy: Ticket, waiting: Ticket, reporter: User | None, calendar: WorkCalendar,
                       now: datetime) -> None:
    """The agent has two incidents (the others wait unassigned); a client's screenshot and an agent's log."""
    agent_user = db.session.scalar(sa.select(User).where(User.email == "agent@fleetdesk.test"))
    if agent_user is None:
        return
    agent = Actor("agent@fleetdesk.test")
    limit = int(app.config["DESK_MAX_ATTACHMENT_BYTES"])
    for ticket in (busy, waiting):
        services.assign(ticket, agent, agent_user, working_before(calendar, now, 100 * M))
    if reporter is not None:
        services.attach_file(busy, Actor(reporter.email), uploader=reporter, filename="reminder-letter-2026-1187.png",
                             data=_png(320, 200), internal=False, staff=False,
                             comment="The reminder as the driver received it.",
                             now=working_before(calendar, now, 2 * H), calendar=calendar, max_bytes=limit)
    log = (b"2026-11-16 09:12:03 export month=2026-10 filter=client:ACME rows=0\n"
           b"2026-11-16 09:12:03 WARN month filter compared as text: '2026-10' < '2026-9'\n")
    services.attach_file(waiting, agent, uploader=agent_user, filename="export-job.log", data=log, internal=True,
                         staff=True, comment=None, now=working_before(calendar, now, 80 * M), calendar=calendar,
                         max_bytes=limit)
