"""What the desk's forms and screens call levels, impacts, states, events, clocks and actions, translated.

The one catalogue of the desk's words: the database and ``sla.desk.policy`` keep the codes
(``waiting_client``, level ``4``, impact ``"all"``); people read these labels.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as pgettext  # the name the message extractor knows, kept lazy
from flask_babel.speaklater import LazyString

__all__ = ["ACTION_FIELDS", "CLIENT_COMMENT", "LABELS", "label"]

LABELS: dict[str, dict[str, LazyString]] = {
    "state": {
        "new": _l("new"),
        "acknowledged": _l("acknowledged"),
        "in_progress": _l("in progress"),
        "waiting_client": _l("waiting for the client"),
        "resolved": _l("resolved"),
        # An incident is masculine in French, a fine feminine: "closed" needs its own context.
        "closed": pgettext("incident", "closed"),
    },
    "event": {
        "reported": _l("reported"),
        "reaction": _l("acknowledged"),
        "start": _l("work started"),
        "status_report": _l("status report"),
        "comment": _l("comment"),
        "note": _l("internal note"),
        "pause": _l("waiting for the client"),
        "resume": _l("resumed"),
        "restore_start": _l("restore started"),
        "restore_end": _l("restore finished"),
        "resolved": _l("resolved"),
        "close": pgettext("incident", "closed"),
        "reopen": _l("reopened"),
        "warning": _l("warning"),
        "escalated": _l("escalated"),
        "corrected": _l("level or impact corrected"),
        "assigned": _l("assigned"),
        "chargeable": _l("marked chargeable"),
        "not_chargeable": _l("marked not chargeable"),
        "choice_asked": _l("asked the client which version to restore"),
        "choice_given": _l("the client chose the version"),
        "restore_source": _l("restore source chosen"),
        "restore_done": _l("data restored"),
        "attached": _l("file attached"),
    },
    # The kinds of file a ticket may carry (``sla.desk.filetypes.ALLOWED``), by the type they are served with.
    "file_kind": {
        "image/png": _l("PNG picture"),
        "image/jpeg": _l("JPEG picture"),
        "application/pdf": _l("PDF document"),
        "text/plain": _l("text file"),
    },
    # The buttons of the ticket page.
    "action": {
        "acknowledge": _l("Acknowledge"),
        "start": _l("Start work"),
        "status_report": _l("Send status report"),
        "comment": _l("Send comment"),
        "note": _l("Add internal note"),
        "wait_client": _l("Ask the client and wait"),
        "resume": _l("Resume"),
        "restore_start": _l("Restore started"),
        "restore_end": _l("Restore finished"),
        "resolve": _l("Resolve"),
        "close": _l("Close"),
        "reopen": _l("Reopen"),
        "ask_choice": _l("Ask which version to restore"),
        "answer_choice": _l("Send your choice"),
    },
    # What the buttons do, said beside them.
    "action_hint": {
        "acknowledge": _l("Records the first reaction to the client: the reaction time stops."),
        "start": _l("Work on the incident begins."),
        "resume": _l("The client answered: the time limits run again."),
        "restore_start": _l("Restoring data or a server: this time does not count for the intervention time."),
        "restore_end": _l("The restore is done: the intervention time runs again."),
        "resolve": _l("The incident is solved: the intervention time stops."),
        "close": _l("Nothing more to do: the incident leaves the desk."),
        "reopen": _l("The problem is back: the incident is taken up again and its time limits run on."),
    },
    # The state of one clock (sla.desk.clock.ClockState), and "done" for a ticket no longer open.
    "clock_state": {
        "running": _l("running"),
        "paused": _l("paused"),
        "warning": _l("nearly due"),
        "breached": _l("overdue"),
        "met": _l("met"),
        "missed": _l("missed"),
        "not_applicable": _l("not applicable"),
        "done": _l("done"),
    },
    "clock": {
        "reaction": _l("Reaction time"),
        "intervention": _l("Intervention time"),
        "status": _l("Status reports"),
        "restore": _l("Restore time"),
    },
    # A ticket's kind: an incident, or a request to restore data from a backup (SLA 7.6).
    "kind": {
        "incident": _l("Incident"),
        "restore": _l("Restore request"),
    },
    # The data a restore request names.
    "restore_what": {
        "fines": _l("Fines"),
        "contracts": _l("Lease contracts"),
        "file": _l("A file"),
        "everything": _l("Everything"),
    },
    # Where a backup is kept (backups' tiers, as the platform's catalogue lists them).
    "storage": {
        "server": _l("server copy"),
        "datacenter": _l("datacenter storage"),
    },
    "backup_what": {
        "database": _l("database"),
        "files": _l("stored files"),
        "environment": _l("whole environment"),
    },
    # Pieces of working time in "when each clock ran".
    "segment": {
        "running": _l("counted"),
        "paused": _l("paused: waiting for the client"),
        "excluded": _l("restoring: not counted"),
        "resolved": _l("resolved: not counted"),
    },
    "channel": {
        "web": _l("online"),
        "phone": _l("by phone"),
    },
    # The SLA's levels (``sla.desk.policy.LEVELS``), most severe first, as the report form lists them.
    "level": {
        "4": _l("4 — users cannot work"),
        "3": _l("3 — users cannot perform certain important functions"),
        "2": _l("2 — users cannot perform certain less important functions"),
        "1": _l("1 — something is wrong, but users can still work"),
    },
    # The SLA's impacts (``sla.desk.policy.Impact``), widest first.
    "impact": {
        "all": _l("All users"),
        "substantial": _l("A substantial part: 20 percent of the staff or more"),
        "few": _l("One or a few users"),
    },
}

# The text area of each action that needs one: its label, and for staff whether the client reads it.
ACTION_FIELDS: dict[str, LazyString] = {
    "status_report": _l("Status report (the client sees it)"),
    "comment": _l("Comment (the client sees it)"),
    "note": _l("Internal note (agents only; the client does not see it)"),
    "wait_client": _l("What you need from the client (the client sees it)"),
    "ask_choice": _l("Which versions the client can choose from (the client sees it)"),
    "answer_choice": _l("The version to restore"),
}
CLIENT_COMMENT = _l("Your comment (the support desk sees it)")


def label(kind: str, value: object) -> str:
    """Return the label of a ticket's state, event kind, level, impact, ...; unknown values as they are."""
    if value is None:
        return ""
    value = getattr(value, "value", value)  # an Enum member (sla.desk.clock.ClockState)
    found = LABELS.get(kind, {}).get(str(value))
    return str(found) if found is not None else str(value)
