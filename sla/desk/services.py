"""Support desk operations: report, react, report status, pause, restore, resolve, close, reopen, correct.

Every change is a ``TicketEvent``; the SLA clocks are read from those events by the pure
``sla.desk.clock.sla_status``. The ticket's ``category`` (the one in force now, after escalations),
``nearest_breach`` and ``clock_state`` are caches of that reading, refreshed after every event and by
the scheduler, so the desk can sort by index; they never feed back into the clocks. Metrics label a
ticket with the category it was reported in instead (``metrics.category_label``).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import blobs
from app.backup_catalogue import CatalogueEntry, backups_for
from app.extensions import db
from app.models import Client, Role, User
from app.services import Actor, ServiceError, record
from app.workcalendar import WorkCalendar
from sla.desk import metrics
from sla.desk.clock import EVENT_KINDS, RestoreStatus, SlaStatus, restore_status, sla_status
from sla.desk.filetypes import FileType, name_disagrees, safe_filename, sniff
from sla.desk.models import Ticket, TicketAttachment, TicketEvent
from sla.desk.policy import intervention_category

logger = logging.getLogger(__name__)

OPEN_STATES = ("new", "acknowledged", "in_progress", "waiting_client")

# action -> (states it may start from, state it leads to (None: unchanged), clock event it records)
ACTIONS: dict[str, tuple[tuple[str, ...], str | None, str | None]] = {
    "acknowledge": (("new",), "acknowledged", "reaction"),
    "start": (("acknowledged",), "in_progress", None),
    "status_report": (("acknowledged", "in_progress", "waiting_client"), None, "status_report"),
    "comment": ((*OPEN_STATES, "resolved"), None, None),
    "note": ((*OPEN_STATES, "resolved", "closed"), None, None),
    "wait_client": (("acknowledged", "in_progress"), "waiting_client", "pause"),
    "resume": (("waiting_client",), "in_progress", "resume"),
    "restore_start": (("acknowledged", "in_progress"), None, "restore_start"),
    "restore_end": (("acknowledged", "in_progress"), None, "restore_end"),
    "resolve": (("acknowledged", "in_progress"), "resolved", "resolved"),
    "close": (("resolved",), "closed", None),
    "reopen": (("resolved", "closed"), "in_progress", "reopen"),
    # restore requests only: the desk asks the client which version to restore, the client answers
    "ask_choice": (("acknowledged", "in_progress"), "waiting_client", "choice_asked"),
    "answer_choice": (("waiting_client",), "in_progress", "choice_given"),
}
CLIENT_ACTIONS = {"comment", "answer_choice"}
AGENT_ONLY_INTERNAL = {"note"}
NEEDS_TEXT = ("status_report", "comment", "note", "wait_client", "ask_choice", "answer_choice")
RESTORE_ACTIONS = ("ask_choice", "answer_choice")
RESTORE_WHAT = ("fines", "contracts", "file", "everything")
# the backups (``app.backup_catalogue.CatalogueEntry.what``) that can bring back each kind of data
RESTORE_SOURCES: dict[str, tuple[str, ...]] = {
    "fines": ("database", "environment"),
    "contracts": ("database", "environment"),
    "file": ("files", "environment"),
    "everything": ("database", "files", "environment"),
}


def available_actions(ticket: Ticket, *, staff: bool) -> list[str]:
    """The actions the ticket's state allows for this user, in ``ACTIONS`` order (what the page offers)."""
    names = [name for name, (allowed, _target, _kind) in ACTIONS.items()
             if ticket.state in allowed and (staff or name in CLIENT_ACTIONS)]
    if ticket.kind != "restore" or restored(ticket):
        names = [n for n in names if n not in RESTORE_ACTIONS]
    elif "answer_choice" in names and not _choice_pending(ticket):
        names.remove("answer_choice")
    if "restore_start" in names:
        if ticket.category != 1:
            names = [n for n in names if n not in ("restore_start", "restore_end")]
        else:
            names.remove("restore_end" if not _restoring(ticket) else "restore_start")
    return names


def open_ticket(actor: Actor, *, client: Client, reporter: User | None, title: str, description: str, level: int,
                impact: str, channel: str, now: datetime, calendar: WorkCalendar) -> Ticket:
    """Record a reported incident; its category follows from level and impact."""
    if reporter is not None and reporter.role is Role.CLIENT and not reporter.can_report_incidents:
        raise ServiceError(_l("Only your company's authorised reporters may report incidents."), "title")
    title, description = title.strip(), description.strip()
    if not title:
        raise ServiceError(_l("An incident needs a title."), "title")
    category = intervention_category(level, impact)
    ticket = Ticket(client_id=client.id, title=title[:200], description=description, level=level, impact=impact,
                    channel=channel, reported_at=now, reported_by_id=reporter.id if reporter else None,
                    state="new", category=category, is_open=True)
    db.session.add(ticket)
    db.session.flush()
    add_event(ticket, "reported", actor, now, body=description, data={"level": level, "impact": impact,
                                                                     "category": category, "channel": channel})
    refresh(ticket, now, calendar)
    metrics.TICKETS_OPENED.labels(category=metrics.category_label(level, impact)).inc()
    record(actor, "ticket.opened", ticket, category=category)
    return ticket


def act(ticket: Ticket, action: str, actor: Actor, *, now: datetime, calendar: WorkCalendar, body: str | None = None,
        staff: bool = True) -> TicketEvent:
    """Carry out one desk action (see ``ACTIONS``); refused when the ticket's state does not allow it."""
    if action not in ACTIONS:
        raise ServiceError(_l("That action does not exist."), "action")
    if not staff and action not in CLIENT_ACTIONS:
        raise ServiceError(_l("Only the support desk may do that."), "action")
    allowed_from, target, clock_kind = ACTIONS[action]
    if ticket.state not in allowed_from:
        raise ServiceError(_l("The incident's state does not allow that action (any more); the page now shows what"
                              " it does allow."), "action")
    if action in NEEDS_TEXT and not (body or "").strip():
        raise ServiceError(_l("Write what you want to say."), "body")
    if action in ("restore_start", "restore_end"):
        _check_restore(ticket, action)
    if action in RESTORE_ACTIONS:
        _check_choice(ticket, action)
    event = add_event(ticket, clock_kind or action, actor, now, body=(body or "").strip() or None,
                   internal=action in AGENT_ONLY_INTERNAL)
    if target is not None:
        ticket.state = target
    if action == "close":
        ticket.closed_at = now
    elif action == "reopen":
        ticket.closed_at = None
    before = ticket.category
    status = refresh(ticket, now, calendar)
    _observe(ticket, action, status)
    if before != ticket.category:
        logger.info("ticket %s escalated from %s to %s", ticket.id, before, ticket.category)
    return event


def _observe(ticket: Ticket, action: str, status: SlaStatus) -> None:
    """Observe the working time to a reaction or a resolution, under the ticket's ``metrics.category_label``."""
    category = metrics.category_label(ticket.level, ticket.impact)
    if action == "acknowledge" and status.reaction_at is not None:
        metrics.REACTION_SECONDS.labels(category=category).observe(status.reaction_elapsed.total_seconds())
    elif action == "resolve":
        metrics.INTERVENTION_SECONDS.labels(category=category).observe(status.intervention_elapsed.total_seconds())


def _restoring(ticket: Ticket) -> bool:
    kinds = [e.kind for e in ticket.events if e.kind in ("restore_start", "restore_end", "resolved")]
    return bool(kinds) and kinds[-1] == "restore_start"


def _check_restore(ticket: Ticket, action: str) -> None:
    if ticket.category != 1:
        raise ServiceError(_l("Restoring is measured apart for category 1 incidents only."), "action")
    running = _restoring(ticket)
    if action == "restore_start" and running:
        raise ServiceError(_l("A restore is already running."), "action")
    if action == "restore_end" and not running:
        raise ServiceError(_l("No restore is running."), "action")


def _last_wait(ticket: Ticket) -> str | None:
    kinds = [e.kind for e in ticket.events if e.kind in ("pause", "choice_asked", "resume", "choice_given")]
    return kinds[-1] if kinds else None


def _choice_pending(ticket: Ticket) -> bool:
    return ticket.state == "waiting_client" and _last_wait(ticket) == "choice_asked"


def restored(ticket: Ticket) -> TicketEvent | None:
    """The event recording that a restore request's data was restored (None: not yet)."""
    return next((e for e in ticket.events if e.kind == "restore_done"), None)


def _check_choice(ticket: Ticket, action: str) -> None:
    if ticket.kind != "restore":
        raise ServiceError(_l("Only a restore request asks which version to restore."), "action")
    if restored(ticket) is not None:
        raise ServiceError(_l("The data is restored already."), "action")
    if action == "answer_choice" and not _choice_pending(ticket):
        raise ServiceError(_l("The support desk has not asked you to choose a version."), "action")


def open_restore_request(actor: Actor, *, client: Client, reporter: User | None, title: str, description: str,
                         what: str, point: datetime | None, level: int, impact: str, channel: str, now: datetime,
                         calendar: WorkCalendar) -> Ticket:
    """Record a client's request to restore data (``what``) as it was at ``point``: an incident of kind restore."""
    if what not in RESTORE_WHAT:
        raise ServiceError(_l("Say which data should be restored."), "restore_what")
    if point is None:
        raise ServiceError(_l("Say to which moment the data should be restored."), "restore_point")
    if point > now:
        raise ServiceError(_l("The moment to restore to cannot be in the future."), "restore_point")
    ticket = open_ticket(actor, client=client, reporter=reporter, title=title, description=description, level=level,
                         impact=impact, channel=channel, now=now, calendar=calendar)
    ticket.kind, ticket.restore_what, ticket.restore_point = "restore", what, point
    record(actor, "ticket.restore_requested", ticket, restore_what=what, restore_point=point.isoformat())
    return ticket


def choose_source(ticket: Ticket, actor: Actor, backup: CatalogueEntry, now: datetime) -> TicketEvent:
    """The desk chooses the backup tier it restores from; the tier sets the restore target (1 or 2 workdays)."""
    _check_restorable(ticket, backup)
    ticket.restore_source, ticket.restore_workdays = backup.tier, backup.restore_workdays
    return add_event(ticket, "restore_source", actor, now, internal=True,
                     data={"backup": backup.ident, "tier": backup.tier, "storage": backup.storage,
                           "workdays": backup.restore_workdays})


def record_restore(ticket: Ticket, actor: Actor, backup: CatalogueEntry, now: datetime,
                   calendar: WorkCalendar) -> TicketEvent:
    """Record that the data was restored from ``backup`` at ``now``: the restore clock stops, met or breached."""
    _check_restorable(ticket, backup)
    if ticket.state not in ("acknowledged", "in_progress"):
        raise ServiceError(_l("The incident's state does not allow that action (any more); the page now shows what"
                              " it does allow."), "action")
    if ticket.restore_source != backup.tier:
        choose_source(ticket, actor, backup, now)
    event = add_event(ticket, "restore_done", actor, now,
                      data={"backup": backup.ident, "tier": backup.tier, "storage": backup.storage,
                            "taken_at": backup.taken_at.isoformat()})
    refresh(ticket, now, calendar)
    status = restore_status_of(ticket, now, calendar)
    record(actor, "ticket.restored", ticket, backup=backup.ident, on_time=bool(status and status.met))
    return event


def _check_restorable(ticket: Ticket, backup: CatalogueEntry) -> None:
    if ticket.kind != "restore" or ticket.restore_point is None:
        raise ServiceError(_l("Only a restore request is restored from a backup."), "backup")
    if restored(ticket) is not None:
        raise ServiceError(_l("The data is restored already."), "backup")
    if backup.taken_at > ticket.restore_point:
        raise ServiceError(_l("That backup was taken after the moment asked for."), "backup")


def restore_status_of(ticket: Ticket, now: datetime, calendar: WorkCalendar) -> RestoreStatus | None:
    """The restore clock of a restore request (None for any other incident).

    Until the desk chooses the source, the server copy's target (1 workday) applies: the stricter one.
    """
    if ticket.kind != "restore":
        return None
    events = clock_events(ticket)
    latest = max([ticket.reported_at, *(at for _kind, at in events)])
    return restore_status(ticket.reported_at, events, max(now, latest), calendar, ticket.restore_workdays or 1)


def restore_candidates(ticket: Ticket) -> list[CatalogueEntry]:
    """The verified backups that can serve a restore request: taken at or before its moment, of its data."""
    if ticket.kind != "restore" or ticket.restore_point is None:
        return []
    return backups_for(ticket.restore_point, RESTORE_SOURCES.get(ticket.restore_what or ""))


def correct(ticket: Ticket, actor: Actor, *, level: int, impact: str, reason: str, now: datetime,
            calendar: WorkCalendar) -> TicketEvent:
    """An agent corrects level or impact (with a reason); the clocks are read again from the report time."""
    if not reason.strip():
        raise ServiceError(_l("A correction needs a reason."), "reason")
    category = intervention_category(level, impact)
    event = add_event(ticket, "corrected", actor, now, body=reason.strip(), internal=False,
                   data={"from": {"level": ticket.level, "impact": ticket.impact, "category": ticket.category},
                         "to": {"level": level, "impact": impact, "category": category}})
    ticket.level, ticket.impact = level, impact
    refresh(ticket, now, calendar)
    record(actor, "ticket.corrected", ticket, level=level, impact=impact, reason=reason)
    return event


def set_chargeable(ticket: Ticket, actor: Actor, chargeable: bool, reason: str, now: datetime) -> None:
    """Flag (or unflag) an incident caused by the client's own misuse."""
    ticket.chargeable = chargeable
    add_event(ticket, "chargeable" if chargeable else "not_chargeable", actor, now, body=reason.strip() or None,
           internal=True)


def assign(ticket: Ticket, actor: Actor, agent: User | None, now: datetime) -> None:
    """Give the ticket to an agent (or to nobody)."""
    if agent is not None and not agent.is_staff:
        raise ServiceError(_l("Incidents go to agents."), "agent")
    ticket.assigned_to_id = agent.id if agent else None
    add_event(ticket, "assigned", actor, now, body=agent.email if agent else None, internal=True)


def assign_many(ticket_ids: list[int], actor: Actor, agent: User | None, now: datetime) -> list[Ticket]:
    """Give every one of ``ticket_ids`` to ``agent`` (or to nobody), all or nothing.

    Refused, and nothing assigned, when one of them does not exist or the caller's session cannot see
    it; each ticket whose agent changes records its ``assigned`` event, as one assignment does.
    """
    wanted = set(ticket_ids)
    if not wanted:
        raise ServiceError(_l("Choose the incidents to assign."), "tickets")
    tickets = list(db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(wanted)).order_by(Ticket.id)
                                      .options(sa.orm.selectinload(Ticket.events))))
    if len(tickets) != len(wanted):
        raise ServiceError(_l("One of the chosen incidents does not exist (any more): nothing was assigned."),
                           "tickets")
    changed = [t for t in tickets if t.assigned_to_id != (agent.id if agent else None)]
    for ticket in changed:
        assign(ticket, actor, agent, now)
    record(actor, "ticket.bulk_assigned", None, tickets=[t.id for t in changed],
           agent=agent.email if agent else None)
    return changed


def reporters_of(client_id: int) -> list[User]:
    """The client's users who may report incidents (the ones a colleague who may not should ask)."""
    return list(db.session.scalars(sa.select(User).where(User.client_id == client_id, User.active,
                                                         User.can_report_incidents.is_(True))
                                   .order_by(User.name, User.email)))


def attach_file(ticket: Ticket, actor: Actor, *, uploader: User, filename: str, data: bytes, internal: bool,
                staff: bool, comment: str | None, now: datetime, calendar: WorkCalendar,
                max_bytes: int) -> TicketAttachment:
    """Attach a screenshot, PDF or text file to the ticket (with a comment, or alone); flushes.

    The type is read from the bytes (``sla.desk.filetypes``), never from the name; the blob is stored
    content-addressed and published once the row is flushed, so a refusal or rollback leaves nothing.
    """
    if not staff and ticket.state not in ACTIONS["comment"][0]:
        raise ServiceError(_l("The incident's state does not allow that action (any more); the page now shows what"
                              " it does allow."), "file")
    file_type = _checked_type(filename, data, max_bytes)
    internal = internal and staff
    if (comment or "").strip():
        act(ticket, "note" if internal else "comment", actor, now=now, calendar=calendar, body=comment, staff=staff)
    staged = blobs.stage("attachment", data, file_type.suffix)
    attachment = TicketAttachment(client_id=ticket.client_id, ticket_id=ticket.id,
                                  filename=safe_filename(filename, file_type), content_type=file_type.content_type,
                                  size=len(data), sha256=staged.sha256, blob_path=staged.key,
                                  uploaded_by_id=uploader.id, uploaded_at=now, internal=internal)
    db.session.add(attachment)
    db.session.flush()
    add_event(ticket, "attached", actor, now, body=attachment.filename, internal=internal,
              data={"attachment": attachment.id, "size": attachment.size, "type": attachment.content_type})
    record(actor, "ticket.attached", ticket, attachment=attachment.id, sha256=attachment.sha256,
           size=attachment.size, internal=internal)
    return attachment


def _checked_type(filename: str, data: bytes, max_bytes: int) -> FileType:
    if not data:
        raise ServiceError(_l("The file is empty."), "file")
    if len(data) > max_bytes:
        raise ServiceError(_l("The file is larger than %(max)s MB, the limit for one attachment.",
                              max=f"{max_bytes / 1048576:g}"), "file")
    file_type = sniff(data)
    if file_type is None:
        raise ServiceError(_l("Only screenshots (PNG or JPEG), PDF documents and plain text files can be attached."),
                           "file")
    if name_disagrees(filename, file_type):
        raise ServiceError(_l("The file's content does not match its name: %(name)s is not what its name says.",
                              name=filename[:80]), "file")
    return file_type


def remove_attachments(attachments: list[TicketAttachment]) -> int:
    """Delete these attachments' rows, and their blobs once no row names them any more; flushes.

    For privacy erasure and retention. A blob still named by another row (the same bytes attached
    elsewhere) stays; a crash after the removal and before the commit only loses what was being erased.
    """
    paths = {a.blob_path for a in attachments}
    for attachment in attachments:
        db.session.delete(attachment)
    db.session.flush()
    blobs.remove_unnamed(paths)
    return len(attachments)


def visible_attachments(ticket: Ticket, *, staff: bool) -> list[TicketAttachment]:
    """The ticket's attachments this reader may see (a client never sees internal ones)."""
    return [a for a in ticket.attachments if staff or not a.internal]


def add_event(ticket: Ticket, kind: str, actor: Actor, at: datetime, *, body: str | None = None, internal: bool = False,
           data: dict[str, Any] | None = None) -> TicketEvent:
    """Append one event to the ticket's log (the caller's unit of work flushes and commits it)."""
    # Load the log before the new event joins the session: loading it afterwards would autoflush the
    # event, read it back with the log and then append it a second time.
    events = ticket.events
    event = TicketEvent(client_id=ticket.client_id, at=at, kind=kind, actor_label=actor.label, body=body,
                        internal=internal, data=data or {})
    events.append(event)  # sets event.ticket; the save-update cascade adds it to the ticket's session
    db.session.add(event)
    return event


def clock_events(ticket: Ticket) -> list[tuple[str, datetime]]:
    """The events the SLA clocks read, in time order (only the first reaction counts)."""
    return clock_events_from((e.kind, e.at, e.id) for e in ticket.events)


def clock_events_from(events: Iterable[tuple[str, datetime, int | None]]) -> list[tuple[str, datetime]]:
    """``clock_events`` from plain ``(kind, at, id)`` rows (a report reads many tickets' events without the ORM)."""
    out: list[tuple[str, datetime]] = []
    reacted = False
    # Same moment: in the order they were recorded (an event not flushed yet has no id and comes last).
    for kind, at, _id in sorted(events, key=lambda e: (e[1], e[2] is None, e[2] or 0)):
        if kind not in EVENT_KINDS:
            continue
        if kind == "reaction":
            if reacted:
                continue
            reacted = True
        out.append((kind, at))
    return out


def status_of(ticket: Ticket, now: datetime, calendar: WorkCalendar) -> SlaStatus:
    """The SLA clocks of a ticket, read from its events (a clock that runs behind reads at the last event)."""
    events = clock_events(ticket)
    latest = max([ticket.reported_at, *(at for _kind, at in events)])
    return sla_status(ticket.level, ticket.impact, ticket.reported_at, events, max(now, latest), calendar)


def refresh(ticket: Ticket, now: datetime, calendar: WorkCalendar) -> SlaStatus:
    """Read the clocks again; record escalations as events at their own moment; update the caches."""
    status = status_of(ticket, now, calendar)
    recorded = {(e.data or {}).get("to") for e in ticket.events if e.kind == "escalated"}
    for moment, old, new in status.escalations:
        if new not in recorded:
            add_event(ticket, "escalated", Actor("sla"), moment, data={"from": old, "to": new})
            metrics.ESCALATIONS.labels(to=str(new)).inc()
    ticket.category = status.category
    ticket.is_open = ticket.state in OPEN_STATES
    ticket.nearest_breach = status.nearest_breach if ticket.is_open else None
    ticket.clock_state = _worst_state(status) if ticket.is_open else "done"
    restore = restore_status_of(ticket, now, calendar)
    if restore is not None and ticket.is_open and restore.done_at is None and not restore.paused:
        if ticket.nearest_breach is None or restore.due < ticket.nearest_breach:
            ticket.nearest_breach = restore.due
        if _SEVERITY.get(restore.state.value, 0) > _SEVERITY.get(ticket.clock_state, 0):
            ticket.clock_state = restore.state.value
    return status


_SEVERITY = {"breached": 4, "missed": 4, "warning": 3, "running": 2, "paused": 1, "met": 0, "not_applicable": 0}


def _worst_state(status: SlaStatus) -> str:
    states = [str(getattr(s, "value", s))
              for s in (status.reaction_state, status.intervention_state, status.status_state)]
    worst = max(states, key=lambda s: _SEVERITY.get(s, 0))
    if status.paused and worst in ("running", "met", "not_applicable"):
        return "paused"
    return "breached" if worst == "missed" else worst


def refresh_open(now: datetime, calendar: WorkCalendar, *, batch: int = 500) -> int:
    """Scheduler: read the clocks of every open ticket again (escalations happen with time alone)."""
    total, last_id = 0, 0
    while True:
        tickets = list(db.session.scalars(sa.select(Ticket).where(Ticket.is_open.is_(True), Ticket.id > last_id)
                                          .order_by(Ticket.id).limit(batch)
                                          .options(sa.orm.selectinload(Ticket.events))))
        if not tickets:
            return total
        for ticket in tickets:
            refresh(ticket, now, calendar)
        db.session.flush()
        total += len(tickets)
        last_id = tickets[-1].id


def agents() -> list[User]:
    """Everyone who works the desk."""
    return list(db.session.scalars(sa.select(User).where(User.role.in_((Role.AGENT, Role.ADMIN)), User.active)
                                   .order_by(User.name)))
